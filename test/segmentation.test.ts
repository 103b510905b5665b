import { describe, expect, it } from 'vitest';
import { MUTATING } from './mutating.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { ACC_EXEC, ACC_READ, ACC_WRITE } from '../src/paging/pte.js';
import {
  SEG_R, SEG_VALID, SEG_W, SEG_X, TRAP_LIMIT, TRAP_PROT, TRAP_SEGMENT, VARIANT_NO_SEG_LIMIT, segTranslate, setSegment,
} from '../src/paging/segmentation.js';
import { runStress } from '../src/lab/stress.js';

function table() {
  const arena = Arena.create(1 << 12);
  const mem = new AtomicsMem(arena.sab);
  const t = arena.allocWords('st', 16);
  // The textbook's example: segment 2 at base 4300, limit 400; segment 3 read/execute only.
  setSegment(mem, t, 0, 1400, 1000, SEG_VALID | SEG_R | SEG_W);
  setSegment(mem, t, 1, 6300, 400, 0);
  setSegment(mem, t, 2, 4300, 400, SEG_VALID | SEG_R | SEG_W);
  setSegment(mem, t, 3, 3200, 1100, SEG_VALID | SEG_R | SEG_X);
  return { mem, t };
}

describe('segment table', () => {
  it('relocates <s, d> to base + d once every check passes', () => {
    const { mem, t } = table();
    expect(segTranslate(mem, t, 4, 2, 53, ACC_READ)).toBe(4353);
    expect(segTranslate(mem, t, 4, 3, 852, ACC_EXEC)).toBe(4052);
  });

  it('traps in order: segment (STLR, valid bit), then limit, then protection', () => {
    const { mem, t } = table();
    expect(segTranslate(mem, t, 4, 4, 0, ACC_READ)).toBe(TRAP_SEGMENT);
    expect(segTranslate(mem, t, 3, 3, 0, ACC_READ)).toBe(TRAP_SEGMENT);
    expect(segTranslate(mem, t, 4, 1, 0, ACC_READ)).toBe(TRAP_SEGMENT);
    expect(segTranslate(mem, t, 4, 0, 1222, ACC_READ)).toBe(TRAP_LIMIT);
    expect(segTranslate(mem, t, 4, 3, 2000, ACC_WRITE)).toBe(TRAP_LIMIT);
    expect(segTranslate(mem, t, 4, 3, 10, ACC_WRITE)).toBe(TRAP_PROT);
    expect(segTranslate(mem, t, 4, 2, 10, ACC_EXEC)).toBe(TRAP_PROT);
  });

  it('without the limit check an offset past the limit lands in the next segment', () => {
    const { mem, t } = table();
    expect(segTranslate(mem, t, 4, 0, 1222, ACC_READ, VARIANT_NO_SEG_LIMIT)).toBe(2622);
  });
});

describe.skipIf(MUTATING)('segmentation scenario on real workers', () => {
  it('correct: every trap comes with its reason, shared code stays intact', async () => {
    const r = await runStress({ scenario: 'segmentation', params: { procs: 3, duration: '700ms' }, stopOnForbidden: true });
    expect(r.verdict).toBe('pass');
    for (const id of ['trap-segment', 'trap-limit', 'trap-protection', 'ok']) expect(r.outcomes.find((o) => o.outcome === id)?.count, id).toBeGreaterThan(0);
  });

  it('no-limit-check: caught', async () => {
    const r = await runStress({ scenario: 'segmentation', params: { procs: 3, duration: '5s', variant: 'no-limit-check' }, stopOnForbidden: true });
    expect(r.verdict).toBe('fail');
    expect(r.outcomes.find((o) => o.outcome === 'missed-trap')?.count).toBeGreaterThan(0);
  });
});
