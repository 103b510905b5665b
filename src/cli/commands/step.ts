import { Command } from 'commander';
import { LiveActor } from '../../runtime/live.js';
import { checkRun, outcomeTotals, prepareRun } from '../../lab/stress.js';
import { table } from '../../lab/table.js';
import { parseParam } from '../../lab/params.js';
import { C_LAST_OP, SLOT_WORDS } from '../../shm/counters.js';
import { findScenario } from '../../scenarios/index.js';
import { addScenarioOptions, scenarioValues } from '../options.js';

/**
 * `memrace step`: every actor is a live worker driven through comlink; each round lets
 * each actor in turn run a few operations, so a person can watch the structure evolve
 * one step at a time. The oracles run on the image at the end.
 */
export function registerStep(program: Command): void {
  program
    .command('step')
    .description('drive a scenario\'s actors step by step from the main thread (live actors over comlink)')
    .argument('<scenario>', 'scenario name (memrace list)')
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption(false)
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const scenario = findScenario(name);
      const inner = addScenarioOptions(new Command(`memrace step ${scenario.name}`), scenario)
        .option('--rounds <n>', 'rounds: each actor runs once per round', '4')
        .option('--steps <n>', 'operations each actor may run per turn', '8')
        .exitOverride();
      inner.parse(cmd.args.slice(1), { from: 'user' });
      const opts = inner.opts();
      const rounds = parseParam({ name: 'rounds', type: 'int', default: 4, min: 1, max: 10_000, help: '' }, opts.rounds) as number;
      const steps = parseParam({ name: 'steps', type: 'int', default: 8, min: 1, max: 1_000_000, help: '' }, opts.steps) as number;
      const run = prepareRun(scenario.name, scenarioValues(scenario, opts));
      const actors = await Promise.all(run.tasks.map((t) => LiveActor.start(t)));
      try {
        for (let round = 1; round <= rounds; round++) {
          const rows = table(['round', 'actor', 'role', 'ran', 'total', 'stopped at']);
          for (const a of actors) {
            const r = await a.step(steps, 10_000, () => ({
              role: run.roles[a.actor],
              lastOp: scenario.opNames[run.mem.i32[run.control.counters + a.actor * SLOT_WORDS + C_LAST_OP]] ?? 'start',
            }));
            rows.push([round, r.actor, r.role, r.stepOps, r.ops, r.lastOp]);
          }
          const seen = Object.entries(outcomeTotals(run)).filter(([, v]) => v > 0).map(([k, v]) => `${k}=${v}`);
          process.stdout.write(`${rows.toString()}\noutcomes so far: ${seen.join(' ') || 'none'}\n`);
        }
      } finally {
        await Promise.all(actors.map((a) => a.close()));
      }
      const check = checkRun(run, []);
      for (const o of check.oracles) process.stdout.write(`oracle ${o.name}: ${o.violations.length ? o.violations.map((v) => v.message).join('; ') : 'ok'}\n`);
      for (const n of check.notes ?? []) process.stdout.write(`${n}\n`);
      if (check.oracles.some((o) => o.violations.length)) process.exitCode = 1;
    });
}
