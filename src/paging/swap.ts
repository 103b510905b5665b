import { closeSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import { PAGE_SIZE } from './pte.js';

/** Slot states: a slot is allocated WRITING when its page is unmapped, READY once the bytes are in the file. */
const S_FREE = 0;
const S_WRITING = 1;
const S_READY = 2;

/** A swap device: a real file of 4 KiB slots, with swap_map counts and states in the image. */
export interface SwapRef {
  path: string;
  slots: number;
  /** swap_map: references to each slot (PTEs holding its swap entry). */
  map: number;
  state: number;
  /** Checksum of the bytes written to each slot, checked when they are read back. */
  sum: number;
  cursor: number;
}

export function swapBytes(slots: number): number {
  return slots * 12 + 256;
}

/** FNV-1a over a frame's 1024 words: what went out must come back. */
export function frameChecksum(mem: Mem, byteOffset: number): number {
  let h = 0x811c9dc5 | 0;
  const w0 = byteOffset >> 2;
  for (let i = 0; i < PAGE_SIZE >> 2; i++) h = Math.imul(h ^ mem.read(w0 + i), 0x01000193);
  return h;
}

/**
 * swapon on the main thread: create (or truncate) the file at `path` to `slots` pages and
 * lay out swap_map. A path that cannot be written is the user's mistake: a ConfigError.
 */
export function createSwap(arena: Arena, path: string, slots: number): SwapRef {
  try {
    const fd = openSync(path, 'w+');
    ftruncateSync(fd, slots * PAGE_SIZE);
    closeSync(fd);
  } catch (err) {
    throw new ConfigError('--swap', `cannot create the swap file '${path}': ${(err as Error).message}`, 'a writable file path, e.g. ./swap.img');
  }
  return {
    path,
    slots,
    map: arena.allocWords('paging.swap.map', slots),
    state: arena.allocWords('paging.swap.state', slots),
    sum: arena.allocWords('paging.swap.sum', slots),
    cursor: arena.allocWords('paging.swap.cursor', 1),
  };
}

export class SwapDevice {
  private fd = -1;
  writes = 0;
  reads = 0;

  constructor(
    private readonly mem: Mem,
    readonly ref: SwapRef,
  ) {}

  private file(): number {
    if (this.fd < 0) this.fd = openSync(this.ref.path, 'r+');
    return this.fd;
  }

  /**
   * get_swap_page: a free slot, state WRITING, with two references: the PTE's and the
   * writer's (Linux's SWAP_HAS_CACHE), so that a process that exits before the write is
   * done cannot free the slot under it. The writer drops its own with `free` after `write`.
   * -1 when the device is full.
   */
  alloc(): number {
    const mem = this.mem;
    const n = this.ref.slots;
    const from = mem.add(this.ref.cursor, 1) % n;
    for (let k = 0; k < n; k++) {
      const s = (from + k) % n;
      if (mem.compareExchange(this.ref.map + s, 0, 2) === 0) {
        mem.store(this.ref.state + s, S_WRITING);
        return s;
      }
    }
    return -1;
  }

  /** swap_writepage: the frame's bytes to the slot, then READY (waking any fault waiting for them). */
  write(slot: number, byteOffset: number): void {
    this.mem.store(this.ref.sum + slot, frameChecksum(this.mem, byteOffset));
    writeSync(this.file(), this.mem.u8, byteOffset, PAGE_SIZE, slot * PAGE_SIZE);
    this.writes++;
    this.mem.store(this.ref.state + slot, S_READY);
    this.mem.notify(this.ref.state + slot, Infinity);
  }

  /** Whether the slot's bytes are in the file yet. */
  ready(slot: number): boolean {
    return this.mem.load(this.ref.state + slot) === S_READY;
  }

  stateWord(slot: number): number {
    return this.ref.state + slot;
  }

  /** swap_readpage into a frame; true when the bytes match what was written. Call once `ready`. */
  read(slot: number, byteOffset: number): boolean {
    readSync(this.file(), this.mem.u8, byteOffset, PAGE_SIZE, slot * PAGE_SIZE);
    this.reads++;
    return frameChecksum(this.mem, byteOffset) === this.mem.load(this.ref.sum + slot);
  }

  /** The 32-bit word at `byte` of the slot's bytes in the file (an oracle's look, not a swap-in). */
  peek32(slot: number, byte: number): number {
    const b = Buffer.alloc(4);
    readSync(this.file(), b, 0, 4, slot * PAGE_SIZE + byte);
    return b.readInt32LE(0);
  }

  /** swap_duplicate: another PTE holds the entry (fork). */
  dup(slot: number): void {
    this.mem.add(this.ref.map + slot, 1);
  }

  /** swap_free: one reference fewer; the slot is free at zero. Returns the references left. */
  free(slot: number): number {
    const left = this.mem.sub(this.ref.map + slot, 1) - 1;
    if (left === 0) this.mem.store(this.ref.state + slot, S_FREE);
    return left;
  }

  count(slot: number): number {
    return this.mem.load(this.ref.map + slot);
  }

  used(): number {
    let n = 0;
    for (let s = 0; s < this.ref.slots; s++) if (this.mem.load(this.ref.map + s) > 0) n++;
    return n;
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
