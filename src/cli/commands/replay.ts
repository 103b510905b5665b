import type { Command } from 'commander';
import { replayHtml } from '../../lab/html/replay-html.js';
import { MemraceError } from '../../errors.js';
import { replaySchedule } from '../../lab/det/replay.js';
import { checkGivenParams, readSchedule } from '../../lab/det/schedule.js';
import { storyLines } from '../../lab/det/story.js';
import { resolveScenarioParams } from '../../lab/engine-params.js';
import { detParamSpecs } from '../../lab/det/options.js';
import { registerScenarioCommand } from '../scenario-command.js';
import { OutputFile } from '../output-file.js';

export function registerReplay(program: Command): void {
  registerScenarioCommand(program, {
    name: 'replay',
    description: 'run a saved schedule again and print every shared access, step by step',
    params: detParamSpecs,
    options: (cmd) => cmd
      .requiredOption('--schedule <file>', 'a schedule saved by memrace explore')
      .option('--html <file>', 'write the per-actor timeline, outcomes and trace as a self-contained HTML page'),
    action: async (scenario, opts, given) => {
      const html = OutputFile.of('--html', opts.html);
      const file = String(opts.schedule);
      const schedule = readSchedule(file, scenario.name);
      checkGivenParams(schedule, resolveScenarioParams(scenario, { ...schedule.params, ...given }), Object.keys(given));
      const r = await replaySchedule(schedule);
      const { run } = r;
      const out = [`replay ${schedule.scenario} [${schedule.variant}] ${file}: ${schedule.shrunk ? `shrunk from iteration ${schedule.iteration + 1}` : `iteration ${schedule.iteration + 1} of a ${schedule.plan.strategy} exploration`}, seed ${schedule.seed}, data seed ${schedule.dataSeed ?? schedule.seed}`];
      out.push(`actors: ${run.run.roles.map((role, a) => `a${a}=${role}`).join(' ')}`);
      for (const line of storyLines(run, r.trace)) out.push(line);
      const counted = run.outcomes.filter((o) => o.count > 0).map((o) => `${o.outcome} x${o.count}`);
      out.push(`${run.steps} turns, ${run.decisions.length} decisions; outcomes: ${counted.join(', ') || 'none'}`);
      out.push(run.failure ? `FAILED: ${run.failure.message}` : 'passed: no forbidden outcome, every oracle holds');
      if (run.outOfTime) out.push('cut short: the replay ran out of time');
      if (schedule.decisions !== undefined) out.push(r.reproduced ? 'reproduced: the recorded run, exactly (every decision, the failure, the turns)' : `NOT reproduced: ${r.difference}`);
      process.stdout.write(out.join('\n') + '\n');
      html?.write(replayHtml(r));
      if (!r.reproduced) throw new MemraceError('E_SCHEDULE', `${file}: the replay did not reproduce the recorded run`);
      if (run.failure) process.exitCode = 1;
    },
  });
}
