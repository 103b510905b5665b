import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import { sweepHtml } from '../../lab/html/sweep-html.js';
import { flagOf } from '../../lab/params.js';
import { parseRange, parseSeries, sweep } from '../../lab/sweep.js';
import { renderSweep } from '../../lab/sweep-table.js';
import { intOption } from '../int-option.js';
import { countBar } from '../progress.js';
import { registerScenarioCommand } from '../scenario-command.js';
import { commandBudget } from './run.js';
import { OutputFile } from '../output-file.js';
import { EXIT_INTERRUPTED, onInterrupt } from '../interrupt.js';

export function registerSweep(program: Command): void {
  registerScenarioCommand(program, {
    name: 'sweep',
    description: 'a will-it-scale sweep: ops/s, efficiency and fairness against workers (or --axis), settings compared as ratios',
    options: (cmd, scenario) => (scenario.omit?.includes('workers') ? cmd.option('--workers <range>', `actors to sweep: the same as ${flagOf(scenario.actorParam ?? 'workers')}`) : cmd)
      .option('--axis <param>', "the parameter on the x axis; its own flag takes a range (--workers 1..4) [default: the scenario's actor count]")
      .option('--param <name=values>', 'a setting to compare at each point, e.g. cache=0,32,256 (repeat to combine)', (v: string, acc: string[]) => [...acc, v], [] as string[])
      .option('--runs <n>', 'runs per point; the median is quoted with min and max [default: 3]')
      .option('--time-budget <duration>', 'the whole sweep ends by this; points left are reported skipped')
      .option('--json <file>', 'write the sweep as JSON to FILE')
      .option('--html <file>', 'write a self-contained HTML report with SVG charts to FILE'),
    action: async (scenario, opts, given) => {
      const axis = String(opts.axis ?? scenario.actorParam ?? 'workers');
      // --workers names the actor count of any scenario, whatever its own flag (--lcores, --guilds).
      if (scenario.actorParam && opts.workers !== undefined && given[scenario.actorParam] === undefined) given[scenario.actorParam] = opts.workers;
      const rawAxis = given[axis];
      if (rawAxis === undefined) throw new ConfigError(flagOf(axis), `the sweep needs the values of its axis '${axis}'`, `a range such as ${flagOf(axis)} 1..4 or a list ${flagOf(axis)} 1,2,4`);
      delete given[axis];
      const json = OutputFile.of('--json', opts.json);
      const html = OutputFile.of('--html', opts.html);
      const runs = intOption('runs', opts.runs, 3, 1, 1000);
      const series = (opts.param as string[]).map(parseSeries);
      const values = parseRange(flagOf(axis), String(rawAxis));
      const bar = countBar(`sweep ${scenario.name}`, values.length * Math.max(1, series.reduce((n, s) => n * s.values.length, 1)) * runs);
      const timeBudgetMs = commandBudget(opts.timeBudget);
      const interrupt = onInterrupt('the sweep');
      const r = await sweep({
        scenario: scenario.name, params: given, axis: { name: axis, values }, series, runs, timeBudgetMs,
        onRun: (done, _total, label) => bar.update(done, label),
        signal: interrupt.signal,
      }).finally(() => bar.stop());
      process.stdout.write(renderSweep(r) + '\n');
      json?.write(JSON.stringify(r, null, 2) + '\n');
      html?.write(sweepHtml(r));
      interrupt.dispose();
      if (r.interrupted) process.exitCode = EXIT_INTERRUPTED;
      else if (r.points.some((p) => p.verdicts.includes('fail'))) process.exitCode = 1;
    },
  });
}
