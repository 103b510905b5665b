import { ConfigError } from '../errors.js';
import { parseSize } from '../core/units.js';
import { PAGE_SIZE } from './mmzone.js';

/** A physical range in bytes. */
export interface MemRange {
  base: number;
  size: number;
}

/**
 * The machine a boot builds: NUMA nodes of equal size laid end to end from PHYS_OFFSET
 * (the firmware's device-tree memory nodes, one per node, tagged with their node as
 * numa-node-id does), the zone limits of the architecture, the distance table, the
 * boot loader's memory tags (which replace the device-tree memory when given), and the
 * kernel command line.
 */
export interface BootConfig {
  nodes: number;
  cpusPerNode: number;
  /** Bytes of DRAM over all nodes. */
  mem: number;
  /** PHYS_OFFSET: where DRAM starts. */
  physOffset: number;
  /** ZONE_DMA holds memory below this physical address (0: no DMA zone). */
  dmaLimit: number;
  /** ZONE_DMA32 holds memory from the DMA limit to this address (0: no DMA32 zone). */
  dma32Limit: number;
  /** node_distance(i, j); null: 10 local, 20 remote (the ACPI SLIT defaults). */
  distance: number[][] | null;
  /** ATAG_MEM ranges from the boot loader; they replace the device-tree memory. */
  atags: MemRange[] | null;
  cmdline: string;
  /** Bytes of the kernel image, reserved at PHYS_OFFSET + TEXT_OFFSET. */
  kernelSize: number;
  /** vm.min_free_kbytes; 0 computes it as the kernel does at boot. */
  minFreeKbytes: number;
  /** vm.watermark_scale_factor, in 1/10000 of managed pages. */
  watermarkScaleFactor: number;
  /** Per-CPU pagesets on; off is zone_pcp_disable (high 0, batch 1): every page through the zone lock. */
  pcp: boolean;
  /** Grouping pages by mobility (page_group_by_mobility_disabled when off). */
  mobility: boolean;
  /** The zone lock guards free_area; off is the no-zone-lock variant. */
  zoneLock: boolean;
  /** __rmqueue_smallest takes a block from any migrate type's list: the ignore-migratetype variant. */
  ignoreMigratetype?: boolean;
}

export const TEXT_OFFSET = 0x8000;
/** The most DRAM one image holds (frames plus metadata stay under 2 GiB). */
export const MAX_MEM = 1536 * 2 ** 20;
export const MAX_NODES = 16;
export const MAX_CPUS = 64;
export const LOCAL_DISTANCE = 10;
export const REMOTE_DISTANCE = 20;

export const DEFAULT_BOOT: BootConfig = {
  nodes: 1,
  cpusPerNode: 1,
  mem: 256 * 2 ** 20,
  physOffset: 0,
  dmaLimit: 16 * 2 ** 20,
  dma32Limit: 0,
  distance: null,
  atags: null,
  cmdline: '',
  kernelSize: 4 * 2 ** 20,
  minFreeKbytes: 0,
  watermarkScaleFactor: 10,
  pcp: true,
  mobility: true,
  zoneLock: true,
};

const M = (b: number) => `${b / 2 ** 20}M`;

/** node_distance as configured or by default. */
export function nodeDistance(c: BootConfig, i: number, j: number): number {
  if (c.distance) return c.distance[i][j];
  return i === j ? LOCAL_DISTANCE : REMOTE_DISTANCE;
}

/** Fill defaults and check every field; a bad one throws ConfigError naming it. */
export function bootConfig(given: Partial<BootConfig>): BootConfig {
  const c: BootConfig = { ...DEFAULT_BOOT, ...given };
  const int = (field: string, v: number, lo: number, hi: number) => {
    if (!Number.isInteger(v) || v < lo || v > hi) throw new ConfigError(field, `${v} is out of range`, `an integer from ${lo} to ${hi}`);
  };
  int('--nodes', c.nodes, 1, MAX_NODES);
  int('--cpus-per-node', c.cpusPerNode, 1, MAX_CPUS);
  if (c.nodes * c.cpusPerNode > MAX_CPUS) throw new ConfigError('--cpus-per-node', `${c.nodes} nodes x ${c.cpusPerNode} CPUs is more than ${MAX_CPUS} CPUs`, `at most ${Math.floor(MAX_CPUS / c.nodes)} with ${c.nodes} nodes`);
  const perNode = c.mem / c.nodes;
  if (!Number.isInteger(perNode) || perNode % PAGE_SIZE !== 0 || perNode < 8 * 2 ** 20 || c.mem > MAX_MEM) {
    throw new ConfigError('--mem', `${c.mem} bytes do not split into ${c.nodes} node(s) of whole pages, at least 8M each, in at most ${M(MAX_MEM)}`, `a multiple of ${c.nodes} x 4K from ${8 * c.nodes}M to ${M(MAX_MEM)}`);
  }
  if (c.physOffset % (4 * 2 ** 20) !== 0 || c.physOffset + c.mem > 2 ** 32) {
    throw new ConfigError('--phys-offset', `0x${c.physOffset.toString(16)} is not 4M-aligned or puts memory past 4G`, 'a multiple of 4M with PHYS_OFFSET + mem <= 4G');
  }
  const end = c.physOffset + c.mem;
  if (c.dmaLimit % PAGE_SIZE || c.dma32Limit % PAGE_SIZE) throw new ConfigError('--zones', 'a zone limit is not page-aligned', 'limits in whole pages, e.g. DMA=16M,DMA32=64M');
  if (c.dmaLimit > end) throw new ConfigError('--zones', `ZONE_DMA ends at ${M(c.dmaLimit)}, past the end of memory at ${M(end)}`, `a DMA limit up to ${M(end)}`);
  if (c.dma32Limit) {
    if (c.dma32Limit <= c.dmaLimit) throw new ConfigError('--zones', `ZONE_DMA32 (below ${M(c.dma32Limit)}) overlaps ZONE_DMA (below ${M(c.dmaLimit)})`, 'a DMA32 limit above the DMA limit');
    if (c.dma32Limit > end) throw new ConfigError('--zones', `ZONE_DMA32 ends at ${M(c.dma32Limit)}, past the end of memory at ${M(end)}`, `a DMA32 limit up to ${M(end)}`);
  }
  if (c.distance) {
    const d = c.distance;
    if (d.length !== c.nodes || d.some((row) => row.length !== c.nodes)) throw new ConfigError('--distance', `the table is not ${c.nodes} x ${c.nodes}`, `${c.nodes} rows of ${c.nodes} numbers`);
    for (let i = 0; i < c.nodes; i++) {
      for (let j = 0; j < c.nodes; j++) {
        const v = d[i][j];
        if (i === j ? v !== LOCAL_DISTANCE : !(Number.isInteger(v) && v > LOCAL_DISTANCE && v <= 254)) {
          throw new ConfigError('--distance', `node_distance(${i}, ${j}) = ${v}`, `${LOCAL_DISTANCE} on the diagonal, 11..254 elsewhere`);
        }
      }
    }
  }
  for (const r of c.atags ?? []) {
    if (r.base % PAGE_SIZE || r.size <= 0 || r.base + r.size > 2 ** 32) throw new ConfigError('--atags', `ATAG_MEM 0x${r.base.toString(16)}+${r.size} is not a page-aligned range below 4G`, 'BASE:SIZE ranges, e.g. 0x80000000:128M');
  }
  int('--kernel-size', c.kernelSize, PAGE_SIZE, perNode / 2);
  int('--min-free-kbytes', c.minFreeKbytes, 0, 262144);
  int('--watermark-scale-factor', c.watermarkScaleFactor, 1, 3000);
  parseCmdline(c.cmdline);
  return c;
}

/** One command-line parameter, key=value or a bare word, in the order given. */
export interface CmdlineParam {
  key: string;
  value: string | null;
}

export function parseCmdline(cmdline: string): CmdlineParam[] {
  const out: CmdlineParam[] = [];
  for (const word of cmdline.trim().split(/\s+/)) {
    if (!word) continue;
    const eq = word.indexOf('=');
    const p = eq < 0 ? { key: word, value: null } : { key: word.slice(0, eq), value: word.slice(eq + 1) };
    if (p.key === 'mem' || p.key === 'movablecore') memparseStrict(p);
    out.push(p);
  }
  return out;
}

/** memparse: a number (decimal or 0x hex) with K, M, G, T suffixes. */
export function memparse(text: string): number | null {
  const m = /^(0x[0-9a-f]+|\d+)([kmgt])?$/i.exec(text);
  if (!m) return null;
  const shift = { k: 10, m: 20, g: 30, t: 40 }[(m[2] ?? '').toLowerCase() as 'k' | 'm' | 'g' | 't'] ?? 0;
  return Number(m[1]) * 2 ** shift;
}

/** mem=SIZE[@START] or movablecore=SIZE, checked: the kernel would take garbage as 0. */
export function memparseStrict(p: CmdlineParam): { size: number; start: number | null } {
  const [sz, at, ...rest] = (p.value ?? '').split('@');
  const size = memparse(sz);
  const start = at === undefined ? null : memparse(at);
  if (size === null || size === 0 || (at !== undefined && start === null) || rest.length || (p.key !== 'mem' && at !== undefined)) {
    throw new ConfigError('--cmdline', `${p.key}=${p.value ?? ''} is not a size${p.key === 'mem' ? '[@start]' : ''}`, `${p.key}=SIZE with K, M or G${p.key === 'mem' ? ', optionally @START' : ''}, e.g. ${p.key}=192M`);
  }
  return { size, start };
}

/** '0x80000000:128M,0x90000000:64M' as ranges. */
export function parseRanges(field: string, text: string): MemRange[] {
  return text.split(',').map((part) => {
    const [b, s] = part.split(':');
    const base = memparse(b ?? '');
    if (base === null || s === undefined) throw new ConfigError(field, `'${part}' is not BASE:SIZE`, 'BASE:SIZE ranges, e.g. 0x80000000:128M');
    return { base, size: parseSize(field, s) };
  });
}

/** 'DMA=16M,DMA32=64M' as zone limits. */
export function parseZones(text: string): { dmaLimit: number; dma32Limit: number } {
  const out = { dmaLimit: 0, dma32Limit: 0 };
  for (const part of text.split(',').filter(Boolean)) {
    const [k, v] = part.split('=');
    const key = k === 'DMA' ? 'dmaLimit' : k === 'DMA32' ? 'dma32Limit' : null;
    if (!key || v === undefined) throw new ConfigError('--zones', `'${part}' is not DMA=LIMIT or DMA32=LIMIT`, 'DMA=SIZE and/or DMA32=SIZE, e.g. DMA=16M,DMA32=64M (Normal holds the rest; Movable comes from movablecore=)');
    out[key] = parseSize('--zones', v);
  }
  return out;
}

/** '10,20;20,10' as a distance table. */
export function parseDistance(text: string): number[][] {
  return text.split(';').map((row) => row.split(',').map((x) => Number(x)));
}
