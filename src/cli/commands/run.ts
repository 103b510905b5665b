import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { parseDuration } from '../../lab/params.js';
import type { Report } from '../../lab/report.js';
import { runStress } from '../../lab/stress.js';
import { renderReport } from '../../lab/terminal.js';
import { findScenario, scenarios } from '../../scenarios/index.js';
import { addScenarioOptions, scenarioValues } from '../options.js';
import { progressBar } from '../progress.js';

/** What a run can be written to besides the terminal; the lab's report writers add themselves here. */
export const reportWriters: Array<{ flag: string; help: string; write: (file: string, r: Report) => void }> = [
  { flag: 'json', help: 'write the report as JSON to FILE', write: (file, r) => writeFileSync(file, JSON.stringify(r, null, 2) + '\n') },
];

/** The options every run takes, besides the scenario's. */
export function addRunOptions(cmd: Command): Command {
  for (const w of reportWriters) cmd.option(`--${w.flag} <file>`, w.help);
  return cmd
    .option('--stop-on-forbidden', 'end the run at the first forbidden outcome')
    .option('--time-budget <duration>', 'the whole command ends by this, reporting what completed')
    .option('--quiet', 'print only the verdict line');
}

export function registerRun(program: Command): void {
  program
    .command('run')
    .description(`run a scenario on real worker threads and check it (${scenarios.filter((s) => !s.hidden).map((s) => s.name).join(', ')})`)
    .argument('<scenario>', 'scenario name (memrace list)')
    .allowUnknownOption()
    .allowExcessArguments()
    .helpOption(false)
    .action(async (name: string, _opts: unknown, cmd: Command) => {
      const scenario = findScenario(name);
      const inner = addRunOptions(addScenarioOptions(new Command(`memrace run ${scenario.name}`), scenario))
        .description(scenario.summary)
        .exitOverride();
      inner.parse(cmd.args.slice(1), { from: 'user' });
      const opts = inner.opts();
      const bar = opts.quiet ? { update() {}, stop() {} } : progressBar(scenario.name);
      let report: Report;
      try {
        report = await runStress({
          scenario: scenario.name,
          params: scenarioValues(scenario, opts),
          stopOnForbidden: opts.stopOnForbidden === true,
          timeBudgetMs: opts.timeBudget ? parseDuration('--time-budget', String(opts.timeBudget)) : undefined,
          onProgress: (p) => bar.update(p),
        });
      } finally {
        bar.stop();
      }
      const text = renderReport(report);
      process.stdout.write((opts.quiet ? text.split('\n').at(-1) : text) + '\n');
      for (const w of reportWriters) {
        const file = opts[w.flag];
        if (typeof file === 'string') w.write(file, report);
      }
      if (report.verdict === 'fail') process.exitCode = 1;
    });
}
