import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explore } from '../src/lab/det/explore.js';
import { runStress } from '../src/lab/stress.js';

/**
 * The examples in examples/: code nobody here wrote (ringbuf.js, the 'multithreading'
 * package's Mutex) and two textbook locks, each with a broken variant. Small budgets: the
 * correct form passes a short stress run and a short exploration, the broken one is found.
 */
const example = (name: string) => resolve('examples', `${name}.scenario.mjs`);
const failuresDir = mkdtempSync(join(tmpdir(), 'memrace-examples-'));

describe.each([
  ['peterson', 'turn-first', 'both-inside'],
  ['ticket-lock', 'load-store-ticket', 'both-inside'],
  ['ringbuf-spsc', 'two-producers', 'lost-or-reordered'],
  ['multithreading-mutex', 'unlocked', 'lost-update'],
])('examples/%s', (name, broken, outcome) => {
  it(`passes in its correct form and is caught as ${broken}`, async () => {
    const file = example(name);
    const ok = await explore({ scenario: file, params: { ops: 3 }, strategy: 'random', iterations: 10, failuresDir });
    expect(ok.failure?.run.failure ?? null).toBeNull();
    expect(ok.uncontrolled).toEqual([]);
    const bad = await explore({ scenario: file, params: { ops: 3, variant: broken }, strategy: 'random', iterations: 200, failuresDir });
    expect(bad.failure?.run.outcomes.find((o) => o.outcome === outcome)?.count).toBeGreaterThan(0);
    expect(bad.uncontrolled).toEqual([]);
    const stress = await runStress({ scenario: file, params: { ops: 100 }, timeBudgetMs: 20_000 });
    expect(stress.verdict).toBe('pass');
  });
});
