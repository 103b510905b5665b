import type { Command } from 'commander';
import { coverageLine } from '../../lab/det/coverage.js';
import { DET_OPTIONS, detParamSpecs, resolveDetOptions } from '../../lab/det/options.js';
import { type ScheduleSize, preemptions } from '../../lab/det/shrink.js';
import { flagOf } from '../../lab/params.js';
import { findScenario } from '../../scenarios/index.js';
import { type ExploreResult, explore } from '../../lab/det/explore.js';
import { traceOf } from '../../lab/det/trace.js';
import { replayHtml } from '../../lab/html/replay-html.js';
import { envInfo, forbiddenOutcomes } from '../../lab/report.js';
import { countBar } from '../progress.js';
import { registerScenarioCommand } from '../scenario-command.js';
import { OutputFile, outputDir } from '../output-file.js';
import { EXIT_INTERRUPTED, onInterrupt } from '../interrupt.js';
import { scenarioArg, scenarioKey } from '../../scenarios/user.js';

/** The exploration as plain data: the failing run without its image. */
function exploreJson(r: ExploreResult) {
  const f = r.failure;
  return {
    scenario: r.scenario, params: r.params, strategy: r.strategy, iterations: r.iterations, exhausted: r.exhausted,
    outOfTime: r.outOfTime, interrupted: r.interrupted === true, elapsedMs: Math.round(r.elapsedMs), coverage: r.coverage, env: envInfo(),
    uncontrolled: r.uncontrolled, unreplayable: r.unreplayable,
    failure: f && {
      ...f.run.failure!, file: f.file, iteration: f.schedule.iteration, steps: f.run.steps, decisions: f.schedule.decisions,
      sequential: f.schedule.sequential, shrunk: f.schedule.shrunk, dataSeed: f.schedule.dataSeed,
      roles: f.run.run.roles, outcomes: f.run.outcomes, oracles: f.run.oracles, positions: f.run.positions,
    },
  };
}

/** The engine's options as flags (options.ts holds the list). */
export function addDetOptions(cmd: Command): Command {
  for (const spec of DET_OPTIONS) cmd.option(spec.type === 'bool' ? `${flagOf(spec.name)} [on|off]` : `${flagOf(spec.name)} <value>`, `${spec.help}${spec.type === 'choice' ? ` (${spec.choices.join('|')})` : ''}`);
  return cmd;
}

/** The lines that end an exploration: the verdict, the failing schedule, coverage. */
export function exploreLines(r: ExploreResult, iterations: number): string[] {
  const scenario = findScenario(r.scenarioFile ?? r.scenario);
  const own = detParamSpecs(scenario).map((p) => p.name);
  const shown = Object.entries(r.params).filter(([k]) => own.includes(k)).map(([k, v]) => `${k}=${String(v)}`).join(' ');
  const e = r.engine;
  const out = [`explore ${r.scenario} [${r.params.variant as string}] strategy=${r.strategy} depth=${e.depth} ops=${e.ops} seed=${e.seed}${e.pinSeed ? ' (pinned)' : ''}${e.check !== 'none' ? ` check=${e.check}` : ''}${e.memory !== 'sc' ? ` memory=${e.memory}` : ''}${shown ? `; ${shown}` : ''}`];
  const secs = (r.elapsedMs / 1000).toFixed(1);
  for (const sign of r.uncontrolled) out.push(`WARNING: not fully controlled by the scheduler: ${sign}`);
  if (r.unreplayable) {
    out.push(`iteration ${r.unreplayable.iteration + 1} failed (${r.unreplayable.message}), but its schedule does not replay it: the code ran outside the scheduler's control, so no schedule is reported`);
  } else if (!r.failure) {
    const why = r.interrupted ? 'interrupted' : r.exhausted ? 'every schedule within the bound was tried' : r.outOfTime ? 'the time budget ran out' : 'iterations spent';
    out.push(`no failing schedule in ${r.iterations} iteration(s), ${secs}s (${why})`);
  } else {
    const { run, schedule, file, shrunk } = r.failure;
    const forbidden = forbiddenOutcomes(run.outcomes).map((o) => `${o.outcome} x${o.count}`);
    out.push(`iteration ${schedule.iteration + 1} of ${iterations} FAILED after ${secs}s: ${run.failure!.message.split('\n')[0]}`);
    // A history check's counter-example: the lines after its first.
    const history = run.oracles.find((o) => o.name === 'linearizable' && o.violations.length);
    if (history) out.push(...history.violations[0].message.split('\n').slice(1));
    if (forbidden.length) out.push(`outcomes: ${forbidden.join(', ')}`);
    out.push(schedule.sequential === undefined ? 'race or not: unknown (the time budget ran out before the sequential rerun)'
      : schedule.sequential ? 'not a race: fails in a sequential schedule (no preemption)' : `a race: a sequential schedule passes; this one needs ${preemptions(run.decisions)} preemption(s)`);
    const size = (z: ScheduleSize) => `${z.decisions} decisions, ${z.switches} switch(es), ${z.preemptions} preemption(s)`;
    const same = shrunk && JSON.stringify(shrunk.from) === JSON.stringify(shrunk.to);
    if (shrunk) out.push(same ? `shrunk in ${shrunk.runs} run(s): nothing smaller fails the same way (${size(shrunk.to)})` : `shrunk in ${shrunk.runs} run(s): ${size(shrunk.from)} -> ${size(shrunk.to)}`);
    out.push(`schedule: ${run.decisions.length} decisions, ${run.steps} turns, data seed ${schedule.dataSeed}, saved to ${file}`);
    out.push(`replay it: npx memrace replay ${scenarioArg(scenario)} --variant ${r.params.variant as string} --schedule ${file}`);
  }
  out.push(coverageLine(r.coverage));
  return out;
}

/** The explore command's own options (the engine's and its outputs): a scenario parameter of the same name takes --scenario-<name>. */
export function exploreOptions(cmd: Command): Command {
  return addDetOptions(cmd)
    .option('--failures <dir>', 'where failing schedules are saved [default: failures]')
    .option('--json <file>', 'write the exploration (and the failing run: outcomes, positions, decisions) as JSON to FILE')
    .option('--html <file>', "write the failing schedule's per-actor timeline, outcomes and trace as a self-contained HTML page");
}

export function registerExplore(program: Command): void {
  registerScenarioCommand(program, {
    name: 'explore',
    description: 'search interleavings under the deterministic scheduler; shrink, save and print the first failing schedule',
    params: detParamSpecs,
    options: exploreOptions,
    action: async (scenario, opts, values) => {
      const json = OutputFile.of('--json', opts.json);
      const html = OutputFile.of('--html', opts.html);
      const failuresDir = outputDir('--failures', opts.failures === undefined ? 'failures' : String(opts.failures));
      const e = resolveDetOptions(opts);
      const bar = countBar(`explore ${scenario.name}`, e.iterations);
      const interrupt = onInterrupt('the exploration');
      let turns = 0;
      // Only the options given: the variant's explore settings fill in the rest (VariantSpec.explore).
      const given = Object.fromEntries(Object.entries(e).filter(([k]) => opts[k] !== undefined));
      const r = await explore({
        scenario: scenarioKey(scenario),
        params: values,
        ...given,
        timeBudgetMs: e.timeBudget || undefined,
        failuresDir,
        signal: interrupt.signal,
        onIteration: (it, run) => bar.update(it + 1, `${(turns += run.steps)} turns`),
      }).finally(() => bar.stop());
      process.stdout.write(exploreLines(r, r.engine.iterations).join('\n') + '\n');
      if (r.failure || r.unreplayable) process.exitCode = 1;
      json?.write(JSON.stringify(exploreJson(r), null, 2) + '\n');
      if (html && r.failure) {
        const { run, schedule } = r.failure;
        html.write(replayHtml({ schedule, run, trace: traceOf(run), reproduced: true }));
      }
      interrupt.dispose();
      if (r.interrupted && !r.failure) process.exitCode = EXIT_INTERRUPTED;
    },
  });
}
