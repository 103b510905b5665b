import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import { PROC_PATHS, pcpStats, procRead } from '../../kernel/proc.js';
import { mixedWorkload } from '../../kernel/workload.js';
import { bootMachine } from '../../kernel/boot.js';
import { addBootOptions, bootConfigFrom } from './boot.js';

export function registerProc(program: Command): void {
  addBootOptions(program.command('proc'))
    .description(`boot a machine, optionally run a mixed workload on its CPUs, and print /proc and /sys views (${PROC_PATHS.join(', ')}, pcpstats)`)
    .argument('[paths...]', 'files to print', ['/proc/buddyinfo', '/proc/zoneinfo', '/proc/meminfo', '/proc/pagetypeinfo'])
    .option('--workload <ops>', 'allocations (orders 0-3, mixed migrate types) spread over the CPUs first, half kept', '0')
    .option('--seed <n>', 'seed of the workload', '1')
    .action((paths: string[], opts: Record<string, string>) => {
      const r = bootMachine(bootConfigFrom(opts));
      const ops = Number(opts.workload);
      if (!Number.isInteger(ops) || ops < 0) throw new ConfigError('--workload', `'${opts.workload}' is not a count`, 'a whole number of allocations');
      if (ops) mixedWorkload(r.kernel, ops, { seed: Number(opts.seed) || 1 });
      const out = paths.map((p) => `# cat ${p}\n${p === 'pcpstats' ? pcpStats(r.kernel) : procRead(r.kernel, r.memblock, p)}`);
      process.stdout.write(out.join('\n'));
    });
}
