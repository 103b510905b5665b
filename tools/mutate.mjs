#!/usr/bin/env node
/**
 * npm run mutate [-- <folder or file> ...] [--stryker-option value ...]: Stryker on the
 * algorithm folders of stryker.config.mjs, or only on the folders and files named (a folder
 * means every .ts under it); options (`--concurrency 1`) go to `stryker run` as they are.
 * Incremental, so a rerun of one folder takes minutes. After a run, its per-file results go
 * into docs/mutation-scores.json and the per-folder table is printed
 * (tools/mutation-scores.mjs).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { record, table } from './mutation-scores.mjs';

const argv = process.argv.slice(2);
const firstOption = argv.findIndex((a) => a.startsWith('--'));
const targets = firstOption < 0 ? argv : argv.slice(0, firstOption);
const args = ['stryker', 'run', ...(firstOption < 0 ? [] : argv.slice(firstOption))];
if (targets.length) {
  const globs = targets.map((t) => {
    if (!existsSync(t)) {
      console.error(`memrace mutate: ${t}: no such file or folder (allowed: a folder or .ts file under src/)`);
      process.exit(2);
    }
    return statSync(t).isDirectory() ? `${t.replace(/\/$/, '')}/**/*.ts` : t;
  });
  args.push('--mutate', globs.join(','));
}
const r = spawnSync('npx', args, { stdio: 'inherit' });
if (r.status === 0) {
  record(undefined, targets);
  console.log(table());
}
process.exit(r.status ?? 1);
