import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DetRun } from '../src/lab/det/engine.js';
import { type ExploreOptions, explore } from '../src/lab/det/explore.js';
import { encodeDecisions } from '../src/lab/det/schedule.js';

/**
 * Explore one PCT iteration of `scenario` and save it, passing or not, as a schedule file
 * (`dir`/last.schedule): the in-flight plan explore writes, with the run's decisions and turns.
 */
export async function exploreOnce(scenario: string, params: Record<string, unknown>, dir: string, more: Partial<ExploreOptions> = {}): Promise<{ file: string; run: DetRun; iterations: number }> {
  let last = '';
  let run!: DetRun;
  const r = await explore({
    scenario, params, strategy: 'pct', iterations: 1, ops: 2, failuresDir: dir, ...more,
    onIteration: (_, it) => {
      run = it;
      const head = JSON.parse(readFileSync(join(dir, `${scenario}-1.running.schedule`), 'utf8')) as Record<string, unknown>;
      last = JSON.stringify({ ...head, decisions: encodeDecisions(it.decisions.map((d) => d.chosen)), steps: it.steps });
    },
  });
  const file = join(dir, 'last.schedule');
  writeFileSync(file, last);
  return { file, run, iterations: r.iterations };
}
