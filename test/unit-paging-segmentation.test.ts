import { describe, expect, it } from 'vitest';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { ACC_EXEC, ACC_READ, ACC_WRITE } from '../src/paging/pte.js';
import {
  SEG_R, SEG_VALID, SEG_W, SEG_X, TRAP_LIMIT, TRAP_PROT, TRAP_SEGMENT, VARIANT_NO_SEG_LIMIT, segExpected, segTranslate, setSegment,
} from '../src/paging/segmentation.js';

/** The hardware's checks (segTranslate) against the oracle's rules (segExpected), on every boundary. */
const STBR = 8;
const SEGS: [number, number, number][] = [
  [100, 10, SEG_VALID | SEG_R | SEG_W],
  [200, 10, SEG_R | SEG_W], // not valid
  [500, 1, SEG_VALID | SEG_X],
  [700, 0, SEG_VALID | SEG_R],
  [900, 50, SEG_VALID | SEG_R], // past STLR = 4
];
const STLR = 4;

function table() {
  const arena = Arena.create(1 << 12);
  const mem = new AtomicsMem(arena.sab);
  SEGS.forEach(([base, limit, flags], s) => setSegment(mem, STBR, s, base, limit, flags));
  return mem;
}

describe('segmentation', () => {
  it('traps with three distinct negative reasons', () => {
    expect(new Set([TRAP_SEGMENT, TRAP_LIMIT, TRAP_PROT]).size).toBe(3);
    for (const t of [TRAP_SEGMENT, TRAP_LIMIT, TRAP_PROT]) expect(t).toBeLessThan(0);
  });

  it('checks the segment against STLR, even when the table holds a valid entry past it, then the valid bit', () => {
    const mem = table();
    expect(segTranslate(mem, STBR, STLR, 4, 0, ACC_READ)).toBe(TRAP_SEGMENT);
    expect(segTranslate(mem, STBR, STLR, -1, 0, ACC_READ)).toBe(TRAP_SEGMENT);
    expect(segTranslate(mem, STBR, STLR, 1, 0, ACC_READ)).toBe(TRAP_SEGMENT);
    expect(segTranslate(mem, STBR, 5, 4, 4, ACC_READ)).toBe(904);
  });

  it('relocates offset limit - 1 and traps at the limit itself (the broken variant relocates it)', () => {
    const mem = table();
    expect(segTranslate(mem, STBR, STLR, 0, 9, ACC_WRITE)).toBe(109);
    expect(segTranslate(mem, STBR, STLR, 0, 10, ACC_WRITE)).toBe(TRAP_LIMIT);
    expect(segTranslate(mem, STBR, STLR, 0, -1, ACC_READ)).toBe(TRAP_LIMIT);
    expect(segTranslate(mem, STBR, STLR, 3, 0, ACC_READ)).toBe(TRAP_LIMIT);
    expect(segTranslate(mem, STBR, STLR, 0, 10, ACC_WRITE, VARIANT_NO_SEG_LIMIT)).toBe(110);
    expect(segTranslate(mem, STBR, STLR, 0, -1, ACC_READ, VARIANT_NO_SEG_LIMIT)).toBe(TRAP_LIMIT);
  });

  it('checks the access against r/w/x only after the limit', () => {
    const mem = table();
    expect(segTranslate(mem, STBR, STLR, 2, 0, ACC_EXEC)).toBe(500);
    expect(segTranslate(mem, STBR, STLR, 2, 0, ACC_READ)).toBe(TRAP_PROT);
    expect(segTranslate(mem, STBR, STLR, 2, 0, ACC_WRITE)).toBe(TRAP_PROT);
    expect(segTranslate(mem, STBR, STLR, 2, 1, ACC_WRITE)).toBe(TRAP_LIMIT);
    expect(segTranslate(mem, STBR, STLR, 0, 0, ACC_EXEC)).toBe(TRAP_PROT);
  });

  it("agrees with the oracle's rules at every segment, offset and access around the boundaries", () => {
    const mem = table();
    const limits = Int32Array.from(SEGS, ([, l]) => l);
    const flags = Int32Array.from(SEGS, ([, , f]) => f);
    for (let s = -1; s <= 5; s++) {
      for (let off = -1; off <= 11; off++) {
        for (const acc of [ACC_READ, ACC_WRITE, ACC_EXEC]) {
          const want = segExpected(limits, flags, STLR, s, off, acc);
          expect(segTranslate(mem, STBR, STLR, s, off, acc), `<${s}, ${off}> acc ${acc}`).toBe(want === 0 ? SEGS[s][0] + off : want);
        }
      }
    }
    expect(segExpected(limits, flags, STLR, 0, 3, ACC_READ)).toBe(0);
  });
});
