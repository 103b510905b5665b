import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * Docs that stay true: every ```console block of README.md and docs/*.md is run, and what
 * it prints is compared with what the block shows. A block's info string says how:
 *
 *   ```console             exact (trailing spaces aside)
 *   ```console timing      durations masked (2.6s, 512ns, 5000 ms): counts stay exact
 *   ```console shape       every number masked and table widths ignored: the shape of it
 *   ```console skip: WHY   not run, and the test list says so with WHY
 *
 * A line `…` in the output stands for any number of lines, and `…` inside a line for any
 * text (output abridged: a race's counts, which outcomes a run happened to see). Commands run
 * in bash, in order, in one scratch folder per document (a later block may read what an
 * earlier one wrote), with `npx memrace` and `memrace` meaning this checkout's build.
 */
const root = resolve('.');
const DOCS = ['README.md', ...readdirSync('docs').filter((f) => f.endsWith('.md')).sort().map((f) => `docs/${f}`)];
// A hang, not a slow block: blocks of several documents and groups share the cores.
const BLOCK_TIMEOUT_MS = 120_000;

interface Step { command: string; expected: string[] }
interface Block { doc: string; line: number; mode: 'exact' | 'timing' | 'shape' | 'skip'; why: string; steps: Step[] }

function blocksOf(doc: string, text: string): Block[] {
  const out: Block[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const m = /^```console(?:\s+(timing|shape|skip:\s*(.*)))?\s*$/.exec(lines[i]);
    if (!m) continue;
    const start = i + 1;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]);
    const steps: Step[] = [];
    for (const l of body) {
      if (l.startsWith('$ ')) steps.push({ command: l.slice(2), expected: [] });
      else if (steps.length) steps.at(-1)!.expected.push(l);
      else throw new Error(`${doc}:${start}: a console block starts with a '$ ' command line`);
    }
    const mode = m[2] !== undefined ? 'skip' : ((m[1] as Block['mode'] | undefined) ?? 'exact');
    out.push({ doc, line: start, mode, why: m[2] ?? '', steps });
  }
  return out;
}

const DURATION = /\d+(?:\.\d+)?\s?(?:ns|µs|us|ms|s|m|h)\b/g;
const NUMBER = /\d[\d,.]*[kMGT%]?/g;

function normalise(lines: readonly string[], mode: Block['mode']): string[] {
  return lines.map((l) => {
    let s = l.replace(/\s+$/, '');
    if (mode === 'timing' || mode === 'shape') s = s.replace(DURATION, '<t>');
    if (mode === 'shape') s = s.replace(NUMBER, '<n>').replace(/[ ─]+/g, ' ');
    return s;
  });
}

/** One expected line against one printed line; `…` inside it matches any text. */
function lineMatches(expected: string, actual: string | undefined): boolean {
  if (actual === undefined) return false;
  if (!expected.includes('…')) return expected === actual;
  const re = expected.split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*');
  return new RegExp(`^${re}$`).test(actual);
}

/** Expected lines (with `…` wildcards) against actual lines: the first expected line that differs, or null. */
function mismatch(expected: readonly string[], actual: readonly string[]): string | null {
  const match = (e: number, a: number): boolean => {
    if (e === expected.length) return a === actual.length;
    if (expected[e] === '…') {
      for (let k = a; k <= actual.length; k++) if (match(e + 1, k)) return true;
      return false;
    }
    return a < actual.length && lineMatches(expected[e], actual[a]) && match(e + 1, a + 1);
  };
  if (match(0, 0)) return null;
  let a = 0;
  for (const e of expected) {
    if (e === '…') break;
    if (!lineMatches(e, actual[a])) return `expected: ${e}\n  actual: ${actual[a] ?? '(end of output)'}`;
    a++;
  }
  return 'the lines after an … differ';
}

const SHELL_PRELUDE = `
memrace() { node ${JSON.stringify(join(root, 'dist/cli/main.js'))} "$@"; }
npx() { if [ "$1" = memrace ]; then shift; memrace "$@"; else command npx "$@"; fi; }
`;

/**
 * Blocks running at once, over every document: one more than the cores. Stress blocks show a
 * race only with threads really in parallel; more blocks side by side starve them (a broken
 * variant's 1 s run then passes, and its block fails).
 */
const BLOCKS_AT_ONCE = availableParallelism() + 1;
let running = 0;
const waiting: Array<() => void> = [];

/** Run `work` in a slot; a finished one hands its slot to the first waiting. */
async function slot<T>(work: () => Promise<T>): Promise<T> {
  if (running < BLOCKS_AT_ONCE) running++;
  else await new Promise<void>((go) => waiting.push(go));
  try {
    return await work();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else running--;
  }
}

/** Run a block's commands in one bash, in `cwd`; the output of each, split by a marker line. */
function runBlock(b: Block, cwd: string): Promise<string[][]> {
  return slot(() => runBash(b, cwd));
}

function runBash(b: Block, cwd: string): Promise<string[][]> {
  const mark = '@@memrace-docs-step@@';
  const script = SHELL_PRELUDE + b.steps.map((s) => `echo ${mark}\n${s.command} 2>&1`).join('\n') + '\n';
  return new Promise((resolve) => {
    const child = spawn('bash', ['-c', script], { cwd, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), BLOCK_TIMEOUT_MS);
    child.on('close', () => {
      clearTimeout(timer);
      const parts = out.split(`${mark}\n`).slice(1);
      resolve(parts.map((p) => p.replace(/\n$/, '').split('\n').filter((_, i, all) => !(all.length === 1 && all[0] === ''))));
    });
  });
}

/** Relative paths a text names ('failures/x.schedule', './report.json', 'swap.img'), by their first component. */
function pathsIn(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/(?<![\w/.-])(?:\.\/)?([\w-][\w./-]*)/g)) {
    const path = m[1];
    if ((path.includes('/') || /\.[a-z]/i.test(path)) && !/^\d/.test(path)) out.add(path.split('/')[0]);
  }
  for (const m of text.matchAll(/--(?:failures|json|html|junit|schedule|swap) (?:\.\/)?([\w-][\w.-]*)/g)) out.add(m[1]);
  return out;
}

/**
 * Which earlier blocks of a document each block needs: those whose commands or printed output
 * name a relative path its commands name (an explore's schedule that a replay reads, a
 * report.json a later command opens). Blocks that need each other form a group, run in order
 * in one scratch folder; groups are independent, each in its own folder, so two explores that
 * write ./failures do not meet.
 */
function groupsOf(blocks: readonly Block[]): number[] {
  const group = blocks.map((_, i) => i);
  const find = (i: number): number => (group[i] === i ? i : (group[i] = find(group[i])));
  const text = (b: Block) => b.steps.map((s) => `${s.command}\n${s.expected.join('\n')}`).join('\n');
  blocks.forEach((b, i) => {
    const mine = pathsIn(b.steps.map((s) => s.command).join('\n'));
    for (let j = 0; j < i; j++) {
      if ([...pathsIn(text(blocks[j]))].some((p) => mine.has(p))) group[find(i)] = find(j);
    }
  });
  return blocks.map((_, i) => find(i));
}

// Documents, and the independent groups of blocks in one (groupsOf), run side by side (most
// of a block's time is a run's duration); the blocks of a group run in order.
describe.concurrent('console blocks', () => {
  for (const doc of DOCS) {
    const blocks = blocksOf(doc, readFileSync(doc, 'utf8'));
    if (blocks.length === 0) continue;
    describe(`${doc}`, () => {
      const groups = groupsOf(blocks);
      const cwds = new Map<number, string>();
      // Started by the first test that needs it, each after the block before it in its group
      // (a test filtered out with -t runs nothing but what a later block needs).
      const previous = new Map<number, () => Promise<unknown>>();
      blocks.forEach((b, i) => {
        const name = `${doc}:${b.line} $ ${b.steps[0]?.command ?? ''}`;
        if (b.mode === 'skip') {
          it.skip(`${name} (skipped: ${b.why})`, () => {});
          return;
        }
        const g = groups[i];
        if (!cwds.has(g)) cwds.set(g, mkdtempSync(join(tmpdir(), 'memrace-docs-')));
        const cwd = cwds.get(g)!;
        const before = previous.get(g) ?? (() => Promise.resolve());
        let started: Promise<string[][]> | undefined;
        const ran = () => (started ??= before().then(() => runBlock(b, cwd)));
        previous.set(g, ran);
        it(`${name}${b.mode === 'exact' ? '' : ` (${b.mode})`}`, async () => {
          const outputs = await ran();
          expect(outputs).toHaveLength(b.steps.length);
          b.steps.forEach((s, k) => {
            const diff = mismatch(normalise(s.expected, b.mode), normalise(outputs[k], b.mode));
            expect(diff, `${doc}:${b.line}: $ ${s.command}\n  ${diff}\n--- printed:\n${outputs[k].join('\n')}`).toBeNull();
          });
        }, 10 * BLOCK_TIMEOUT_MS);
      });
    });
  }
});

describe('the docs test itself', () => {
  it('reads a block: commands, outputs, mode', () => {
    const [b] = blocksOf('x.md', '```console timing\n$ a\none\n…\n$ b\n```\n');
    expect(b.mode).toBe('timing');
    expect(b.steps).toEqual([{ command: 'a', expected: ['one', '…'] }, { command: 'b', expected: [] }]);
    expect(blocksOf('x.md', '```console skip: takes an hour\n$ a\n```')[0]).toMatchObject({ mode: 'skip', why: 'takes an hour' });
  });

  it('masks durations in timing mode and every number and table width in shape mode', () => {
    expect(normalise(['iteration 4 FAILED after 2.6s: 653 decisions, 5000 ms'], 'timing')).toEqual(['iteration 4 FAILED after <t>: 653 decisions, <t>']);
    expect(normalise(['│ MP/MC   │ 6.56M     │ 65.5µs │'], 'shape')).toEqual(normalise(['│ MP/MC │ 17.93M │ 2.0µs  │'], 'shape'));
  });

  it('groups the blocks that name the same relative paths, and only those', () => {
    expect([...pathsIn("explore x --failures shrunk\nsaved to failures/x-1.schedule; node -e \"require('./report.json')\" --json r.json /proc/42/oom_adj 0.5s v20.1")].sort())
      .toEqual(['failures', 'r.json', 'report.json', 'shrunk']);
    const blocks = blocksOf('x.md', [
      '```console', '$ memrace explore a', 'saved to failures/a-1.schedule', '```',
      '```console', '$ memrace run b --json report.json', '```',
      '```console', '$ memrace replay a --schedule failures/a-1.schedule', '```',
      '```console', '$ memrace run c --duration 1s', '```',
      '```console', "$ node -e \"require('./report.json')\"", '```',
    ].join('\n'));
    expect(groupsOf(blocks)).toEqual([0, 1, 0, 3, 1]);
  });

  it('matches … against any number of lines, and names the first line that differs', () => {
    expect(mismatch(['a', '…', 'z'], ['a', 'b', 'c', 'z'])).toBeNull();
    expect(mismatch(['a', '…'], ['a'])).toBeNull();
    expect(mismatch(['a', 'b'], ['a', 'c'])).toMatch(/expected: b\n {2}actual: c/);
    expect(mismatch(['verdict: FAIL (forbidden: …)'], ['verdict: FAIL (forbidden: lost x2)'])).toBeNull();
    expect(mismatch(['verdict: FAIL (forbidden: …)'], ['verdict: PASS'])).not.toBeNull();
  });
});
