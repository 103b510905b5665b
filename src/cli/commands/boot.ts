import type { Command } from 'commander';
import { parseSize } from '../../lab/params.js';
import { ConfigError } from '../../errors.js';
import { bootMachine } from '../../kernel/boot.js';
import { type BootConfig, DEFAULT_BOOT, bootConfig, memparse, parseDistance, parseRanges, parseZones } from '../../kernel/bootconfig.js';

/** The options every command that boots a machine takes (boot, proc). */
export function addBootOptions(cmd: Command): Command {
  return cmd
    .option('--nodes <n>', 'NUMA nodes', String(DEFAULT_BOOT.nodes))
    .option('--cpus-per-node <n>', 'CPUs per node', String(DEFAULT_BOOT.cpusPerNode))
    .option('--mem <size>', 'DRAM over all nodes, split evenly (64M, 1G)', '256M')
    .option('--phys-offset <addr>', 'PHYS_OFFSET: where DRAM starts (0x80000000)', '0')
    .option('--zones <limits>', 'zone limits by address: DMA=SIZE[,DMA32=SIZE]; Normal holds the rest', 'DMA=16M')
    .option('--distance <table>', "node_distance rows, e.g. '10,20;20,10' (default 10 local, 20 remote)")
    .option('--atags <ranges>', "the boot loader's ATAG_MEM ranges, replacing the device tree's: BASE:SIZE,...")
    .option('--cmdline <text>', 'kernel command line: mem=SIZE[@START], memblock=debug, movablecore=SIZE', '')
    .option('--kernel-size <size>', 'kernel image, reserved at PHYS_OFFSET + 0x8000', '4M')
    .option('--min-free-kbytes <n>', 'vm.min_free_kbytes (0: computed at boot)', '0')
    .option('--watermark-scale-factor <n>', 'vm.watermark_scale_factor', String(DEFAULT_BOOT.watermarkScaleFactor))
    .option('--pcp <on|off>', 'per-CPU pagesets (off: high 0, batch 1)', 'on')
    .option('--mobility <on|off>', 'group pages by mobility (migrate types)', 'on');
}

function onOff(field: string, v: string): boolean {
  if (/^(on|true|1)$/i.test(v)) return true;
  if (/^(off|false|0)$/i.test(v)) return false;
  throw new ConfigError(field, `'${v}' is not on or off`, 'on, off');
}

function int(field: string, v: string): number {
  const n = Number(v);
  if (!/^\d+$/.test(v.trim()) || !Number.isSafeInteger(n)) throw new ConfigError(field, `'${v}' is not a whole number`, 'a whole number');
  return n;
}

/** The typed, validated boot config from the command's option strings. */
export function bootConfigFrom(o: Record<string, string | undefined>): BootConfig {
  const phys = memparse(o.physOffset ?? '0');
  if (phys === null) throw new ConfigError('--phys-offset', `'${o.physOffset}' is not an address`, 'a number, hex with 0x, or a size like 2G');
  const c: Partial<BootConfig> = {
    nodes: int('--nodes', o.nodes ?? '1'),
    cpusPerNode: int('--cpus-per-node', o.cpusPerNode ?? '1'),
    mem: parseSize('--mem', o.mem ?? '256M'),
    physOffset: phys,
    ...parseZones(o.zones ?? ''),
    distance: o.distance ? parseDistance(o.distance) : null,
    atags: o.atags ? parseRanges('--atags', o.atags) : null,
    cmdline: o.cmdline ?? '',
    kernelSize: parseSize('--kernel-size', o.kernelSize ?? '4M'),
    minFreeKbytes: int('--min-free-kbytes', o.minFreeKbytes ?? '0'),
    watermarkScaleFactor: int('--watermark-scale-factor', o.watermarkScaleFactor ?? '10'),
    pcp: onOff('--pcp', o.pcp ?? 'on'),
    mobility: onOff('--mobility', o.mobility ?? 'on'),
  };
  return bootConfig(c);
}

/** printk's prefix: boot happens at time zero. */
export const printk = (line: string): string => `[    0.000000] ${line}`;

export function registerBoot(program: Command): void {
  addBootOptions(program.command('boot'))
    .description('boot a NUMA machine: the memblock log, then the debugfs memblock/memory and memblock/reserved lists')
    .action((opts: Record<string, string>) => {
      const r = bootMachine(bootConfigFrom(opts));
      const out = r.log.map(printk);
      out.push('', '# cat /sys/kernel/debug/memblock/memory', r.memblock.memory.debugfs());
      out.push('# cat /sys/kernel/debug/memblock/reserved', r.memblock.reserved.debugfs());
      process.stdout.write(out.join('\n') + '\n');
    });
}
