import type { Command } from 'commander';
import { LiveActor } from '../../runtime/live.js';
import { prepareRun } from '../../lab/stress.js';
import { table } from '../../lab/table.js';
import { intOption } from '../int-option.js';
import { scenarioValues } from '../options.js';
import { registerScenarioCommand } from '../scenario-command.js';
import { scenarioKey } from '../../scenarios/user.js';

/** A live step that does not return within this is reported as a hang. */
const STEP_TIMEOUT_MS = 10_000;

/**
 * `memrace step`: every actor is a live worker driven through comlink; each round lets
 * each actor in turn run a few operations, so a person can watch the structure evolve
 * one step at a time. The oracles run on the image at the end.
 */
export function registerStep(program: Command): void {
  registerScenarioCommand(program, {
    name: 'step',
    description: "drive a scenario's actors step by step from the main thread (live actors over comlink)",
    options: (cmd) => cmd
      .option('--rounds <n>', 'rounds: each actor runs once per round [default: 4]')
      .option('--steps <n>', 'operations each actor may run per turn [default: 8]'),
    action: async (scenario, opts) => {
      const rounds = intOption('rounds', opts.rounds, 4, 1, 10_000);
      const steps = intOption('steps', opts.steps, 8, 1, 1_000_000);
      const run = prepareRun(scenarioKey(scenario), scenarioValues(scenario, opts));
      const actors = await Promise.all(run.tasks.map((t) => LiveActor.start(t)));
      try {
        for (let round = 1; round <= rounds; round++) {
          const rows = table(['round', 'actor', 'role', 'ran', 'total', 'stopped at']);
          for (const a of actors) {
            const r = await a.step(steps, STEP_TIMEOUT_MS, () => ({ role: run.roles[a.actor], lastOp: run.lastOp(a.actor) }));
            rows.push([round, r.actor, r.role, r.stepOps, r.ops, r.lastOp]);
          }
          const seen = Object.entries(run.outcomeTotals()).filter(([, v]) => v > 0).map(([k, v]) => `${k}=${v}`);
          process.stdout.write(`${rows.toString()}\noutcomes so far: ${seen.join(' ') || 'none'}\n`);
        }
      } finally {
        await Promise.all(actors.map((a) => a.close()));
      }
      const check = run.check([]);
      for (const o of check.oracles) process.stdout.write(`oracle ${o.name}: ${o.violations.length ? o.violations.map((v) => v.message).join('; ') : 'ok'}\n`);
      for (const n of check.notes ?? []) process.stdout.write(`${n}\n`);
      if (check.oracles.some((o) => o.violations.length)) process.exitCode = 1;
    },
  });
}
