import type { Command } from 'commander';
import { type StepRound, stepScenario } from '../../lab/step.js';
import { stepLive } from '../../lab/step-live.js';
import { table } from '../../lab/table.js';
import { intOption } from '../int-option.js';
import { registerScenarioCommand } from '../scenario-command.js';
import { scenarioKey } from '../../scenarios/user.js';

/** `memrace step`: the rounds as tables, then the oracles (lab/step.ts does the stepping). */
export function registerStep(program: Command): void {
  registerScenarioCommand(program, {
    name: 'step',
    description: "drive a scenario's actors step by step from the main thread (under the deterministic scheduler)",
    options: (cmd) => cmd
      .option('--rounds <n>', 'rounds: each actor runs once per round [default: 4]')
      .option('--steps <n>', 'operations each actor may run per turn [default: 8]')
      .option('--live', 'each actor on its own worker thread, driven over comlink with the real Atomics (for actors that do not wait for each other)'),
    action: async (scenario, opts, values) => {
      const rounds = intOption('rounds', opts.rounds, 4, 1, 10_000);
      const steps = intOption('steps', opts.steps, 8, 1, 1_000_000);
      const onRound = (r: StepRound) => {
        const rows = table(['round', 'actor', 'role', 'ran', 'total', 'stopped at']);
        for (const s of r.steps) rows.push([r.round, s.actor, s.role, s.stepOps, s.ops, s.lastOp]);
        const seen = Object.entries(r.outcomes).map(([k, v]) => `${k}=${v}`);
        process.stdout.write(`${rows.toString()}\noutcomes so far: ${seen.join(' ') || 'none'}\n`);
      };
      const key = scenarioKey(scenario);
      const check = opts.live ? { ...(await stepLive(key, values, rounds, steps, onRound)), failure: null } : await stepScenario(key, values, rounds, steps, onRound);
      for (const o of check.oracles) process.stdout.write(`oracle ${o.name}: ${o.violations.length ? o.violations.map((v) => v.message).join('; ') : 'ok'}\n`);
      for (const n of check.notes ?? []) process.stdout.write(`${n}\n`);
      if (check.failure) process.stdout.write(`FAILED: ${check.failure.message}\n`);
      if (check.failure || check.oracles.some((o) => o.violations.length)) process.exitCode = 1;
    },
  });
}
