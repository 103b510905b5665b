import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import { boot, kernelImageBytes } from '../kernel/boot.js';
import type { KernelRef } from '../kernel/kernel.js';
import { InvertedTable, type InvertedRef } from './inverted.js';
import { pagingBootConfig, pagingSpan } from './kernel_frames.js';
import { MM_WORDS } from './mm.js';
import type { PtKind } from './pagetable.js';
import { createRmap, rmapBytes, type Policy, type RmapRef } from './reclaim.js';
import { createShootdown, type ShootdownRef } from './shootdown.js';
import { createSwap, swapBytes, type SwapRef } from './swap.js';
import { createTlbs, TLB_ENTRY_WORDS, type TlbRef } from './tlb.js';

export interface MachineConfig {
  cpus: number;
  frames: number;
  tlbEntries: number;
  pt: PtKind;
  /** mm slots: the most processes alive at once. */
  maxProcs: number;
  /** A swap file and its size in slots; none: a fault that finds no frame is -ENOMEM. */
  swap?: { path: string; slots: number; policy: Policy };
  /** Per-CPU pagesets (default on); off sends every fault and free through the zone lock. */
  pcp?: boolean;
}

/** The whole paging machine in the image, as plain data for workers. */
export interface MachineRef {
  pt: PtKind;
  /** The one-node kernel every user and page-table frame comes from (see pagingBootConfig). */
  kernel: KernelRef;
  /** pfns run below this (the node's span): the size of pfn-indexed tables. */
  nframes: number;
  ipt?: InvertedRef;
  tlb: TlbRef;
  shootdown: ShootdownRef;
  mms: number;
  maxProcs: number;
  swap?: SwapRef;
  rmap: RmapRef;
  policy: Policy;
}

/** Frames for the inverted table's per-process side tables: a bucket frame each and nodes for every swap slot. */
function sideFrames(c: MachineConfig): number {
  return c.maxProcs * 2 + Math.ceil((c.swap?.slots ?? 0) / 255) * 2;
}

export function machineBytes(c: MachineConfig): number {
  return (
    kernelImageBytes(pagingBootConfig(c.frames, c.cpus, c.pcp)) +
    (c.pt === 'inverted' ? InvertedTable.bytes(pagingSpan(c.frames), sideFrames(c)) : 0) +
    c.cpus * c.tlbEntries * TLB_ENTRY_WORDS * 4 +
    c.cpus * (c.cpus + 1) * 64 +
    c.maxProcs * MM_WORDS * 4 +
    (c.swap ? swapBytes(c.swap.slots) : 0) +
    rmapBytes(pagingSpan(c.frames)) +
    4096
  );
}

export function createMachine(arena: Arena, mem: Mem, c: MachineConfig): MachineRef {
  const { kernel } = boot(arena, mem, pagingBootConfig(c.frames, c.cpus, c.pcp));
  if (kernel.ref.totalram_pages !== c.frames) throw new Error(`paging kernel manages ${kernel.ref.totalram_pages} pages, not ${c.frames}`);
  const nframes = pagingSpan(c.frames);
  return {
    pt: c.pt,
    kernel: kernel.ref,
    nframes,
    ipt: c.pt === 'inverted' ? InvertedTable.create(arena, mem, nframes, sideFrames(c)) : undefined,
    tlb: createTlbs(arena, mem, c.cpus, c.tlbEntries),
    shootdown: createShootdown(arena, c.cpus),
    mms: arena.allocWords('paging.mms', c.maxProcs * MM_WORDS),
    maxProcs: c.maxProcs,
    swap: c.swap ? createSwap(arena, c.swap.path, c.swap.slots) : undefined,
    rmap: createRmap(arena, mem, nframes),
    policy: c.swap?.policy ?? 'clock',
  };
}
