import { ConfigError } from '../errors.js';
import { H_ALLOCSTALL, type Kernel } from './kernel.js';
import { MAX_RECLAIM_RETRIES } from './kswapd.js';
import type { Memblock } from './memblock.js';
import type { VmAccounting } from './overcommit.js';
import {
  LOWMEM_RESERVE_RATIO, MAX_NR_ZONES, MIGRATETYPE_NAMES, MIGRATE_TYPES, NR_PAGE_ORDERS, N_KSWAPD_FAILURES, N_KSWAPD_RUNS,
  PAGE_SHIFT, PAGE_SIZE, WMARK_HIGH, WMARK_LOW, WMARK_MIN, ZONE_NAMES, pageblock_nr_pages, pageblock_order,
} from './mmzone.js';
import {
  PCP_STAT_NAMES, S_NUMA_FOREIGN, S_NUMA_HIT, S_NUMA_INTERLEAVE_HIT, S_NUMA_LOCAL, S_NUMA_MISS, S_NUMA_OTHER, S_PGALLOC,
  S_PGFREE,
} from './pcp.js';
import type { Zone } from './zone.js';

/**
 * /proc and /sys views of a live image, in the formats of Linux 6.6's mm/vmstat.c and
 * fs/proc/meminfo.c. Counters the model does not keep (LRU, slab, swap: the virtual-memory
 * issue's) print as 0; abridged lists say so.
 */
const NUMA_EVENTS: ReadonlyArray<[string, number]> = [
  ['numa_hit', S_NUMA_HIT], ['numa_miss', S_NUMA_MISS], ['numa_foreign', S_NUMA_FOREIGN],
  ['numa_interleave', S_NUMA_INTERLEAVE_HIT], ['numa_local', S_NUMA_LOCAL], ['numa_other', S_NUMA_OTHER],
];
const ZONE_STATS = ['nr_free_pages', 'nr_zone_inactive_anon', 'nr_zone_active_anon', 'nr_zone_inactive_file', 'nr_zone_active_file', 'nr_zone_unevictable', 'nr_zone_write_pending', 'nr_mlock', 'nr_bounce', 'nr_zspages', 'nr_free_cma'];
const NODE_STATS = ['nr_inactive_anon', 'nr_active_anon', 'nr_inactive_file', 'nr_active_file', 'nr_unevictable', 'nr_slab_reclaimable', 'nr_slab_unreclaimable', 'nr_anon_pages', 'nr_mapped', 'nr_file_pages', 'nr_dirty', 'nr_writeback', 'nr_shmem', 'nr_kernel_stack', 'nr_page_table_pages'];

/** The paths `memrace proc` knows. */
export const PROC_PATHS = [
  '/proc/buddyinfo', '/proc/pagetypeinfo', '/proc/zoneinfo', '/proc/meminfo', '/proc/vmstat', '/proc/sys/vm/min_free_kbytes',
  '/proc/sys/vm/watermark_scale_factor', '/proc/sys/vm/lowmem_reserve_ratio', '/sys/kernel/debug/memblock/memory',
  '/sys/kernel/debug/memblock/reserved', '/sys/devices/system/node/nodeN/numastat',
] as const;

/** walk_zones_in_node(populated only). */
function populatedZones(k: Kernel, nid: number): Zone[] {
  return k.nodeZones(nid).filter((z) => z.populated());
}

/** /proc/buddyinfo (frag_show): nr_free per order of each populated zone. */
export function buddyinfo(k: Kernel): string {
  const lines: string[] = [];
  for (let nid = 0; nid < k.nr_nodes; nid++) {
    for (const z of populatedZones(k, nid)) {
      let l = `Node ${nid}, zone ${z.name.padStart(8)} `;
      for (let o = 0; o < NR_PAGE_ORDERS; o++) l += `${String(z.nr_free(o)).padStart(6)} `;
      lines.push(l);
    }
  }
  return lines.join('\n') + '\n';
}

/** /proc/pagetypeinfo: free blocks per migrate type and order, then pageblocks per type, per node. */
export function pagetypeinfo(k: Kernel): string {
  const out: string[] = [];
  for (let nid = 0; nid < k.nr_nodes; nid++) {
    const zones = populatedZones(k, nid);
    if (!zones.length) continue;
    out.push(`Page block order: ${pageblock_order}`, `Pages per block:  ${pageblock_nr_pages}`, '');
    let h = `${'Free pages count per migrate type at order'.padEnd(43)} `;
    for (let o = 0; o < NR_PAGE_ORDERS; o++) h += `${String(o).padStart(6)} `;
    out.push(h);
    for (const z of zones) {
      for (let mt = 0; mt < MIGRATE_TYPES; mt++) {
        let l = `Node ${String(nid).padStart(4)}, zone ${z.name.padStart(8)}, type ${MIGRATETYPE_NAMES[mt].padStart(12)} `;
        for (let o = 0; o < NR_PAGE_ORDERS; o++) {
          let n = 0;
          const complete = z.list.walk(z.freeList(o, mt), 100000, () => n++);
          l += `${complete ? '' : '>'}${String(n).padStart(6)} `;
        }
        out.push(l);
      }
    }
    out.push('', `${'Number of blocks type '.padEnd(23)}${MIGRATETYPE_NAMES.map((n) => `${n.padStart(12)} `).join('')}`);
    for (const z of zones) {
      const count = new Array<number>(MIGRATE_TYPES).fill(0);
      for (let pfn = z.zone_start_pfn; pfn < z.zone_end_pfn(); pfn += pageblock_nr_pages) {
        const mt = k.pages.get_pageblock_migratetype(pfn);
        if (mt < MIGRATE_TYPES) count[mt]++;
      }
      out.push(`Node ${nid}, zone ${z.name.padStart(8)} ${count.map((c) => `${String(c).padStart(12)} `).join('')}`);
    }
  }
  return out.join('\n') + '\n';
}

/** fls. */
function fls(x: number): number {
  return x ? 32 - Math.clz32(x) : 0;
}

/** /proc/zoneinfo (zoneinfo_show_print), with the pagesets; per-node stats abridged. */
export function zoneinfo(k: Kernel): string {
  const out: string[] = [];
  const cpus = k.ref.nr_cpus;
  for (let nid = 0; nid < k.nr_nodes; nid++) {
    const zones = k.nodeZones(nid);
    const first = zones.find((z) => z.populated());
    for (const z of zones) {
      let s = `Node ${nid}, zone ${z.name.padStart(8)}`;
      if (z === first) {
        s += '\n  per-node stats';
        for (const n of NODE_STATS) s += `\n      ${n.padEnd(12)} 0`;
      }
      s += `\n  pages free     ${z.nr_free_pages()}\n        boost    0\n        min      ${z.wmark(WMARK_MIN)}\n        low      ${z.wmark(WMARK_LOW)}\n        high     ${z.wmark(WMARK_HIGH)}`;
      s += `\n        spanned  ${z.spanned_pages}\n        present  ${z.present_pages}\n        managed  ${z.managed_pages}\n        cma      0`;
      s += `\n        protection: (${Array.from({ length: MAX_NR_ZONES }, (_, j) => z.lowmem_reserve(j)).join(', ')})`;
      if (!z.populated()) {
        out.push(s);
        continue;
      }
      const zi = nid * MAX_NR_ZONES + z.idx;
      for (const name of ZONE_STATS) s += `\n      ${name.padEnd(12)} ${name === 'nr_free_pages' ? z.nr_free_pages() : 0}`;
      for (const [name, st] of NUMA_EVENTS) s += `\n      ${name.padEnd(12)} ${k.pcpStat(st, zi)}`;
      s += '\n  pagesets';
      const threshold = Math.min(125, 2 * fls(cpus) * (1 + fls(z.managed_pages >> (27 - PAGE_SHIFT))));
      for (let cpu = 0; cpu < cpus; cpu++) {
        const p = k.pageset(cpu, zi);
        s += `\n    cpu: ${cpu}\n              count: ${p.count}\n              high:  ${p.high}\n              batch: ${p.batch}\n  vm stats threshold: ${threshold}`;
      }
      s += `\n  node_unreclaimable:  ${k.mem.load(k.ref.nodes[nid] + N_KSWAPD_FAILURES) >= MAX_RECLAIM_RETRIES ? 1 : 0}\n  start_pfn:           ${z.zone_start_pfn}`;
      out.push(s);
    }
  }
  return out.join('\n') + '\n';
}

function freePages(k: Kernel): number {
  return k.zones.reduce((s, z) => s + z.nr_free_pages(), 0);
}

/** /proc/meminfo (abridged to what this model keeps; the rest is 0 until reclaim and swap exist). */
export function meminfo(k: Kernel, vm?: VmAccounting): string {
  const kb = (pages: number) => pages * (PAGE_SIZE >> 10);
  let totalreserve = 0;
  for (let nid = 0; nid < k.nr_nodes; nid++) totalreserve += k.totalreserve_pages(nid);
  const free = freePages(k);
  const rows: Array<[string, number]> = [
    ['MemTotal', kb(k.ref.totalram_pages)], ['MemFree', kb(free)], ['MemAvailable', kb(Math.max(0, free - totalreserve))],
    ['Buffers', 0], ['Cached', 0], ['SwapCached', 0], ['Active', 0], ['Inactive', 0], ['Unevictable', 0], ['Mlocked', 0],
    ['SwapTotal', 0], ['SwapFree', 0], ['Dirty', 0], ['Writeback', 0], ['AnonPages', 0], ['Mapped', 0], ['Shmem', 0],
    ['KReclaimable', 0], ['Slab', 0], ['SReclaimable', 0], ['SUnreclaim', 0], ['KernelStack', 0], ['PageTables', 0],
    ['SecPageTables', 0], ['NFS_Unstable', 0], ['Bounce', 0], ['WritebackTmp', 0],
    // Without a userland nothing is committed, and the limit is overcommit_ratio's default 50% of RAM.
    ['CommitLimit', kb(vm ? vm.vm_commit_limit() : Math.floor(k.ref.totalram_pages / 2))], ['Committed_AS', kb(vm ? vm.committed() : 0)],
  ];
  return rows.map(([name, v]) => `${(name + ':').padEnd(16)}${String(v).padStart(8)} kB`).join('\n') + '\n';
}

/** /proc/vmstat: nr_free_pages, the NUMA events, pgalloc per zone type, allocstall, pgfree, pageoutrun (abridged). */
export function vmstat(k: Kernel): string {
  const lines = [`nr_free_pages ${freePages(k)}`];
  for (const [name, st] of NUMA_EVENTS) lines.push(`${name} ${k.pcpStat(st)}`);
  ZONE_NAMES.forEach((name, zid) => {
    let n = 0;
    for (let nid = 0; nid < k.nr_nodes; nid++) n += k.pcpStat(S_PGALLOC, nid * MAX_NR_ZONES + zid);
    lines.push(`pgalloc_${name.toLowerCase()} ${n}`);
  });
  lines.push(`allocstall_normal ${k.mem.load(k.ref.header + H_ALLOCSTALL)}`);
  lines.push(`pgfree ${k.pcpStat(S_PGFREE)}`);
  let runs = 0;
  for (const node of k.ref.nodes) runs += k.mem.load(node + N_KSWAPD_RUNS);
  lines.push(`pageoutrun ${runs}`);
  return lines.join('\n') + '\n';
}

/** /sys/devices/system/node/nodeN/numastat: the node's zones' NUMA events. */
export function numastat(k: Kernel, nid: number): string {
  return NUMA_EVENTS.map(([name, st]) => {
    let n = 0;
    for (let z = 0; z < MAX_NR_ZONES; z++) n += k.pcpStat(st, nid * MAX_NR_ZONES + z);
    return `${name} ${n}`;
  }).join('\n') + '\n';
}

/** The model's own pageset counters (not a kernel file): hits, refills, bulk frees, drains per CPU and zone. */
export function pcpStats(k: Kernel): string {
  // The counters from pgalloc on; the NUMA events before them are /proc/vmstat's.
  const words = PCP_STAT_NAMES.map((_, i) => S_NUMA_HIT + i).filter((w) => w >= S_PGALLOC);
  const lines = [`${'cpu zone'.padEnd(18)}${words.map((w) => PCP_STAT_NAMES[w - S_NUMA_HIT].padStart(17)).join('')}`];
  for (let cpu = 0; cpu < k.ref.nr_cpus; cpu++) {
    k.zones.forEach((z, i) => {
      if (!z.populated()) return;
      const p = k.pageset(cpu, i);
      lines.push(`${`${cpu} N${z.nid} ${z.name}`.padEnd(18)}${words.map((w) => String(p.stat(w)).padStart(17)).join('')}`);
    });
  }
  return lines.join('\n') + '\n';
}

/** Read one path of the live image, as `cat` would show it. */
export function procRead(k: Kernel, mb: Memblock, path: string, vm?: VmAccounting): string {
  const node = /^\/sys\/devices\/system\/node\/node(\d+)\/numastat$/.exec(path);
  if (node) {
    const nid = Number(node[1]);
    if (nid >= k.nr_nodes) throw new ConfigError('path', `${path}: there is no node ${nid}`, `node0..node${k.nr_nodes - 1}`);
    return numastat(k, nid);
  }
  switch (path) {
    case '/proc/buddyinfo':
      return buddyinfo(k);
    case '/proc/pagetypeinfo':
      return pagetypeinfo(k);
    case '/proc/zoneinfo':
      return zoneinfo(k);
    case '/proc/meminfo':
      return meminfo(k, vm);
    case '/proc/vmstat':
      return vmstat(k);
    case '/proc/sys/vm/min_free_kbytes':
      return `${k.ref.min_free_kbytes}\n`;
    case '/proc/sys/vm/watermark_scale_factor':
      return `${k.ref.watermark_scale_factor}\n`;
    case '/proc/sys/vm/lowmem_reserve_ratio':
      return LOWMEM_RESERVE_RATIO.join('\t') + '\n';
    case '/sys/kernel/debug/memblock/memory':
      return mb.memory.debugfs() + '\n';
    case '/sys/kernel/debug/memblock/reserved':
      return mb.reserved.debugfs() + '\n';
    default:
      throw new ConfigError('path', `${path}: no such file in this model`, PROC_PATHS.join(', '));
  }
}
