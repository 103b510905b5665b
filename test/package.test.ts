import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packedTarball } from './packed.js';

/**
 * memrace as a user gets it: `npm pack` (packed.ts), then `npm install <tarball>` into a scratch project
 * and imports of every subpath `exports` names, from JavaScript and from type-checked
 * TypeScript. The tarball's own dependencies come from this checkout's node_modules (linked),
 * so the install needs no registry.
 */
const root = resolve('.');
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as { exports: Record<string, unknown>; dependencies: Record<string, string> };
// memrace/vitest is the test helper, not a library subpath: its own test is below.
const subpaths = Object.keys(pkg.exports).filter((p) => p !== './package.json' && p !== './vitest').map((p) => (p === '.' ? 'memrace' : `memrace/${p.slice(2)}`));
const run = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });

/** The README's library example: the ```js block after the `<!-- library example -->` mark. */
function readmeExample(): string {
  const m = /<!-- library example -->\s*```js\n([\s\S]*?)```/.exec(readFileSync('README.md', 'utf8'));
  if (!m) throw new Error('README.md has no <!-- library example --> block');
  return m[1];
}

let dir = '';
let app = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'memrace-pack-'));
  app = join(dir, 'app');
  mkdirSync(app);
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', private: true, type: 'module' }));
  const deps = Object.keys(pkg.dependencies).map((d) => join(root, 'node_modules', d));
  run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--install-links=false', packedTarball(), ...deps], app);
  symlinkSync(join(root, 'node_modules', '@types'), join(app, 'node_modules', '@types'));
}, 120_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('the packed package', () => {
  it('ships the bundle, the workers, the declarations and no sources or tests', () => {
    const files = readdirSync(join(app, 'node_modules', 'memrace', 'dist'), { recursive: true }).map(String);
    expect(files).toContain(join('workers', 'actor.js'));
    for (const p of subpaths) expect(files).toContain(join('types', ...p.split('/').slice(1), 'index.d.ts'));
    expect(readdirSync(join(app, 'node_modules', 'memrace'))).not.toContain('src');
  });

  it('imports every subpath from an .mjs, and one class is the same object from each path', () => {
    writeFileSync(join(app, 'imports.mjs'), [
      ...subpaths.map((p, i) => `import * as m${i} from '${p}';`),
      `console.log(JSON.stringify([${subpaths.map((_, i) => `Object.keys(m${i}).length`).join(', ')}]));`,
      `console.log(m0.Ring === (await import('memrace/dpdk')).Ring, m0.kernel.Kernel === (await import('memrace/kernel')).Kernel);`,
    ].join('\n'));
    const [counts, same] = run('node', ['imports.mjs'], app).trim().split('\n');
    expect(JSON.parse(counts).every((n: number) => n > 10)).toBe(true);
    expect(same).toBe('true true');
  });

  it('ships memrace/vitest, the test helper, with its declarations', () => {
    expect(readdirSync(join(app, 'node_modules', 'memrace', 'dist', 'types'))).toContain('vitest.d.ts');
    writeFileSync(join(app, 'helper.mjs'), "const m = await import('memrace/vitest'); console.log(Object.keys(m).sort().join(' '));\n");
    expect(run('node', ['helper.mjs'], app).trim()).toBe('ScenarioCheckFailure explore stress');
  });

  it("runs the README's library example as written, printing what its comments say", () => {
    const code = readmeExample();
    writeFileSync(join(app, 'example.mjs'), code);
    const expected = [...code.matchAll(/\/\/ → (.*)$/gm)].map((m) => m[1]);
    expect(expected.length).toBeGreaterThan(0);
    expect(run('node', ['example.mjs'], app).trim().split('\n')).toEqual(expected);
  });

  it('type-checks a strict TypeScript user of every subpath (and of the README example) against the declarations', () => {
    writeFileSync(join(app, 'user.ts'), readFileSync('test/fixtures/package/user.ts', 'utf8'));
    writeFileSync(join(app, 'example.ts'), readmeExample());
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true,
        skipLibCheck: true, types: ['node'], lib: ['ES2022', 'ES2024.SharedMemory'],
      },
      files: ['user.ts', 'example.ts'],
    }));
    const user = readFileSync(join(app, 'user.ts'), 'utf8');
    for (const p of subpaths) expect(user).toContain(`from '${p}'`);
    run('node', [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], app);
  });
});
