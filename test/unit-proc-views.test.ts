import { describe, expect, it } from 'vitest';
import { GFP_KERNEL } from '../src/kernel/gfp.js';
import { MAX_RECLAIM_RETRIES } from '../src/kernel/kswapd.js';
import { N_KSWAPD_FAILURES, N_KSWAPD_RUNS } from '../src/kernel/mmzone.js';
import { VmAccounting } from '../src/kernel/overcommit.js';
import { PageAlloc } from '../src/kernel/page_alloc.js';
import { PROC_PATHS, meminfo, pcpStats, procRead, vmstat, zoneinfo } from '../src/kernel/proc.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { MiB, bootTest } from './kernel-helpers.js';

/**
 * The /proc and /sys files of `memrace proc` beyond proc.test.ts: every line of
 * /proc/meminfo in fs/proc/meminfo.c's order, /proc/vmstat's tail, zoneinfo's per-zone
 * tail and vm stats threshold (calculate_normal_threshold), the sysctl files, memblock's
 * debugfs, the model's own pageset counters, and an unknown path. 512M, 4 CPUs, all Normal.
 */
const machine = () => bootTest({ mem: 512 * MiB, cpusPerNode: 4, dmaLimit: 0 });

describe('memrace proc files', () => {
  it('/proc/meminfo: every line in meminfo_proc_show\'s order; CommitLimit half of RAM without a userland, the accounting\'s with one', () => {
    const { kernel } = machine();
    const lines = meminfo(kernel).split('\n');
    expect(lines.map((l) => l.split(':')[0])).toEqual([
      'MemTotal', 'MemFree', 'MemAvailable', 'Buffers', 'Cached', 'SwapCached', 'Active', 'Inactive', 'Unevictable', 'Mlocked', 'SwapTotal', 'SwapFree',
      'Dirty', 'Writeback', 'AnonPages', 'Mapped', 'Shmem', 'KReclaimable', 'Slab', 'SReclaimable', 'SUnreclaim', 'KernelStack', 'PageTables',
      'SecPageTables', 'NFS_Unstable', 'Bounce', 'WritebackTmp', 'CommitLimit', 'Committed_AS', '',
    ]);
    expect(lines[3]).toBe('Buffers:               0 kB');
    expect(lines.at(-3)).toBe('CommitLimit:      256000 kB');
    const arena = Arena.create(1 << 12);
    const vm = VmAccounting.create(arena, new AtomicsMem(arena.sab), { totalramPages: 1000, swapPages: 24 });
    vm.vm_acct_memory(10);
    expect(meminfo(kernel, vm).split('\n').slice(-3)).toEqual(['CommitLimit:        2096 kB', 'Committed_AS:         40 kB', '']);
  });

  it('/proc/vmstat: pgalloc per zone type, allocstall, pgfree and kswapd\'s runs at the end', () => {
    const { kernel } = machine();
    const pa = new PageAlloc(kernel, 1);
    pa.__free_pages(pa.alloc_pages(GFP_KERNEL, 1), 1);
    kernel.mem.store(kernel.ref.nodes[0] + N_KSWAPD_RUNS, 3);
    expect(vmstat(kernel).split('\n').slice(7)).toEqual(['pgalloc_dma 0', 'pgalloc_dma32 0', 'pgalloc_normal 2', 'pgalloc_movable 0', 'allocstall_normal 0', 'pgfree 2', 'pageoutrun 3', '']);
  });

  it('/proc/zoneinfo: vm stats threshold min(125, 2 * fls(cpus) * (1 + fls(managed >> 15))), node_unreclaimable after MAX_RECLAIM_RETRIES, start_pfn', () => {
    const { kernel } = machine();
    const tail = () => zoneinfo(kernel).split('\n').filter((l) => /threshold|node_unreclaimable|start_pfn/.test(l));
    // 4 CPUs: fls 3; ~127,000 managed pages >> 15 = 3: fls 2; 2 * 3 * 3 = 18.
    expect(tail()).toEqual([...Array(4).fill('  vm stats threshold: 18'), '  node_unreclaimable:  0', '  start_pfn:           0']);
    kernel.mem.store(kernel.ref.nodes[0] + N_KSWAPD_FAILURES, MAX_RECLAIM_RETRIES - 1);
    expect(tail()).toContain('  node_unreclaimable:  0');
    kernel.mem.store(kernel.ref.nodes[0] + N_KSWAPD_FAILURES, MAX_RECLAIM_RETRIES);
    expect(tail()).toContain('  node_unreclaimable:  1');
    // One CPU on 64M: 2 * 1 * (1 + fls(0)) = 2 (proc.test.ts); 64 CPUs: fls 7, 2 * 7 * 3 = 42. (The cap of 125 needs more
    // memory or CPUs than one image holds.)
    const many = bootTest({ mem: 512 * MiB, cpusPerNode: 64, dmaLimit: 0 }).kernel;
    expect(zoneinfo(many)).toContain('  vm stats threshold: 42');
  });

  it('the sysctl files, memblock\'s debugfs, node N\'s numastat; an unknown path names every path there is', () => {
    const { kernel, memblock } = machine();
    const read = (p: string) => procRead(kernel, memblock, p);
    expect(read('/proc/sys/vm/min_free_kbytes')).toBe(`${kernel.ref.min_free_kbytes}\n`);
    expect(read('/proc/sys/vm/watermark_scale_factor')).toBe('10\n');
    expect(read('/proc/sys/vm/lowmem_reserve_ratio')).toBe('256\t256\t32\t0\n');
    expect(read('/sys/kernel/debug/memblock/memory')).toBe('   0: 0x0000000000000000..0x000000001fffffff\n');
    expect(read('/sys/kernel/debug/memblock/reserved')).toBe('   0: 0x0000000000008000..0x0000000000407fff\n   1: 0x000000001f800000..0x000000001fffffff\n');
    expect(read('/sys/devices/system/node/node0/numastat')).toBe('numa_hit 0\nnuma_miss 0\nnuma_foreign 0\nnuma_interleave 0\nnuma_local 0\nnuma_other 0\n');
    for (const p of ['/proc/buddyinfo', '/proc/pagetypeinfo', '/proc/zoneinfo', '/proc/meminfo', '/proc/vmstat']) expect(read(p), p).toMatch(/\n$/);
    expect(() => read('/sys/devices/system/node/node1/numastat')).toThrow('path: /sys/devices/system/node/node1/numastat: there is no node 1 (allowed: node0..node0)');
    expect(() => read('/proc/slabinfo')).toThrow(`path: /proc/slabinfo: no such file in this model (allowed: ${PROC_PATHS.join(', ')})`);
  });

  it('the pageset counters: a header of the counters from pgalloc on, a row per CPU and populated zone', () => {
    const { kernel } = machine();
    new PageAlloc(kernel, 1).alloc_pages(GFP_KERNEL, 0);
    expect(pcpStats(kernel).split('\n')).toEqual([
      'cpu zone                    pgalloc           pgfree          pcp_hit       pcp_refill    pcp_free_bulk        pcp_drain pcp_trylock_fail',
      '0 N0 Normal                       0                0                0                0                0                0                0',
      '1 N0 Normal                       1                0                0                1                0                0                0',
      '2 N0 Normal                       0                0                0                0                0                0                0',
      '3 N0 Normal                       0                0                0                0                0                0                0',
      '',
    ]);
  });
});
