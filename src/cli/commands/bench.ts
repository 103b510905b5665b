import { table } from '../../lab/table.js';
import type { Command } from 'commander';
import { cpus } from 'node:os';
import { findSuite, suites } from '../../../bench/index.js';
import { met, type SuiteResult } from '../../../bench/suite.js';
import { human, ns } from '../../lab/terminal.js';
import { OutputFile } from '../output-file.js';

export function renderSuite(r: SuiteResult): string {
  const m = table(['measurement', 'ops/s', 'ns/op', 'note']);
  for (const x of r.measurements) m.push([x.name, x.untimed ? '-' : human(x.opsPerSec), x.untimed ? '-' : ns(x.nsPerOp), x.note ?? '']);
  const t = table(['target', 'ratio', 'bound', 'met']);
  for (const x of r.targets) t.push([x.name, `${x.ratio.toFixed(2)}x`, `${x.atMost ? '<=' : '>='} ${x.bound}x`, met(x) ? 'yes' : 'NO']);
  return `${r.suite} (${r.cpus} CPUs)\n${m.toString()}\n${t.toString()}`;
}

export function registerBench(program: Command): void {
  program
    .command('bench')
    .description(`run benchmark suites; ratios measured in one run (${['all', ...suites.map((s) => s.name)].join(', ')})`)
    .argument('[suite]', 'suite name or all', 'all')
    .option('--quick', 'short measurements (a smoke run)')
    .option('--json <file>', 'write the results as JSON')
    .action(async (name: string, opts: { quick?: boolean; json?: string }) => {
      const json = OutputFile.of('--json', opts.json);
      const results: SuiteResult[] = [];
      for (const suite of findSuite(name)) {
        process.stderr.write(`bench ${suite.name}: ${suite.summary} (${cpus().length} CPUs)\n`);
        const r = await suite.run({ quick: opts.quick === true, log: (l) => process.stderr.write(`  ${l}\n`) });
        results.push(r);
        process.stdout.write(renderSuite(r) + '\n');
      }
      json?.write(JSON.stringify(results, null, 2) + '\n');
    });
}
