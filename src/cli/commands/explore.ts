import type { Command } from 'commander';
import { STRATEGIES } from '../../lab/det/block.js';
import { type ExploreResult, explore } from '../../lab/det/explore.js';
import { traceOf } from '../../lab/det/trace.js';
import { replayHtml } from '../../lab/html/replay-html.js';
import { envInfo, forbiddenOutcomes } from '../../lab/report.js';
import { scenarioValues } from '../options.js';
import { intOption } from '../int-option.js';
import { countBar } from '../progress.js';
import { registerScenarioCommand } from '../scenario-command.js';
import { commandBudget } from './run.js';
import { OutputFile } from '../output-file.js';
import { addCheckOption, addMemoryOption } from '../lab-options.js';
import { parseCheck } from '../../lab/history/oracle.js';
import { parseMemory } from '../../lab/det/store_buffer.js';

/** The exploration as plain data: the failing run without its image. */
function exploreJson(r: ExploreResult) {
  const f = r.failure;
  return {
    scenario: r.scenario, params: r.params, strategy: r.strategy, iterations: r.iterations, exhausted: r.exhausted,
    outOfTime: r.outOfTime, elapsedMs: Math.round(r.elapsedMs), env: envInfo(),
    failure: f && {
      ...f.run.failure!, file: f.file, iteration: f.schedule.iteration, steps: f.run.steps, decisions: f.schedule.decisions,
      roles: f.run.run.roles, outcomes: f.run.outcomes, oracles: f.run.oracles, positions: f.run.positions,
    },
  };
}

export function registerExplore(program: Command): void {
  registerScenarioCommand(program, {
    name: 'explore',
    description: 'search interleavings under the deterministic scheduler; save and print the first failing schedule',
    options: (cmd) => addMemoryOption(addCheckOption(cmd))
      .option('--strategy <name>', `${STRATEGIES.join('|')} [default: pct]`)
      .option('--depth <d>', 'PCT bug depth (d - 1 priority change points); DFS preemption bound [default: 3]')
      .option('--iterations <n>', 'schedules to try [default: 1000]')
      .option('--step-budget <n>', 'accesses one actor may make before it is STALE [default: 5000]')
      .option('--time-budget <duration>', 'the whole exploration ends by this')
      .option('--failures <dir>', 'where failing schedules are saved [default: failures]')
      .option('--json <file>', 'write the exploration (and the failing run: outcomes, positions, decisions) as JSON to FILE')
      .option('--html <file>', "write the failing schedule's per-actor timeline, outcomes and trace as a self-contained HTML page"),
    action: async (scenario, opts) => {
      const json = OutputFile.of('--json', opts.json);
      const html = OutputFile.of('--html', opts.html);
      const check = parseCheck(opts.check, scenario);
      const memory = parseMemory(opts.memory);
      const iterations = intOption('iterations', opts.iterations, 1000, 1);
      const raw = scenarioValues(scenario, opts);
      raw.ops ??= 4;
      const bar = countBar(`explore ${scenario.name}`, iterations);
      let turns = 0;
      const r = await explore({
        scenario: scenario.name,
        params: raw,
        strategy: String(opts.strategy ?? 'pct'),
        depth: intOption('depth', opts.depth, 3, 0, 32),
        iterations,
        stepBudget: intOption('stepBudget', opts.stepBudget, 5000, 10),
        timeBudgetMs: commandBudget(opts.timeBudget),
        failuresDir: opts.failures === undefined ? undefined : String(opts.failures),
        check,
        memory,
        onIteration: (it, run) => bar.update(it + 1, `${(turns += run.steps)} turns`),
      }).finally(() => bar.stop());
      const shown = Object.entries(r.params).filter(([k]) => !['variant', 'duration'].includes(k)).map(([k, v]) => `${k}=${String(v)}`).join(' ');
      const model = `${check ? ` check=${check}` : ''}${memory !== 'sc' ? ` memory=${memory}` : ''}`;
      const out = [`explore ${r.scenario} [${r.params.variant as string}] strategy=${r.strategy}${model} ${shown}`];
      const secs = (r.elapsedMs / 1000).toFixed(1);
      if (!r.failure) {
        const why = r.exhausted ? 'every schedule within the bound was tried' : r.outOfTime ? 'the time budget ran out' : 'iterations spent';
        out.push(`no failing schedule in ${r.iterations} iteration(s), ${secs}s (${why})`);
      } else {
        const { run, schedule, file } = r.failure;
        const forbidden = forbiddenOutcomes(run.outcomes).map((o) => `${o.outcome} x${o.count}`);
        out.push(`iteration ${schedule.iteration + 1} of ${iterations} FAILED after ${secs}s: ${run.failure!.message.split('\n')[0]}`);
        const history = run.oracles.find((o) => o.name === 'linearizable' && o.violations.length);
        if (history) out.push(...history.violations[0].message.split('\n').slice(1));
        if (forbidden.length) out.push(`outcomes: ${forbidden.join(', ')}`);
        out.push(`schedule: ${run.decisions.length} decisions, ${run.steps} turns, saved to ${file}`);
        out.push(`decisions: ${schedule.decisions!.length > 400 ? schedule.decisions!.slice(0, 400) + ' ...' : schedule.decisions}`);
        out.push(`replay it: npx memrace replay ${r.scenario} --variant ${r.params.variant as string} --schedule ${file}`);
        process.exitCode = 1;
      }
      process.stdout.write(out.join('\n') + '\n');
      json?.write(JSON.stringify(exploreJson(r), null, 2) + '\n');
      if (html && r.failure) {
        const { run, schedule } = r.failure;
        html.write(replayHtml({ schedule, run, trace: traceOf(run), reproduced: true }));
      }
    },
  });
}
