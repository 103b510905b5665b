import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import { PROC_PATHS, pcpStats, procRead } from '../../kernel/proc.js';
import { mixedWorkload } from '../../kernel/workload.js';
import { bootMachine } from '../../kernel/boot.js';
import { addBootOptions, bootConfigFrom } from './boot.js';
import { readFileSync } from 'node:fs';
import { Userland } from '../../kernel/userland.js';
import { intOption } from '../int-option.js';

/**
 * Per-process files and the overcommit/OOM sysctls come from the machine's userland
 * (memrace shell's); the kernel's own views, its /proc/sys/vm files included, from procRead.
 */
const USERLAND_PATH = /^\/proc\/(\d+|sys)\//;
const WRITABLE = "an existing task's /proc/PID/oom_score_adj (-1000 to 1000) or oom_adj (-17, -16 to 15), or a /proc/sys/vm file with a value it takes";
const fromUserland = (p: string) => USERLAND_PATH.test(p) && !(PROC_PATHS as readonly string[]).includes(p);

export function registerProc(program: Command): void {
  addBootOptions(program.command('proc'))
    .description(`boot a machine, optionally run a mixed workload on its CPUs, and print /proc and /sys views (${PROC_PATHS.join(', ')}, pcpstats)`)
    .argument('[paths...]', 'files to print', ['/proc/buddyinfo', '/proc/zoneinfo', '/proc/meminfo', '/proc/pagetypeinfo'])
    .option('--workload <ops>', 'allocations (orders 0-3, mixed migrate types) spread over the CPUs first, half kept', '0')
    .option('--seed <n>', 'seed of the workload', '1')
    .option('--write <path>', 'write standard input to PATH (/proc/PID/oom_adj, oom_score_adj, /proc/sys/vm/*) first, then print the files')
    .action((paths: string[], opts: Record<string, string>) => {
      const ops = intOption('workload', opts.workload, 0, 0, 10_000_000);
      const seed = intOption('seed', opts.seed, 1, 0, 4294967295);
      const r = bootMachine(bootConfigFrom(opts));
      const u = new Userland(r.kernel.ref.totalram_pages);
      if (opts.write) {
        const text = readFileSync(0, 'utf8');
        const w = u.write(opts.write, text);
        if (w.rc) throw new ConfigError('--write', `echo ${text.trim()} > ${opts.write}: ${w.text}`, WRITABLE);
        process.stdout.write(`# echo ${text.trim()} > ${opts.write}\n${w.text ? w.text + '\n' : ''}`);
        const m = /^\/proc\/(\d+)\//.exec(opts.write);
        if (m && paths.every((p) => !p.startsWith(`/proc/${m[1]}/`))) paths = ['oom_score', 'oom_score_adj', 'oom_adj'].map((f) => `/proc/${m[1]}/${f}`);
      }
      if (ops) mixedWorkload(r.kernel, ops, { seed });
      const out = paths.map((p) => {
        if (!fromUserland(p)) return `# cat ${p}\n${p === 'pcpstats' ? pcpStats(r.kernel) : procRead(r.kernel, r.memblock, p, u.vm)}`;
        const f = u.read(p);
        if (f.rc) process.exitCode = 1;
        return `# cat ${p}\n${f.text}`;
      });
      const text = out.join('\n');
      process.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
    });
}
