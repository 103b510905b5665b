import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

/** What the tarball is made of: the sources it builds from, the build's configuration, what npm ships beside dist. */
const INPUTS = ['src', 'workers', 'package.json', 'tsconfig.json', 'tsconfig.build.json', 'tsup.config.ts', 'README.md'];
const PREFIX = 'memrace-packed-';
/** Tarballs of other source states older than this are removed (another checkout may still use a newer one). */
const STALE_MS = 3_600_000;

function files(path: string): string[] {
  if (!existsSync(path)) return [];
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { recursive: true }).map((f) => join(path, String(f))).filter((f) => statSync(f).isFile()).sort();
}

/** A digest of every input's path and bytes. */
function sourceKey(root: string): string {
  const h = createHash('sha256');
  for (const f of INPUTS.flatMap((p) => files(join(root, p)))) h.update(f.slice(root.length)).update('\0').update(readFileSync(f));
  return h.digest('hex').slice(0, 16);
}

/**
 * The package as `npm pack` makes it (its prepack builds the bundle and the declarations),
 * packed once per source state and shared by the tests that install it (package.test.ts,
 * user-project.test.ts): building and packing were most of their cost. Test files run one at
 * a time; two checkouts packing the same state at once each pack, and the first rename wins.
 */
export function packedTarball(): string {
  const root = resolve('.');
  const base = tmpdir();
  const dir = join(base, PREFIX + sourceKey(root));
  const tarball = () => readdirSync(dir).find((f) => f.endsWith('.tgz'));
  if (existsSync(dir) && tarball()) return join(dir, tarball()!);
  const scratch = mkdtempSync(join(base, 'memrace-packing-'));
  // What prepack does, less the bundle the test run's global setup has just built: the declarations.
  execFileSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
  execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', scratch], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
  try {
    renameSync(scratch, dir);
  } catch {
    rmSync(scratch, { recursive: true, force: true });
  }
  for (const old of readdirSync(base).filter((f) => f.startsWith(PREFIX) && join(base, f) !== dir)) {
    const path = join(base, old);
    if (Date.now() - statSync(path).mtimeMs > STALE_MS) rmSync(path, { recursive: true, force: true });
  }
  return join(dir, tarball()!);
}
