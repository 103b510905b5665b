#!/usr/bin/env node
/**
 * npm run catch-rate [-- --runs N] [-- <scenario>[:<variant>] ...]: run every broken variant
 * (or those named) with `memrace run <scenario> --variant <v>` and nothing else, N times
 * each (20 by default), one run at a time, and print how many ended FAIL. This is the
 * measurement docs/testing.md quotes ("caught in at least 19 of 20 runs of the defaults").
 * Needs a built dist/ (npm run build).
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const CLI = 'dist/cli/main.js';
if (!existsSync(CLI)) {
  console.error('memrace catch-rate: dist/ is not built (run npm run build first)');
  process.exit(2);
}
const argv = process.argv.slice(2);
let runs = 20;
const named = [];
for (let i = 0; i < argv.length; i++) {
  if (argv[i] === '--runs') {
    runs = Number(argv[++i]);
    if (!Number.isInteger(runs) || runs < 1) {
      console.error(`memrace catch-rate: --runs: ${argv[i]} is not a count (allowed: an integer from 1)`);
      process.exit(2);
    }
  } else named.push(argv[i]);
}
const { scenarios } = await import('../dist/index.js');
const all = scenarios.filter((s) => !s.hidden).flatMap((s) => s.variants.slice(1).map((v) => [s.name, v.name]));
const pairs = named.length ? all.filter(([s, v]) => named.includes(s) || named.includes(`${s}:${v}`)) : all;
if (!pairs.length) {
  console.error(`memrace catch-rate: ${named.join(' ')}: no broken variant by that name (allowed: <scenario> or <scenario>:<variant>)`);
  process.exit(2);
}
console.log(`scenario:variant | caught | runs | seconds per run`);
for (const [s, v] of pairs) {
  let caught = 0;
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) {
    const r = spawnSync(process.execPath, [CLI, 'run', s, '--variant', v, '--quiet'], { encoding: 'utf8' });
    if (/verdict: FAIL/.test(r.stdout)) caught++;
    else if (!/verdict: PASS/.test(r.stdout)) console.log(`  ${s}:${v} run ${i + 1}: no verdict (exit ${r.status}): ${(r.stderr || r.stdout).trim().split('\n').at(-1)}`);
  }
  console.log(`${s}:${v} | ${caught}/${runs} | ${runs} | ${((performance.now() - t0) / 1000 / runs).toFixed(1)}`);
}
