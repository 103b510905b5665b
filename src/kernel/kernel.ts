import type { Mem } from '../shm/mem.js';
import { Buddy } from './buddy.js';
import type { MemblockRef } from './memblock.js';
import { MAX_NR_ZONES, N_TOTALRESERVE, type ZoneRef } from './mmzone.js';
import { MemMap, type MemMapRef } from './page.js';
import { PCP_WORDS, PerCpuPages } from './pcp.js';
import { Zone } from './zone.js';

/**
 * A booted machine, as plain data a worker re-attaches from: where every structure
 * lives (word indices) and the topology. Boot writes it; nothing in it changes after.
 */
export interface KernelRef {
  /** Kernel-wide words: bad_page reports (see H_*). */
  header: number;
  memblock: MemblockRef;
  memmap: MemMapRef;
  /** Every zone of every node, zones[nid * MAX_NR_ZONES + zone_idx], populated or not. */
  zones: ZoneRef[];
  /** pg_data_t base word per node. */
  nodes: number[];
  nr_cpus: number;
  cpu_to_node: number[];
  /** ZONELIST_FALLBACK per node: indices into zones, in the order allocation tries them. */
  zonelists: number[][];
  /** The order nodes are tried from each node (build_zonelists' node_order). */
  node_order: number[][];
  distance: number[][];
  /** Pagesets: (cpu * zones.length + zone) * PCP_WORDS from here. */
  pcp: number;
  min_free_kbytes: number;
  watermark_scale_factor: number;
  mobility: boolean;
  zoneLock: boolean;
  /** The ignore-migratetype variant (see Buddy). */
  ignoreMigratetype?: boolean;
  pcpEnabled: boolean;
  /** totalram_pages: pages released to the buddy allocator at boot. */
  totalram_pages: number;
  /** Pages reserved at boot (physpages - totalram): kernel image, memmap, holes excluded. */
  reserved_pages: number;
  kernel_pages: number;
}

/** bad_page(): how many, and the last pfn reported. */
export const H_BAD_PAGE = 0;
export const H_BAD_PAGE_PFN = 1;
export const H_BAD_PAGE_REASON = 2;
/** Slow-path events: direct reclaim entered (allocstall), allocations failed, drain_all_pages runs. */
export const H_ALLOCSTALL = 3;
export const H_ALLOC_FAIL = 4;
export const H_DRAIN_ALL = 5;
export const HEADER_WORDS = 16;
export const BAD_PAGE_REASONS = ['', 'nonzero _refcount', 'nonzero mapcount', 'non-NULL mapping', 'PAGE_FLAGS_CHECK_AT_FREE flag(s) set', 'freed while free (PageBuddy)'] as const;

/** The kernel's structures attached to an image, in any thread. */
export class Kernel {
  readonly pages: MemMap;
  readonly zones: Zone[];
  private readonly byNode: Zone[][];
  readonly buddy: Buddy;

  constructor(
    readonly mem: Mem,
    readonly ref: KernelRef,
  ) {
    this.pages = new MemMap(mem, ref.memmap);
    this.buddy = new Buddy(this.pages, !ref.mobility, ref.ignoreMigratetype === true);
    this.zones = ref.zones.map((z) => new Zone(mem, z, this.pages, !ref.zoneLock));
    // Built once: the allocator's slow path asks for a node's zones on every wakeup of kswapd.
    this.byNode = ref.nodes.map((_, nid) => this.zones.slice(nid * MAX_NR_ZONES, (nid + 1) * MAX_NR_ZONES));
  }

  get nr_nodes(): number {
    return this.ref.nodes.length;
  }

  /** NODE_DATA(nid)->node_zones: the node's zones, by zone index. */
  nodeZones(nid: number): readonly Zone[] {
    return this.byNode[nid];
  }

  /** page_zone. */
  page_zone(pfn: number): Zone {
    return this.zones[this.pages.page_to_nid(pfn) * MAX_NR_ZONES + this.pages.page_zonenum(pfn)];
  }

  /** Word of a CPU's pageset for zone index z. */
  pcpWord(cpu: number, z: number): number {
    return this.ref.pcp + (cpu * this.zones.length + z) * PCP_WORDS;
  }

  /** per_cpu_ptr(zone->per_cpu_pageset, cpu), as a view (allocate once per CPU, not per call). */
  pageset(cpu: number, z: number): PerCpuPages {
    return new PerCpuPages(this.mem, this.pcpWord(cpu, z), this.zones[z], this.buddy, cpu);
  }

  totalreserve_pages(nid: number): number {
    return this.mem.load(this.ref.nodes[nid] + N_TOTALRESERVE);
  }

  /** Sum of a pageset statistic over CPUs, for one zone or all. */
  pcpStat(s: number, z = -1): number {
    let n = 0;
    for (let cpu = 0; cpu < this.ref.nr_cpus; cpu++) {
      for (let i = 0; i < this.zones.length; i++) if (z < 0 || z === i) n += this.mem.load(this.pcpWord(cpu, i) + s);
    }
    return n;
  }
}
