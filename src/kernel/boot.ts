import { ConfigError } from '../errors.js';
import { Arena } from '../shm/arena.js';
import { AtomicsMem, type Mem } from '../shm/mem.js';
import { FPI_TO_TAIL } from './buddy.js';
import { type BootConfig, TEXT_OFFSET, memparseStrict, nodeDistance, parseCmdline } from './bootconfig.js';
import { HEADER_WORDS, Kernel, type KernelRef } from './kernel.js';
import { MAX_NUMNODES, MEMBLOCK_ALLOC_ACCESSIBLE, Memblock, SMP_CACHE_BYTES, pa } from './memblock.js';
import {
  MAX_NR_ZONES, MAX_ORDER, MAX_ORDER_NR_PAGES, MIGRATE_MOVABLE, NODE_WORDS, N_KSWAPD_HIGHEST_ZONEIDX, N_NODE_ID, N_PRESENT, N_SPANNED, N_START_PFN,
  N_TOTALRESERVE, PAGE_SIZE, WMARK_LOW, ZONE_MOVABLE, ZONE_NAMES, ZONE_WORDS, pageblock_nr_pages, pageblock_order,
  type ZoneRef,
} from './mmzone.js';
import { PAGE_WORDS, PFN_DOWN, PFN_UP, PG_REFCOUNT, PG_reserved } from './page.js';
import { PCP_WORDS, zone_batchsize, zone_highsize } from './pcp.js';
import { calculate_min_free_kbytes, lowmemReserve, setup_per_zone_wmarks, totalreserve_pages } from './watermark.js';

/** find_next_best_node's preference for nodes without CPUs (mm/page_alloc.c). */
const PENALTY_FOR_NODE_WITH_CPUS = 1;
/** sizeof(struct page) on a 64-bit kernel: what memmap costs in memblock reservations. */
const SIZEOF_STRUCT_PAGE = 64;

/** The pfns the memmap (and the frames) cover: all of DRAM, aligned to MAX_ORDER blocks. */
function memmapSpan(c: BootConfig): { start_pfn: number; nr_pages: number } {
  const start = Math.floor(c.physOffset / PAGE_SIZE / MAX_ORDER_NR_PAGES) * MAX_ORDER_NR_PAGES;
  const end = Math.ceil((c.physOffset + c.mem) / PAGE_SIZE / MAX_ORDER_NR_PAGES) * MAX_ORDER_NR_PAGES;
  return { start_pfn: start, nr_pages: end - start };
}

/** Bytes of image a boot of `c` needs: frames, memmap, pageblock flags, zones, nodes, pagesets, memblock. */
export function kernelImageBytes(c: BootConfig): number {
  const { nr_pages } = memmapSpan(c);
  const zones = c.nodes * MAX_NR_ZONES;
  const cpus = c.nodes * c.cpusPerNode;
  const words = nr_pages * PAGE_WORDS + (nr_pages >> pageblock_order) + zones * ZONE_WORDS + c.nodes * NODE_WORDS + cpus * zones * PCP_WORDS + Memblock.words() + HEADER_WORDS;
  // Each region starts on a cache line; the frames on a page.
  return nr_pages * PAGE_SIZE + words * 4 + 64 * (8 + c.nodes * (1 + MAX_NR_ZONES)) + PAGE_SIZE;
}

export interface BootResult {
  kernel: Kernel;
  memblock: Memblock;
  /** The boot log, one printk line each, without timestamps. */
  log: string[];
}

interface NodeSpan {
  start: number;
  end: number;
}

/**
 * Boot the machine into a fresh image, as setup_arch, free_area_init and mm_core_init
 * do: firmware memory into memblock, the command line's early parameters in order,
 * reservations (kernel image, each node's memmap), nodes and zones sized from memblock,
 * every struct page initialised, memblock_free_all into the buddy lists, watermarks,
 * lowmem_reserve, pagesets, zonelists.
 */
export function boot(arena: Arena, mem: Mem, c: BootConfig): BootResult {
  const log: string[] = [];
  const info = (s: string) => log.push(s);
  const memblock = Memblock.create(arena, mem, info);
  const ramEnd = c.physOffset + c.mem;
  const nodeSize = c.mem / c.nodes;
  const ncpus = c.nodes * c.cpusPerNode;
  info(`Linux version 6.6 (memrace model), ${c.nodes} NUMA node(s), ${ncpus} CPU(s)`);

  // Firmware: device-tree memory nodes, or the boot loader's ATAG_MEM in their place.
  const dt = Array.from({ length: c.nodes }, (_, i) => ({ base: c.physOffset + i * nodeSize, size: nodeSize }));
  if (c.atags) info(`ATAG_MEM: the boot loader's ${c.atags.length} memory tag(s) replace the device tree's memory node(s)`);
  for (const r of c.atags ?? dt) {
    if (r.base < c.physOffset || r.base + r.size > ramEnd) {
      throw new ConfigError('--atags', `ATAG_MEM [${pa(r.base)}-${pa(r.base + r.size - 1)}] lies outside the machine's RAM [${pa(c.physOffset)}-${pa(ramEnd - 1)}]`, 'ranges inside PHYS_OFFSET .. PHYS_OFFSET + --mem');
    }
    memblock.add(BigInt(r.base), BigInt(r.size), 'early_init_dt_add_memory_arch');
  }

  // parse_early_param: in the order given, so memblock=debug logs only what follows it.
  info(`Kernel command line: ${c.cmdline}`);
  let usermem = false;
  let movablecore = 0;
  const unknown: string[] = [];
  for (const p of parseCmdline(c.cmdline)) {
    if (p.key === 'memblock' && p.value === 'debug') memblock.debug = true;
    else if (p.key === 'mem') {
      const { size, start } = memparseStrict(p);
      if (!usermem) {
        usermem = true;
        memblock.remove(memblock.start_of_DRAM(), memblock.end_of_DRAM() - memblock.start_of_DRAM(), 'early_mem');
      }
      arm_add_memory(memblock, c, start ?? c.physOffset, size, `mem=${p.value}`, info);
    } else if (p.key === 'movablecore') movablecore = memparseStrict(p).size;
    else unknown.push(p.value === null ? p.key : `${p.key}=${p.value}`);
  }
  if (unknown.length) info(`Unknown kernel command line parameters "${unknown.join(' ')}", will be passed to user space.`);
  if (memblock.phys_mem_size() === 0n) throw new ConfigError('--cmdline', 'no memory is left after the command line', 'mem= ranges inside RAM');

  memblock.reserve(BigInt(c.physOffset + TEXT_OFFSET), BigInt(c.kernelSize), 'arm_memblock_init');
  // arm_memblock_init ends with memblock_dump_all(), which prints only under memblock=debug.
  if (memblock.debug) for (const l of memblock.dump_all()) info(l);
  for (let i = 0; i < c.nodes; i++) memblock.set_node(BigInt(dt[i].base), BigInt(dt[i].size), i);

  // get_pfn_range_for_nid: each node spans what memblock says it has.
  const nodes: NodeSpan[] = [];
  for (let nid = 0; nid < c.nodes; nid++) {
    let start = Infinity;
    let end = 0;
    for (const r of memblock.memory.numberRegions()) {
      if (r.nid !== nid || !r.size) continue;
      start = Math.min(start, PFN_UP(r.base));
      end = Math.max(end, PFN_DOWN(r.base + r.size));
    }
    nodes.push(start < end ? { start, end } : { start: 0, end: 0 });
  }
  for (let nid = 0; nid < c.nodes; nid++) {
    const n = nodes[nid];
    if (n.end === n.start) continue;
    const bytes = Math.ceil(((n.end - n.start) * SIZEOF_STRUCT_PAGE) / PAGE_SIZE) * PAGE_SIZE;
    if (!memblock.alloc_try_nid(BigInt(bytes), BigInt(SMP_CACHE_BYTES), 0n, MEMBLOCK_ALLOC_ACCESSIBLE, nid, 'memmap_alloc')) {
      throw new ConfigError('--mem', `node ${nid} has no room for its memmap (${bytes} bytes)`, 'more memory per node');
    }
  }

  // free_area_init: the zone limits, ZONE_MOVABLE per node, the spans.
  const startPfn = PFN_DOWN(Number(memblock.start_of_DRAM()));
  const maxZonePfn = [PFN_DOWN(c.dmaLimit), PFN_DOWN(c.dma32Limit || c.dmaLimit), PFN_DOWN(Number(memblock.end_of_DRAM()))];
  const lowest: number[] = [];
  const highest: number[] = [];
  let s = startPfn;
  for (let z = 0; z < ZONE_MOVABLE; z++) {
    const e = Math.max(maxZonePfn[z], s);
    lowest.push(s);
    highest.push(e);
    s = e;
  }
  const movableZone = [2, 1, 0].find((z) => highest[z] > lowest[z]) ?? 0;
  const movablePfn = zoneMovablePfns(memblock, nodes, movablecore, lowest[movableZone]);
  info('Zone ranges:');
  for (let z = 0; z < ZONE_MOVABLE; z++) info(`  ${ZONE_NAMES[z].padEnd(8)} ${lowest[z] === highest[z] ? 'empty' : `[mem ${pa(lowest[z] * PAGE_SIZE)}-${pa(highest[z] * PAGE_SIZE - 1)}]`}`);
  info('Movable zone start for each node');
  movablePfn.forEach((p, nid) => p && info(`  Node ${nid}: ${pa(p * PAGE_SIZE)}`));
  info('Early memory node ranges');
  for (const r of memblock.memory.numberRegions()) if (r.size) info(`  node ${String(r.nid).padStart(3)}: [mem ${pa(r.base)}-${pa(r.base + r.size - 1)}]`);

  // Lay out the image.
  const span = memmapSpan(c);
  const header = arena.allocWords('kernel.header', HEADER_WORDS);
  const memmap = arena.allocWords('kernel.memmap', span.nr_pages * PAGE_WORDS);
  const pbFlags = arena.allocWords('kernel.pageblock_flags', Math.max(1, span.nr_pages >> pageblock_order));
  const frames = arena.alloc('kernel.frames', span.nr_pages * PAGE_SIZE, PAGE_SIZE);
  const nodeBase: number[] = [];
  const zoneRefs: ZoneRef[] = [];
  for (let nid = 0; nid < c.nodes; nid++) {
    nodeBase.push(arena.allocWords(`kernel.node${nid}`, NODE_WORDS));
    for (let z = 0; z < MAX_NR_ZONES; z++) zoneRefs.push({ base: arena.allocWords(`kernel.node${nid}.${ZONE_NAMES[z]}`, ZONE_WORDS), nid, idx: z, name: ZONE_NAMES[z] });
  }
  const pcpBase = arena.allocWords('kernel.pagesets', ncpus * zoneRefs.length * PCP_WORDS);
  const ref: KernelRef = {
    header, memblock: memblock.ref, memmap: { memmap, frames, start_pfn: span.start_pfn, nr_pages: span.nr_pages, pageblock_flags: pbFlags },
    zones: zoneRefs, nodes: nodeBase, nr_cpus: ncpus, cpu_to_node: Array.from({ length: ncpus }, (_, cpu) => Math.floor(cpu / c.cpusPerNode)),
    zonelists: [], node_order: [], distance: Array.from({ length: c.nodes }, (_, i) => Array.from({ length: c.nodes }, (_, j) => nodeDistance(c, i, j))),
    pcp: pcpBase, min_free_kbytes: 0, watermark_scale_factor: c.watermarkScaleFactor, mobility: c.mobility, zoneLock: c.zoneLock, ignoreMigratetype: c.ignoreMigratetype === true, pcpEnabled: c.pcp,
    totalram_pages: 0, reserved_pages: 0, kernel_pages: c.kernelSize / PAGE_SIZE,
  };
  const k = new Kernel(mem, ref);
  const pages = k.pages;
  for (let pfn = span.start_pfn; pfn < span.start_pfn + span.nr_pages; pfn++) pages.init_single_page(pfn, 0, 0, true);

  // free_area_init_node: spans, present pages, struct pages with their links.
  const memRegions = memblock.memory.numberRegions().filter((r) => r.size);
  const isMemory = (pfn: number) => memRegions.some((r) => pfn >= PFN_UP(r.base) && pfn < PFN_DOWN(r.base + r.size));
  let physpages = 0;
  for (let nid = 0; nid < c.nodes; nid++) {
    const n = nodes[nid];
    info(`Initmem setup node ${nid} [mem ${pa(n.start * PAGE_SIZE)}-${pa(n.end ? n.end * PAGE_SIZE - 1 : 0)}]`);
    let nodePresent = 0;
    for (let z = 0; z < MAX_NR_ZONES; z++) {
      const [zs, ze] = zoneSpan(z, n, lowest, highest, movablePfn[nid], movableZone);
      let present = 0;
      for (let pfn = zs; pfn < ze; pfn++) {
        pages.init_single_page(pfn, z, nid, true);
        if ((pfn & (pageblock_nr_pages - 1)) === 0) pages.set_pageblock_migratetype(pfn, MIGRATE_MOVABLE);
        if (isMemory(pfn)) present++;
      }
      k.zones[nid * MAX_NR_ZONES + z].init(nid, z, ze > zs ? zs : 0, ze - zs, present);
      if (ze - zs > present) info(`On node ${nid}, zone ${ZONE_NAMES[z]}: ${ze - zs - present} pages in unavailable ranges`);
      nodePresent += present;
    }
    const b = nodeBase[nid];
    mem.store(b + N_NODE_ID, nid);
    mem.store(b + N_START_PFN, n.start);
    mem.store(b + N_SPANNED, n.end - n.start);
    mem.store(b + N_PRESENT, nodePresent);
    mem.store(b + N_KSWAPD_HIGHEST_ZONEIDX, MAX_NR_ZONES);
    physpages += nodePresent;
  }

  // memblock_free_all: every free range, in the largest naturally aligned chunks, to the list tails.
  for (const r of memblock.freeRanges()) {
    const lo = PFN_UP(Number(r.start));
    const hi = PFN_DOWN(Number(r.end));
    for (const zone of k.zones) {
      const a = Math.max(lo, zone.zone_start_pfn);
      const b = Math.min(hi, zone.zone_end_pfn());
      for (let pfn = a; pfn < b; ) {
        let order = pfn ? Math.min(MAX_ORDER, 31 - Math.clz32(pfn & -pfn)) : MAX_ORDER;
        while (pfn + (1 << order) > b) order--;
        for (let q = pfn; q < pfn + (1 << order); q++) {
          pages.clear(q, PG_reserved);
          mem.store(pages.field(q, PG_REFCOUNT), 0);
        }
        zone.add_managed(1 << order);
        k.buddy.__free_one_page(zone, pfn, order, pages.get_pageblock_migratetype(pfn), FPI_TO_TAIL);
        pfn += 1 << order;
      }
    }
  }
  for (const z of k.zones) ref.totalram_pages += z.managed_pages;
  ref.reserved_pages = physpages - ref.totalram_pages;

  // init_per_zone_wmark_min: min_free_kbytes, watermarks, lowmem_reserve, totalreserve.
  let lowmemPages = 0;
  for (const z of k.zones) if (z.idx !== ZONE_MOVABLE) lowmemPages += z.managed_pages;
  ref.min_free_kbytes = c.minFreeKbytes || calculate_min_free_kbytes(lowmemPages * (PAGE_SIZE >> 10));
  setup_per_zone_wmarks(k.zones, ref.min_free_kbytes, c.watermarkScaleFactor);
  for (let nid = 0; nid < c.nodes; nid++) {
    const zs = k.nodeZones(nid);
    zs.forEach((z, i) => z.setLowmemReserve(lowmemReserve(zs, i)));
    mem.store(nodeBase[nid] + N_TOTALRESERVE, totalreserve_pages(zs));
  }

  // Pagesets: sized from the zone (zone_batchsize, zone_highsize), or boot/disabled (high 0, batch 1).
  for (let cpu = 0; cpu < ncpus; cpu++) {
    k.zones.forEach((z, i) => {
      const on = c.pcp && z.managed_pages > 0;
      const batch = on ? Math.max(1, zone_batchsize(z.managed_pages)) : 1;
      k.pageset(cpu, i).init(on ? zone_highsize(z.wmark(WMARK_LOW), batch, c.cpusPerNode) : 0, batch);
    });
  }

  // build_all_zonelists: nodes by distance, each node's zones from the highest down.
  const nodeLoad = new Array<number>(c.nodes).fill(0);
  for (let nid = 0; nid < c.nodes; nid++) {
    const order = nodeOrder(ref.distance, nid, nodeLoad, nodes);
    ref.node_order.push(order);
    const list: number[] = [];
    for (const n of order) for (let z = MAX_NR_ZONES - 1; z >= 0; z--) if (k.zones[n * MAX_NR_ZONES + z].managed_pages > 0) list.push(n * MAX_NR_ZONES + z);
    ref.zonelists.push(list);
  }
  info(`Built ${c.nodes} zonelists, mobility grouping ${c.mobility ? 'on' : 'off'}.  Total pages: ${ref.totalram_pages}`);
  const K = (p: number) => `${p * (PAGE_SIZE >> 10)}K`;
  info(`Memory: ${K(ref.totalram_pages)}/${K(physpages)} available (${c.kernelSize >> 10}K kernel code, 0K rwdata, 0K rodata, 0K init, 0K bss, ${K(ref.reserved_pages)} reserved, 0K cma-reserved)`);
  return { kernel: new Kernel(mem, ref), memblock, log };
}

/** Boot a machine into an image of its own (single-threaded users: the CLI, tests, benchmarks). */
export function bootMachine(c: BootConfig): BootResult & { arena: Arena; mem: AtomicsMem } {
  const arena = Arena.create(kernelImageBytes(c));
  const mem = new AtomicsMem(arena.sab);
  return { ...boot(arena, mem, c), arena, mem };
}

/** arm_add_memory: page-align, drop what lies below PHYS_OFFSET (logging it), add. */
function arm_add_memory(mb: Memblock, c: BootConfig, start: number, size: number, what: string, info: (s: string) => void): void {
  const aligned = Math.ceil(start / PAGE_SIZE) * PAGE_SIZE;
  size = aligned > start + size ? 0 : size - (aligned - start);
  start = aligned;
  if (start < c.physOffset) {
    const hex = (v: number) => '0x' + v.toString(16).padStart(8, '0');
    if (start + size <= c.physOffset) {
      info(`Ignoring memory below PHYS_OFFSET: ${hex(start)}-${hex(start + size)}`);
      return;
    }
    info(`Ignoring memory below PHYS_OFFSET: ${hex(start)}-${hex(c.physOffset)}`);
    size -= c.physOffset - start;
    start = c.physOffset;
  }
  size -= size % PAGE_SIZE;
  if (!size) return;
  if (start + size > c.physOffset + c.mem) {
    throw new ConfigError('--cmdline', `${what} reaches ${pa(start + size - 1)}, past the machine's RAM, which ends at ${pa(c.physOffset + c.mem - 1)}`, `mem= up to ${c.mem / 2 ** 20}M from PHYS_OFFSET`);
  }
  mb.add(BigInt(start), BigInt(size), 'arm_add_memory');
}

/** zone_spanned_pages_in_node with adjust_zone_range_for_zone_movable. Returns [start, end). */
function zoneSpan(z: number, n: NodeSpan, lowest: number[], highest: number[], movablePfn: number, movableZone: number): [number, number] {
  if (!n.start && !n.end) return [0, 0];
  const clamp = (v: number, lo: number, hi: number) => Math.min(Math.max(v, lo), hi);
  let zs = z === ZONE_MOVABLE ? 0 : clamp(n.start, lowest[z], highest[z]);
  let ze = z === ZONE_MOVABLE ? 0 : clamp(n.end, lowest[z], highest[z]);
  if (movablePfn) {
    if (z === ZONE_MOVABLE) {
      zs = movablePfn;
      ze = Math.min(n.end, highest[movableZone]);
    } else if (zs < movablePfn && ze > movablePfn) ze = movablePfn;
    else if (zs >= movablePfn) zs = ze;
  }
  if (ze < n.start || zs > n.end) return [0, 0];
  ze = Math.min(ze, n.end);
  zs = Math.max(zs, n.start);
  return ze > zs ? [zs, ze] : [0, 0];
}

/**
 * find_zone_movable_pfns_for_nodes for movablecore= (mm/mm_init.c, 6.6): kernelcore is all
 * memory less the movable request (rounded up to MAX_ORDER blocks), spread over the nodes
 * with memory from their low end. Pages below the movable zone's lowest pfn count toward it
 * whole; a node that cannot hold its share leaves the rest to another pass over the nodes
 * with one node fewer in the division, which pushes the others' ZONE_MOVABLE further up.
 * Each start is rounded up to a MAX_ORDER block; one at or past its node's end is none.
 */
function zoneMovablePfns(mb: Memblock, nodes: NodeSpan[], movablecore: number, usableStart: number): number[] {
  const out = nodes.map(() => 0);
  const ranges = mb.memory.numberRegions().filter((r) => r.size).map((r) => ({ nid: r.nid, start: PFN_UP(r.base), end: PFN_DOWN(r.base + r.size) }));
  const total = ranges.reduce((sum, r) => sum + r.end - r.start, 0);
  const movable = Math.min(total, Math.ceil(PFN_UP(movablecore) / MAX_ORDER_NR_PAGES) * MAX_ORDER_NR_PAGES);
  let required = total - movable;
  if (!movablecore || !required) return out;
  let usableNodes = nodes.filter((n) => n.end > n.start).length;
  do {
    let perNode = Math.floor(required / usableNodes);
    nodes.forEach((n, nid) => {
      if (n.end === n.start) return;
      if (required < perNode) perNode = Math.floor(required / usableNodes);
      let remaining = perNode;
      for (const r of ranges) {
        if (r.nid !== nid) continue;
        let s = Math.max(r.start, out[nid]);
        if (s >= r.end) continue;
        if (s < usableStart) {
          const kernelPages = Math.min(r.end, usableStart) - s;
          remaining -= Math.min(kernelPages, remaining);
          required -= Math.min(kernelPages, required);
          if (r.end <= usableStart) {
            out[nid] = r.end;
            continue;
          }
          s = usableStart;
        }
        const take = Math.min(r.end - s, remaining);
        out[nid] = s + take;
        required -= Math.min(required, take);
        remaining -= take;
        if (!remaining) break;
      }
    });
    usableNodes--;
  } while (usableNodes && required > usableNodes);
  return out.map((pfn, nid) => {
    const up = Math.ceil(pfn / MAX_ORDER_NR_PAGES) * MAX_ORDER_NR_PAGES;
    return up >= nodes[nid].end ? 0 : up;
  });
}

/**
 * build_zonelists' node order: find_next_best_node by distance, preferring the next
 * node up, nodes without CPUs, and the less loaded (node_load round-robins equal distances).
 */
function nodeOrder(distance: number[][], local: number, nodeLoad: number[], spans: NodeSpan[]): number[] {
  const used = new Set<number>([local]);
  const order = [local];
  let prev = local;
  for (;;) {
    let best = -1;
    let min = Infinity;
    for (let n = 0; n < distance.length; n++) {
      if (used.has(n) || spans[n].end === spans[n].start) continue;
      // Every node has CPUs here, so each pays PENALTY_FOR_NODE_WITH_CPUS.
      const val = (distance[local][n] + (n < local ? 1 : 0) + PENALTY_FOR_NODE_WITH_CPUS) * MAX_NUMNODES + nodeLoad[n];
      if (val < min) {
        min = val;
        best = n;
      }
    }
    if (best < 0) return order;
    used.add(best);
    if (distance[local][best] !== distance[local][prev]) nodeLoad[best] += 1;
    order.push(best);
    prev = best;
  }
}

