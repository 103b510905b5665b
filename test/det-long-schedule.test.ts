import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { replay } from '../src/lab/det/replay.js';
import { storyLines } from '../src/lab/det/story.js';
import { exploreOnce } from './det-helpers.js';

/**
 * A schedule of over a million turns (two bumpers, 100,000 locked increments each, under PCT)
 * replays exactly and renders, every access: nothing in replay, the comparison or the trace
 * spreads a turn-sized array into a call (a RangeError at ~140,000 turns once).
 */
it('replays a schedule of a million turns exactly, and renders every access', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'memrace-long-'));
  const { file, run } = await exploreOnce('sched-probe', { workers: 2 }, dir, { ops: 100_000, stepBudget: 560_000 });
  expect(run.failure).toBeNull();
  expect(run.steps).toBeGreaterThanOrEqual(1_000_000);
  const again = await replay('sched-probe', file);
  expect(again.difference).toBeUndefined();
  expect(again.run.steps).toBe(run.steps);
  expect(storyLines(again.run, again.trace).length).toBeGreaterThan(run.steps);
}, 120_000);
