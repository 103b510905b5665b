#!/usr/bin/env node
/**
 * Per-folder mutation scores that add up over separate Stryker runs.
 *
 *   node tools/mutation-scores.mjs record [mutation.json [target ...]]   merge one run's files
 *   node tools/mutation-scores.mjs                                        the per-folder table
 *
 * Stryker's json report (reports/mutation/mutation.json, ignored by git) is rewritten by each
 * run, and an incremental run's report also carries the earlier runs' files, unchanged.
 * `record` keeps the counts of the files under the run's targets, with the date, commit and
 * load at the end of the run, in docs/mutation-scores.json (committed); a file measured again
 * replaces its entry, and a named file with no mutant is recorded with zero counts. `npm run mutate` records after every run. The table counts as Stryker
 * does: score (total) = (killed + timeout) / (killed + timeout + survived + no coverage),
 * score (covered) leaves out the no-coverage mutants; compile and runtime errors and ignored
 * mutants count in neither. It also lists every survivor on a line that carries an Atomics
 * call, a CAS or a lock, which issue 14 forbids.
 */
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';

const STORE = 'docs/mutation-scores.json';
const FOLDERS = ['src/dpdk', 'src/kernel', 'src/paging', 'src/ruby', 'src/lab/det'];
const COUNTS = ['killed', 'timeout', 'survived', 'noCoverage', 'errors', 'ignored'];
const STATUS = {
  Killed: 'killed',
  Timeout: 'timeout',
  Survived: 'survived',
  NoCoverage: 'noCoverage',
  CompileError: 'errors',
  RuntimeError: 'errors',
  Ignored: 'ignored',
};
/** A line that orders or guards shared memory: an Atomics call, a compare-and-swap, a lock. */
// Lock calls by name (lock, unlock, trylock, spin_lock, lockMappers, SpinLock, underLock), not
// every name with 'lock' in it (writeBlock, memblock_add, pageblock_order).
const SYNC_LINE = /Atomics\.|compareExchange|\bcas\w*\(|\b(?:\w*_)?(?:un|try)?lock\w*\(|Lock\w*\(/;

function load() {
  return existsSync(STORE) ? JSON.parse(readFileSync(STORE, 'utf8')) : { files: {} };
}

/** The .ts files a run's targets name (a folder: every .ts under it). */
function targetFiles(targets) {
  return targets.flatMap((t) => (t.endsWith('.ts') ? [t] : readdirSync(t, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts')).map((f) => `${t.replace(/\/$/, '')}/${f}`)));
}

/** Merges one Stryker json report's files under `targets` (folders or files; none: all) into the store. */
export function record(report = 'reports/mutation/mutation.json', targets = []) {
  const inTargets = (file) => !targets.length || targets.some((t) => file === t || file.startsWith(`${t.replace(/\/$/, '')}/`));
  const run = JSON.parse(readFileSync(report, 'utf8'));
  const store = load();
  const date = new Date().toISOString().slice(0, 10);
  const commit = execSync('git rev-parse --short HEAD', { encoding: 'utf8' }).trim();
  const loadAvg = loadavg()[0].toFixed(1);
  const recorded = [];
  for (const [file, { source, mutants }] of Object.entries(run.files)) {
    if (!inTargets(file)) continue;
    const entry = { date, commit, load: loadAvg, ...Object.fromEntries(COUNTS.map((c) => [c, 0])), syncSurvivors: [] };
    const lines = source.split('\n');
    for (const m of mutants) {
      entry[STATUS[m.status]]++;
      const line = lines[m.location.start.line - 1];
      if (m.status === 'Survived' && SYNC_LINE.test(line)) {
        entry.syncSurvivors.push(`${m.location.start.line}: ${m.mutatorName}: ${line.trim()}`);
      }
    }
    store.files[file] = entry;
    recorded.push(file);
  }
  // A named file that Stryker instrumented with no mutant (re-exports, types) is absent from its
  // report: measured all the same, with nothing to count.
  for (const file of targetFiles(targets)) {
    if (run.files[file]) continue;
    store.files[file] = { date, commit, load: loadAvg, ...Object.fromEntries(COUNTS.map((c) => [c, 0])), syncSurvivors: [] };
    recorded.push(file);
  }
  store.files = Object.fromEntries(Object.entries(store.files).sort(([a], [b]) => a.localeCompare(b)));
  writeFileSync(STORE, `${JSON.stringify(store, null, 2)}\n`);
  return recorded;
}

const pct = (num, den) => (den ? `${((100 * num) / den).toFixed(2)}%` : '-');

/** One row per folder: files measured of files there, the counts, both scores. */
export function table() {
  const { files } = load();
  const rows = [['folder', 'files measured', 'mutants', 'killed', 'timeout', 'survived', 'no cov', 'score (total)', 'score (covered)']];
  const sync = [];
  for (const folder of FOLDERS) {
    const all = readdirSync(folder, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    const sum = Object.fromEntries(COUNTS.map((c) => [c, 0]));
    let measured = 0;
    for (const [file, entry] of Object.entries(files)) {
      if (!file.startsWith(`${folder}/`)) continue;
      measured++;
      for (const c of COUNTS) sum[c] += entry[c];
      // Filtered again here, so that a record taken under an older, looser pattern reads the same.
      for (const s of entry.syncSurvivors) if (SYNC_LINE.test(s)) sync.push(`${file}:${s}`);
    }
    const detected = sum.killed + sum.timeout;
    const covered = detected + sum.survived;
    const valid = covered + sum.noCoverage;
    rows.push([folder, `${measured}/${all.length}`, valid, sum.killed, sum.timeout, sum.survived, sum.noCoverage, pct(detected, valid), pct(detected, covered)]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  const out = rows.map((r) => r.map((c, i) => String(c).padEnd(widths[i])).join('  ').trimEnd());
  out.push(sync.length ? `survivors on an Atomics call, CAS or lock (${sync.length}):` : 'survivors on an Atomics call, CAS or lock: none');
  for (const s of sync) out.push(`  ${s}`);
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [cmd, arg, ...targets] = process.argv.slice(2);
  if (cmd === 'record') {
    const report = arg ?? 'reports/mutation/mutation.json';
    if (!existsSync(report)) {
      console.error(`memrace mutation-scores: record: ${report}: no such report (run npm run mutate first)`);
      process.exit(2);
    }
    console.log(`recorded ${record(report, targets).length} file(s) in ${STORE}`);
  } else if (cmd !== undefined) {
    console.error(`memrace mutation-scores: ${cmd}: unknown command (allowed: record, or nothing to print the table)`);
    process.exit(2);
  }
  console.log(table());
}
