import type { Mem } from '../shm/mem.js';
import { ACC_EXEC, ACC_WRITE } from './pte.js';

/**
 * Segmentation: a logical address is <segment, offset>; the segment table, found through
 * STBR and bounded by STLR, gives each segment a base, a limit, a valid bit and r/w/x bits.
 * The hardware checks, in order, the segment number against STLR and the valid bit, the
 * offset against the limit, then the access against the bits; only then relocates.
 * Segments may be shared: two tables may name the same base.
 */
export const SEG_VALID = 1;
export const SEG_R = 2;
export const SEG_W = 4;
export const SEG_X = 8;
/** Not a hardware bit: the segment is shared, so its bytes are not one process's to check. */
export const SEG_SHARED = 16;

export const S_BASE = 0;
export const S_LIMIT = 1;
export const S_FLAGS = 2;
export const SEG_WORDS = 4;

/** Traps, with the reason, as negative results of `segTranslate`. */
export const TRAP_SEGMENT = -1;
export const TRAP_LIMIT = -2;
export const TRAP_PROT = -3;

/** Broken on purpose: relocate without comparing the offset to the limit. */
export const VARIANT_NO_SEG_LIMIT = 1;

function needBit(acc: number): number {
  return acc === ACC_WRITE ? SEG_W : acc === ACC_EXEC ? SEG_X : SEG_R;
}

/** The physical word of <s, offset> (offsets in words), or a trap. */
export function segTranslate(mem: Mem, stbr: number, stlr: number, s: number, offset: number, acc: number, variant = 0): number {
  if (s < 0 || s >= stlr) return TRAP_SEGMENT;
  const e = stbr + s * SEG_WORDS;
  const flags = mem.load(e + S_FLAGS);
  if ((flags & SEG_VALID) === 0) return TRAP_SEGMENT;
  if (offset < 0 || (variant !== VARIANT_NO_SEG_LIMIT && offset >= mem.load(e + S_LIMIT))) return TRAP_LIMIT;
  if ((flags & needBit(acc)) === 0) return TRAP_PROT;
  return mem.load(e + S_BASE) + offset;
}

/** What the rules say <s, offset> must give, from a process's own copy of its table (the oracle's side). */
export function segExpected(limits: Int32Array, flags: Int32Array, stlr: number, s: number, offset: number, acc: number): number {
  if (s < 0 || s >= stlr || (flags[s] & SEG_VALID) === 0) return TRAP_SEGMENT;
  if (offset < 0 || offset >= limits[s]) return TRAP_LIMIT;
  if ((flags[s] & needBit(acc)) === 0) return TRAP_PROT;
  return 0;
}

export function setSegment(mem: Mem, stbr: number, s: number, base: number, limit: number, flags: number): void {
  const e = stbr + s * SEG_WORDS;
  mem.store(e + S_BASE, base);
  mem.store(e + S_LIMIT, limit);
  mem.store(e + S_FLAGS, flags);
}
