import { describe, expect, it } from 'vitest';
import {
  DEFAULT_BOOT, MAX_MEM, bootConfig, memparse, memparseStrict, nodeDistance, parseCmdline, parseDistance, parseRanges, parseZones,
} from '../src/kernel/bootconfig.js';
import type { BootConfig } from '../src/kernel/bootconfig.js';

/**
 * The boot configuration's checks at their boundaries: each field's first and last allowed
 * value and the ones just past them, with the message that names the field and what is
 * allowed; memparse (lib/cmdline.c) and the command line's mem= and movablecore= checks.
 */
const M = 2 ** 20;
const ok = (c: Partial<BootConfig>) => expect(() => bootConfig(c)).not.toThrow();
const bad = (c: Partial<BootConfig>, message: string) => expect(() => bootConfig(c)).toThrow(message);

describe('bootConfig: every field at its boundaries', () => {
  it('fills the defaults', () => {
    expect(bootConfig({})).toEqual(DEFAULT_BOOT);
    expect(DEFAULT_BOOT).toMatchObject({ nodes: 1, cpusPerNode: 1, mem: 256 * M, dmaLimit: 16 * M, kernelSize: 4 * M, watermarkScaleFactor: 10, pcp: true, mobility: true, zoneLock: true });
  });

  it('nodes 1..16, CPUs per node 1..64, at most 64 CPUs in all', () => {
    const mem = 16 * 8 * M;
    ok({ nodes: 16, mem, dmaLimit: 0 });
    bad({ nodes: 17, mem: 17 * 8 * M }, '--nodes: 17 is out of range (allowed: an integer from 1 to 16)');
    bad({ nodes: 0 }, '--nodes: 0 is out of range (allowed: an integer from 1 to 16)');
    bad({ nodes: 1.5 }, '--nodes: 1.5 is out of range');
    ok({ cpusPerNode: 64 });
    bad({ cpusPerNode: 0 }, '--cpus-per-node: 0 is out of range (allowed: an integer from 1 to 64)');
    bad({ cpusPerNode: 65 }, '--cpus-per-node: 65 is out of range');
    ok({ nodes: 2, cpusPerNode: 32 });
    bad({ nodes: 2, cpusPerNode: 33 }, '--cpus-per-node: 2 nodes x 33 CPUs is more than 64 CPUs (allowed: at most 32 with 2 nodes)');
  });

  it('mem: whole pages per node, at least 8M a node, at most 1536M', () => {
    ok({ mem: 8 * M, dmaLimit: 0 });
    bad({ mem: 8 * M - 4096, dmaLimit: 0 }, '--mem: 8384512 bytes do not split into 1 node(s) of whole pages, at least 8M each, in at most 1536M (allowed: a multiple of 1 x 4K from 8M to 1536M)');
    ok({ mem: MAX_MEM });
    bad({ mem: MAX_MEM + 4096 }, '--mem: ');
    bad({ mem: 64 * M + 1 }, '--mem: ');
    bad({ nodes: 2, mem: 16 * M + 4096 }, 'do not split into 2 node(s)');
    ok({ nodes: 2, mem: 16 * M + 8192 });
  });

  it('phys offset: 4M-aligned, and memory ends at 4G at most', () => {
    ok({ physOffset: 4 * M });
    bad({ physOffset: 2 * M }, '--phys-offset: 0x200000 is not 4M-aligned or puts memory past 4G (allowed: a multiple of 4M with PHYS_OFFSET + mem <= 4G)');
    ok({ physOffset: 2 ** 32 - 256 * M });
    bad({ physOffset: 2 ** 32 - 252 * M }, '--phys-offset: ');
  });

  it('zone limits: page-aligned, DMA up to the end of memory, DMA32 above DMA and up to the end', () => {
    bad({ dmaLimit: 16 * M + 1 }, '--zones: a zone limit is not page-aligned (allowed: limits in whole pages, e.g. DMA=16M,DMA32=64M)');
    bad({ dma32Limit: 64 * M + 2048 }, '--zones: a zone limit is not page-aligned');
    ok({ dmaLimit: 256 * M });
    bad({ dmaLimit: 256 * M + 4096 }, '--zones: ZONE_DMA ends at 256.00390625M, past the end of memory at 256M (allowed: a DMA limit up to 256M)');
    ok({ dma32Limit: 256 * M });
    bad({ dma32Limit: 16 * M }, '--zones: ZONE_DMA32 (below 16M) overlaps ZONE_DMA (below 16M) (allowed: a DMA32 limit above the DMA limit)');
    bad({ dma32Limit: 260 * M }, '--zones: ZONE_DMA32 ends at 260M, past the end of memory at 256M (allowed: a DMA32 limit up to 256M)');
    ok({ physOffset: 4 * M, dmaLimit: 260 * M });
  });

  it('distance: nodes x nodes, 10 on the diagonal, 11..254 elsewhere; node_distance defaults to 10 and 20', () => {
    const two = { nodes: 2, mem: 64 * M };
    ok({ ...two, distance: [[10, 11], [254, 10]] });
    bad({ ...two, distance: [[10, 20]] }, '--distance: the table is not 2 x 2 (allowed: 2 rows of 2 numbers)');
    bad({ ...two, distance: [[10, 20], [20]] }, '--distance: the table is not 2 x 2');
    bad({ ...two, distance: [[11, 20], [20, 10]] }, '--distance: node_distance(0, 0) = 11 (allowed: 10 on the diagonal, 11..254 elsewhere)');
    bad({ ...two, distance: [[10, 10], [20, 10]] }, '--distance: node_distance(0, 1) = 10');
    bad({ ...two, distance: [[10, 20], [255, 10]] }, '--distance: node_distance(1, 0) = 255');
    bad({ ...two, distance: [[10, 20.5], [20, 10]] }, '--distance: node_distance(0, 1) = 20.5');
    const c = bootConfig(two);
    expect([nodeDistance(c, 0, 0), nodeDistance(c, 0, 1), nodeDistance(c, 1, 1)]).toEqual([10, 20, 10]);
    expect(nodeDistance(bootConfig({ ...two, distance: [[10, 30], [40, 10]] }), 1, 0)).toBe(40);
  });

  it('atags: page-aligned ranges of some size below 4G', () => {
    ok({ atags: [{ base: 2 ** 32 - 64 * M, size: 64 * M }] });
    bad({ atags: [{ base: 4097, size: M }] }, '--atags: ATAG_MEM 0x1001+1048576 is not a page-aligned range below 4G (allowed: BASE:SIZE ranges, e.g. 0x80000000:128M)');
    bad({ atags: [{ base: 0, size: 0 }] }, '--atags: ATAG_MEM 0x0+0 is not');
    bad({ atags: [{ base: 2 ** 32 - 64 * M, size: 64 * M + 4096 }] }, '--atags: ');
  });

  it('kernel size from a page to half a node, min_free_kbytes 0..262144, watermark_scale_factor 1..3000', () => {
    ok({ kernelSize: 4096 });
    bad({ kernelSize: 4095 }, '--kernel-size: 4095 is out of range (allowed: an integer from 4096 to 134217728)');
    ok({ kernelSize: 128 * M });
    bad({ kernelSize: 128 * M + 1 }, '--kernel-size: ');
    ok({ minFreeKbytes: 262144 });
    bad({ minFreeKbytes: 262145 }, '--min-free-kbytes: 262145 is out of range (allowed: an integer from 0 to 262144)');
    bad({ minFreeKbytes: -1 }, '--min-free-kbytes: ');
    ok({ watermarkScaleFactor: 1 });
    ok({ watermarkScaleFactor: 3000 });
    bad({ watermarkScaleFactor: 0 }, '--watermark-scale-factor: 0 is out of range (allowed: an integer from 1 to 3000)');
    bad({ watermarkScaleFactor: 3001 }, '--watermark-scale-factor: ');
    bad({ cmdline: 'mem=x' }, '--cmdline: mem=x is not a size[@start]');
  });
});

describe('the command line and sizes', () => {
  it('memparse: decimal or 0x hex, K M G T in either case, nothing else', () => {
    expect(['4096', '0x1000', '0X10', '4k', '4K', '2m', '1G', '1t', '0'].map(memparse)).toEqual([4096, 4096, 16, 4096, 4096, 2 * M, 2 ** 30, 2 ** 40, 0]);
    for (const bad of ['', 'x', '4kb', '1.5M', '-1', ' 4', '4 ', '0x', 'M']) expect(memparse(bad), bad).toBeNull();
  });

  it('parseCmdline: words split on any whitespace, key=value or bare, in order; mem= and movablecore= are checked', () => {
    expect(parseCmdline('  quiet\tmem=64M@0x1000000  movablecore=16M a=b=c ')).toEqual([
      { key: 'quiet', value: null }, { key: 'mem', value: '64M@0x1000000' }, { key: 'movablecore', value: '16M' }, { key: 'a', value: 'b=c' },
    ]);
    expect(parseCmdline('')).toEqual([]);
    expect(memparseStrict({ key: 'mem', value: '64M@16M' })).toEqual({ size: 64 * M, start: 16 * M });
    expect(memparseStrict({ key: 'movablecore', value: '16M' })).toEqual({ size: 16 * M, start: null });
    for (const value of [null, '', '0', '64M@', '64M@x', '64M@1M@2M']) {
      expect(() => memparseStrict({ key: 'mem', value }), String(value)).toThrow(`--cmdline: mem=${value ?? ''} is not a size[@start] (allowed: mem=SIZE with K, M or G, optionally @START, e.g. mem=192M)`);
    }
    expect(() => memparseStrict({ key: 'movablecore', value: '16M@0' })).toThrow('--cmdline: movablecore=16M@0 is not a size (allowed: movablecore=SIZE with K, M or G, e.g. movablecore=192M)');
    expect(() => parseCmdline('movablecore=lots')).toThrow('--cmdline: movablecore=lots is not a size');
  });

  it('parseRanges, parseZones and parseDistance read what the flags take, and name a part they cannot', () => {
    expect(parseRanges('--atags', '0x80000000:128M,0x90000000:64M')).toEqual([{ base: 0x80000000, size: 128 * M }, { base: 0x90000000, size: 64 * M }]);
    expect(() => parseRanges('--atags', '0x80000000')).toThrow("--atags: '0x80000000' is not BASE:SIZE (allowed: BASE:SIZE ranges, e.g. 0x80000000:128M)");
    expect(() => parseRanges('--atags', 'x:1M')).toThrow("--atags: 'x:1M' is not BASE:SIZE");
    expect(parseZones('DMA=16M,DMA32=64M')).toEqual({ dmaLimit: 16 * M, dma32Limit: 64 * M });
    expect(parseZones('DMA32=4G,')).toEqual({ dmaLimit: 0, dma32Limit: 4 * 2 ** 30 });
    expect(parseZones('')).toEqual({ dmaLimit: 0, dma32Limit: 0 });
    for (const part of ['NORMAL=1M', 'DMA', 'dma=1M']) expect(() => parseZones(part), part).toThrow(`--zones: '${part}' is not DMA=LIMIT or DMA32=LIMIT (allowed: DMA=SIZE and/or DMA32=SIZE`);
    expect(parseDistance('10,20;20,10')).toEqual([[10, 20], [20, 10]]);
  });
});
