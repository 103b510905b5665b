import { addCheckOption } from '../lab-options.js';
import { parseCheck } from '../../lab/history/oracle.js';
import type { Command } from 'commander';
import { type ParamSpec, parseParam } from '../../lab/params.js';
import { reportHtml } from '../../lab/html/report-html.js';
import { junitXml } from '../../lab/junit.js';
import type { Report } from '../../lab/report.js';
import { variantSpec } from '../../lab/scenario.js';
import { runStress } from '../../lab/stress.js';
import { renderReport } from '../../lab/terminal.js';
import { registerScenarioCommand } from '../scenario-command.js';
import { progressBar } from '../progress.js';
import { OutputFile } from '../output-file.js';
import { scenarioKey } from '../../scenarios/user.js';
import { explore } from '../../lab/det/explore.js';
import { exploreArgs } from '../explore-handoff.js';
import { exploreLines } from './explore.js';
import { EXIT_INTERRUPTED, onInterrupt } from '../interrupt.js';

/** What a run can be written to besides the terminal. */
const reportWriters: Array<{ flag: string; help: string; format: (r: Report) => string }> = [
  { flag: 'json', help: 'write the report as JSON to FILE', format: (r) => JSON.stringify(r, null, 2) + '\n' },
  { flag: 'junit', help: 'write JUnit XML to FILE: a test case per oracle and per forbidden outcome', format: junitXml },
  { flag: 'html', help: 'write a self-contained HTML report with SVG charts to FILE', format: reportHtml },
];

/** What the command keeps of its time budget for itself after the run: the oracles and the report. */
const REPORT_MS = 250;

/**
 * Starting the worker threads alone takes up to a second on a loaded 2-core machine; a budget
 * below this would end every run before its actors start, and report them hung.
 */
const TIME_BUDGET: ParamSpec = { name: 'timeBudget', type: 'duration', default: 0, min: 3000, max: 86_400_000, help: '' };

/**
 * `--time-budget` counts from the command's start (performance.now() is time since the process
 * began, module loading included): what is left, less the report's share, goes to the run.
 */
export function commandBudget(raw: unknown): number | undefined {
  if (raw === undefined) return undefined;
  return Math.max(1, (parseParam(TIME_BUDGET, raw) as number) - performance.now() - REPORT_MS);
}

/** The options every run takes, besides the scenario's. */
export function addRunOptions(cmd: Command): Command {
  for (const w of reportWriters) cmd.option(`--${w.flag} <file>`, w.help);
  return cmd
    .option('--stop-on-forbidden', 'end the run at the first forbidden outcome')
    .option('--time-budget <duration>', 'the whole command ends by this (3s to 24h), reporting what completed')
    .option('--quiet', 'print only the verdict line')
    .option('--explore-on-fail', 'on a failure, hand over to the deterministic explorer and come back with a replayable schedule');
}

export function registerRun(program: Command): void {
  registerScenarioCommand(program, {
    name: 'run',
    description: 'run a scenario on real worker threads and check it',
    options: (cmd) => addCheckOption(addRunOptions(cmd)),
    action: async (scenario, opts, values) => {
      const check = parseCheck(opts.check, scenario);
      const outputs = reportWriters.map((w) => ({ w, out: OutputFile.of(`--${w.flag}`, opts[w.flag]) }));
      const timeBudgetMs = commandBudget(opts.timeBudget);
      const bar = opts.quiet ? { update() {}, stop() {} } : progressBar(scenario.name);
      const interrupt = onInterrupt('the actors');
      let report: Report;
      try {
        report = await runStress({
          scenario: scenarioKey(scenario),
          params: values,
          stopOnForbidden: opts.stopOnForbidden === true,
          timeBudgetMs,
          onProgress: (p) => bar.update(p),
          check,
          signal: interrupt.signal,
        });
      } finally {
        bar.stop();
      }
      const text = renderReport(report);
      process.stdout.write((opts.quiet ? text.split('\n').at(-1) : text) + '\n');
      for (const { w, out } of outputs) out?.write(w.format(report));
      interrupt.dispose();
      if (report.interrupted) {
        process.exitCode = EXIT_INTERRUPTED;
        return;
      }
      if (report.verdict !== 'fail') return;
      process.exitCode = 1;
      const historyCheck = check ?? variantSpec(scenario, values.variant)?.check;
      const handoff = exploreArgs(scenario, report, values, historyCheck);
      process.stdout.write(`explore it: npx memrace ${handoff.args.join(' ')}\n`);
      if (opts.exploreOnFail !== true) return;
      const r = await explore({ scenario: scenarioKey(scenario), params: handoff.values, seed: report.seed, ...(historyCheck ? { check: historyCheck } : {}) });
      process.stdout.write(exploreLines(r, r.engine.iterations).join('\n') + '\n');
    },
  });
}
