import { ConfigError } from '../errors.js';
import type { Mem } from '../shm/mem.js';
import type { FrameAllocator } from './frames.js';
import { HashedPageTable } from './hashed.js';
import { InvertedPageTable, type InvertedRef } from './inverted.js';
import { PT_KINDS, type PageTable, type PtKind } from './pagetable.js';
import { FOUR_LEVEL, RadixPageTable, TWO_LEVEL } from './radix.js';

/** What opening any page table needs besides its header: the system's inverted table when there is one. */
export interface PtEnv {
  mem: Mem;
  frames: FrameAllocator;
  ipt?: InvertedRef;
  /** The lock owner for the inverted table's lock. */
  cpu: number;
}

/** Virtual-address bits each kind translates: i386's 32; x86-64's 48 user-and-kernel bits for the rest. */
export const VA_BITS: Readonly<Record<PtKind, number>> = { 'two-level': 32, 'four-level': 48, hashed: 48, clustered: 48, inverted: 48 };

export function checkPtKind(field: string, kind: string): PtKind {
  if (!(PT_KINDS as readonly string[]).includes(kind)) throw new ConfigError(field, `unknown page table '${kind}'`, PT_KINDS.join(', '));
  return kind as PtKind;
}

/** Set a fresh header for a table of `kind`. */
export function initPageTable(mem: Mem, kind: PtKind, header: number): void {
  if (kind === 'two-level' || kind === 'four-level') RadixPageTable.initHeader(mem, header);
  else if (kind === 'inverted') InvertedPageTable.initHeader(mem, header);
  else HashedPageTable.initHeader(mem, header);
}

/** A view of the table whose header is at `header`, for process `pid`. */
export function openPageTable(env: PtEnv, kind: PtKind, header: number, pid: number): PageTable {
  switch (kind) {
    case 'two-level':
      return new RadixPageTable(env.mem, env.frames, header, TWO_LEVEL);
    case 'four-level':
      return new RadixPageTable(env.mem, env.frames, header, FOUR_LEVEL);
    case 'hashed':
    case 'clustered':
      return new HashedPageTable(env.mem, env.frames, header, kind === 'clustered');
    case 'inverted':
      if (!env.ipt) throw new ConfigError('--pt', 'inverted needs the system inverted table, and this image has none', 'an image built with --pt inverted');
      return new InvertedPageTable(env.mem, env.ipt, header, pid, env.cpu);
  }
}
