import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MemraceError } from '../errors.js';

/**
 * The package root, found upwards from this module: the same answer from the source tree
 * (tests) and from any bundle in dist/.
 */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new MemraceError('E_LAYOUT', 'cannot find the memrace package root');
    dir = up;
  }
  return dir;
}

/** A built worker entry. Node 20 cannot start a .ts worker, so workers always run from dist/. */
export function workerFile(name: 'actor' | 'live'): string {
  const file = join(packageRoot(), 'dist', 'workers', `${name}.js`);
  if (!existsSync(file)) throw new MemraceError('E_LAYOUT', `worker bundle ${file} is missing: run 'npm run build' first`);
  return file;
}
