#!/usr/bin/env node
/**
 * npm run explore-table -- <what> [--iterations N] [--time-budget S] [--depth D] [<scenario>[:<variant>] ...]
 * The explorer's figures in docs/lab.md, measured (one exploration at a time; needs a built dist/):
 *
 *   variants  every broken variant (or those named) at explore's defaults and its own explore
 *             settings (VariantSpec.explore): iterations to the bug with PCT and with random,
 *             the schedule's decisions / preemptions found -> shrunk, race or not, and how many
 *             of 10 replays of PCT's shrunk schedule reproduce it exactly
 *   clean     every scenario's correct form (or those named), PCT at defaults: failures in N
 *             iterations (2,000 by default) and the time taken
 *   por       DFS with and without partial-order reduction: schedules to exhaust the bound on
 *             the toy ring and a tiny page allocator (bounds 1 to D, 2 by default), and the
 *             bugs each finds at bound 1
 *
 * Prints markdown rows as each finishes. --time-budget (seconds, per exploration) bounds a
 * row: a cell then says how many iterations ran.
 */
import { existsSync, mkdtempSync } from 'node:fs';
import { loadavg, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

const fail = (msg) => {
  console.error(`memrace explore-table: ${msg}`);
  process.exit(2);
};
if (!existsSync('dist/lab/index.js')) fail('dist/ is not built (run npm run build first)');
const WHATS = ['variants', 'clean', 'por'];
const argv = process.argv.slice(2);
const what = argv.shift();
if (!WHATS.includes(what)) fail(`<what>: '${what ?? ''}' is not one of ${WHATS.join(', ')}`);
let iterations = 2000;
let maxDepth = 2;
let budgetS = 0;
const named = [];
for (let i = 0; i < argv.length; i++) {
  const count = (flag) => {
    const n = Number(argv[++i]);
    if (!Number.isInteger(n) || n < 1) fail(`${flag}: ${argv[i]} is not a count (allowed: an integer from 1)`);
    return n;
  };
  if (argv[i] === '--iterations') iterations = count('--iterations');
  else if (argv[i] === '--time-budget') budgetS = count('--time-budget');
  else if (argv[i] === '--depth') maxDepth = count('--depth');
  else named.push(argv[i]);
}

const { explore, replay, scenarios } = await import('../dist/lab/index.js');
const dir = mkdtempSync(join(tmpdir(), 'memrace-table-'));
const budget = budgetS ? { timeBudgetMs: budgetS * 1000 } : {};
const picked = (s, v) => named.length === 0 || named.includes(s) || (v && named.includes(`${s}:${v}`));
const secs = (ms) => `${(ms / 1000).toFixed(1)} s`;
const size = (z) => `${z.decisions}/${z.preemptions}`;
console.log(`measured ${new Date().toISOString().slice(0, 16)}Z, ${cpus().length} cores, load ${loadavg().map((l) => l.toFixed(1)).join(' ')}, Node ${process.version}`);

/** One exploration's cell: where it found the bug, and the schedule's size found -> shrunk. */
async function hunt(scenario, variant, strategy) {
  const r = await explore({ scenario, params: { variant }, strategy, iterations, ...budget, failuresDir: join(dir, `${scenario}-${variant}-${strategy}`) });
  if (!r.failure) return { r, cell: `none in ${r.iterations}${r.outOfTime ? ` (${secs(r.elapsedMs)})` : ''}`, sizes: '' };
  const s = r.failure.schedule;
  const sizes = s.shrunk ? `${size(s.shrunk.from)} → ${size(s.shrunk.to)}` : `${s.decisions.length ?? ''}`;
  return { r, cell: `${s.iteration + 1}`, sizes };
}

/** Of 10 replays of the saved schedule, how many reproduce it exactly (the whole decision list, the failure). */
async function replays(scenario, file) {
  let ok = 0;
  for (let i = 0; i < 10; i++) if ((await replay(scenario, file)).difference === undefined) ok++;
  return `${ok}/10`;
}

if (what === 'variants') {
  console.log('| scenario | variant | PCT: iteration | PCT: found → shrunk | random: iteration | random: found → shrunk | race? | replays |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const s of scenarios.filter((x) => !x.hidden)) {
    for (const v of s.variants.slice(1)) {
      if (!picked(s.name, v.name)) continue;
      const pct = await hunt(s.name, v.name, 'pct');
      const rnd = await hunt(s.name, v.name, 'random');
      const found = pct.r.failure ?? rnd.r.failure;
      const race = !found ? '' : found.schedule.sequential ? 'not a race' : 'race';
      const again = found ? await replays(s.name, found.file) : '';
      console.log(`| ${s.name} | ${v.name} | ${pct.cell} | ${pct.sizes} | ${rnd.cell} | ${rnd.sizes} | ${race} | ${again} |`);
    }
  }
} else if (what === 'clean') {
  console.log('| scenario | PCT iterations | failures | time |');
  console.log('| --- | --- | --- | --- |');
  for (const s of scenarios.filter((x) => !x.hidden)) {
    if (!picked(s.name)) continue;
    const r = await explore({ scenario: s.name, params: {}, strategy: 'pct', iterations, ...budget, failuresDir: join(dir, `${s.name}-clean`) });
    console.log(`| ${s.name} | ${r.iterations}${r.outOfTime ? ' (time budget)' : ''} | ${r.failure ? `1: ${r.failure.run.failure.message.slice(0, 80)}` : 0} | ${secs(r.elapsedMs)} |`);
  }
} else {
  const TOY = { scenario: 'ring-stress', params: { workers: 3, count: 8, bulk: 2 }, ops: 2 };
  const TINY = { scenario: 'page-alloc-stress', params: { nodes: 1, cpusPerNode: 2, mem: '16M', orders: '0', kswapd: false, hold: 2, touch: false }, ops: 1 };
  const dfs = (c, depth, por, variant = 'correct') =>
    explore({ ...c, params: { ...c.params, variant }, strategy: 'dfs', depth, por, iterations: iterations * 100, ...budget, failuresDir: join(dir, 'por') });
  const cell = (r) => (r.failure ? `found at ${r.failure.schedule.iteration + 1}` : `${r.iterations}${r.exhausted ? '' : ' (not exhausted)'}`);
  console.log('| search | depth | reduced | plain | share |');
  console.log('| --- | --- | --- | --- | --- |');
  // The bugs, where a bound of 1 shows them: the toy ring with two producers of one op each.
  const BUGS = { toy: { ...TOY, params: { ...TOY.params, producers: 2 }, ops: 1 }, tiny: TINY };
  for (const [name, c, bugs] of [['toy ring', TOY, BUGS.toy], ['tiny page allocator', TINY, BUGS.tiny]]) {
    if (!picked(c.scenario)) continue;
    for (let depth = 1; depth <= maxDepth; depth++) {
      const [on, off] = [await dfs(c, depth, true), await dfs(c, depth, false)];
      const share = on.exhausted && off.exhausted ? `${((100 * on.iterations) / off.iterations).toFixed(1)} %` : '';
      console.log(`| ${name} | ${depth} | ${cell(on)} (${secs(on.elapsedMs)}) | ${cell(off)} (${secs(off.elapsedMs)}) | ${share} |`);
    }
    for (const v of scenarios.find((x) => x.name === c.scenario).variants.slice(1)) {
      const [on, off] = [await dfs(bugs, 1, true, v.name), await dfs(bugs, 1, false, v.name)];
      console.log(`| ${name}${bugs === c ? '' : ', two producers, one op'} [${v.name}] | 1 | ${cell(on)} | ${cell(off)} | |`);
    }
  }
}
