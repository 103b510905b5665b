import { describe, expect, it } from 'vitest';
import type { Machine } from '../src/runtime/machine.js';
import { K, TRACE_WORDS } from '../src/lab/det/block.js';
import { LONG_GAP_MS, uncontrolledSigns } from '../src/lab/det/uncontrolled.js';

/**
 * uncontrolledSigns() on a run built by hand: an image of 128 words, 0-31 the scenario's
 * (`ring.slots`), 32-127 the runtime's counters (actor a's longest gap at 40 + 32a), and a
 * trace written entry by entry. Each sign with its exact text, and the runs that show none.
 */
const WORDS = 128;
const GAP = (a: number) => 32 + a * 32 + 8;

function machine(now: Int32Array, roles = ['put', 'get']): Machine {
  const regions = { 'ring.slots': { offset: 0, bytes: 128 }, 'runtime.counters': { offset: 128, bytes: 384 } };
  return {
    arena: { layout: () => ({ bytes: WORDS * 4, used: WORDS * 4, regions }) },
    mem: { i32: now },
    roles,
    control: { counters: 32 },
    wordName: (w: number) => `slot${w}`,
  } as unknown as Machine;
}

type Access = [kind: keyof typeof K, word: number, value: number, arg?: number, arg2?: number];

/** A trace of accesses by actor 1 with op 3 in each entry's first word (kind in bits 8-15). */
function trace(...steps: Access[]): Int32Array {
  const t = new Int32Array(steps.length * TRACE_WORDS);
  steps.forEach(([kind, w, v, a = 0, a2 = 0], s) => t.set([1 | (K[kind] << 8) | (3 << 16), w, v, a, a2], s * TRACE_WORDS));
  return t;
}

/** The image before the run (words 0-31 hold 100 + w) and after it (a copy to change). */
function images(): [Int32Array, Int32Array] {
  const before = new Int32Array(WORDS);
  for (let w = 0; w < 32; w++) before[w] = 100 + w;
  return [before, before.slice()];
}

const BEHIND = "word(s) changed behind the scheduler's back (plain typed-array writes, or Atomics on a view it cannot see)";

describe('uncontrolledSigns', () => {
  it('reports nothing for a run whose every change the trace explains', () => {
    const [before, now] = images();
    now[1] = 7; now[2] = 9; now[3] = 104; now[4] = 5; now[5] = 6; now[6] = 107; now[8] = 1; now[9] = 2;
    const t = trace(
      ['load', 1, 101], ['store', 1, 101, 0, 3], ['add', 1, 3, 0, 7], ['read', 1, 7], ['wait', 1, 7],
      ['cas', 2, 102, 102, 9], ['cas', 3, 103, 5, 6], ['load', 3, 103], ['write', 3, 103, 0, 104],
      ['exchange', 4, 104, 0, 5], ['sub', 5, 105, 0, 6], ['and', 6, 106, 0, 107], ['or', 6, 107, 0, 107],
      ['pause', 7, 999], ['notify', 7, 999], ['store64', 8, 1, 2], ['load64', 8, 1, 2],
    );
    expect(uncontrolledSigns(machine(now), before, t, true)).toEqual([]);
  });

  it('names a word whose value seen differs from the one the trace left there, with the step it was seen at', () => {
    const [before, now] = images();
    now[2] = 50;
    const t = trace(['load', 1, 101], ['store', 2, 102, 0, 40], ['load', 2, 50], ['load', 2, 51]);
    expect(uncontrolledSigns(machine(now), before, t, true)).toEqual([`1 ${BEHIND}: slot2 (seen changed at step 2)`]);
    const [b2, n2] = images();
    expect(uncontrolledSigns(machine(n2), b2, trace(['read', 4, 5]), false)).toEqual([`1 ${BEHIND}: slot4 (seen changed at step 0)`]);
  });

  it("names a word changed at the end of a finished run, and only of a finished one; not the runtime's words", () => {
    const [before, now] = images();
    now[31] = 0;
    now[40] = 7;
    now[100] = 3;
    expect(uncontrolledSigns(machine(now), before.slice(), trace(), true)).toEqual([`1 ${BEHIND}: slot31 (at the end)`]);
    expect(uncontrolledSigns(machine(now), before.slice(), trace(), false)).toEqual([]);
    expect(uncontrolledSigns(machine(now), before.slice(), trace(['load', 100, 1], ['load', 33, 1]), false)).toEqual([]);
  });

  it('checks what each access saw before it wrote: the old value of a store, an add, a failed compare-exchange', () => {
    for (const kind of ['store', 'write', 'add', 'sub', 'and', 'or', 'exchange', 'cas', 'wait', 'load64'] as const) {
      const [before, now] = images();
      expect([kind, uncontrolledSigns(machine(now), before, trace([kind, 6, 0, 107, 106]), false)]).toEqual([kind, [`1 ${BEHIND}: slot6 (seen changed at step 0)`]]);
    }
    const [before, now] = images();
    expect(uncontrolledSigns(machine(now), before, trace(['load64', 6, 106, 0]), false)).toEqual([`1 ${BEHIND}: slot7 (seen changed at step 0)`]);
  });

  it('takes a failed compare-exchange as leaving the value it saw, a successful one the replacement', () => {
    const [before, now] = images();
    const t = trace(['cas', 6, 106, 1, 2], ['load', 6, 106], ['cas', 6, 106, 106, 2], ['load', 6, 2]);
    now[6] = 2;
    expect(uncontrolledSigns(machine(now), before, t, true)).toEqual([]);
    const [b2, n2] = images();
    expect(uncontrolledSigns(machine(n2), b2, trace(['cas', 6, 106, 106, 2], ['load', 6, 106]), false)).toEqual([`1 ${BEHIND}: slot6 (seen changed at step 1)`]);
  });

  it('takes a 64-bit store as setting both words, and a 64-bit compare-exchange that wrote as leaving them unknown until seen', () => {
    const [before, now] = images();
    expect(uncontrolledSigns(machine(now), before, trace(['store64', 10, 1, 2], ['load', 10, 1], ['load', 11, 2], ['load', 11, 111]), false))
      .toEqual([`1 ${BEHIND}: slot11 (seen changed at step 3)`]);
    const [b2, n2] = images();
    n2[12] = 5; n2[13] = 6;
    const t = trace(['cas64', 12, 112, 113, 1], ['load', 12, 5], ['load', 12, 7]);
    expect(uncontrolledSigns(machine(n2), b2, t, true)).toEqual([`1 ${BEHIND}: slot12 (seen changed at step 2)`]);
    const [b3, n3] = images();
    n3[12] = 5; n3[13] = 6;
    expect(uncontrolledSigns(machine(n3), b3, trace(['cas64', 12, 112, 113, 1]), true)).toEqual([]);
    const [b4, n4] = images();
    n4[12] = 5;
    expect(uncontrolledSigns(machine(n4), b4, trace(['cas64', 12, 112, 113, 0]), true)).toEqual([`1 ${BEHIND}: slot12 (at the end)`]);
  });

  it('ignores accesses outside the image, and counts each word once, at its first sign', () => {
    const [before, now] = images();
    expect(uncontrolledSigns(machine(now), before, trace(['load', -1, 5], ['store', WORDS, 5, 0, 6], ['cas', WORDS + 1, 0, 0, 1]), true)).toEqual([]);
    const [b2, n2] = images();
    n2[0] = 1;
    expect(uncontrolledSigns(machine(n2), b2, trace(['load', 0, 1], ['load', 0, 2]), true)).toEqual([`1 ${BEHIND}: slot0 (seen changed at step 0)`]);
  });

  it('lists the first three words it found and counts the rest', () => {
    const [before, now] = images();
    for (const w of [3, 5, 9, 20]) now[w] = -1;
    expect(uncontrolledSigns(machine(now), before, trace(['load', 9, -1]), true)).toEqual([
      `4 ${BEHIND}: slot9 (seen changed at step 0), slot3 (at the end), slot5 (at the end), ...`,
    ]);
    const [b2, n2] = images();
    for (const w of [3, 5, 9]) n2[w] = -1;
    expect(uncontrolledSigns(machine(n2), b2, trace(), true)).toEqual([`3 ${BEHIND}: slot3 (at the end), slot5 (at the end), slot9 (at the end)`]);
  });

  it(`names each actor that ran ${LONG_GAP_MS} ms or more between two scheduling points, after the changed words`, () => {
    const [before, now] = images();
    now[GAP(0)] = LONG_GAP_MS - 1;
    now[GAP(1)] = LONG_GAP_MS;
    now[GAP(2)] = 4321;
    now[30] = 0;
    expect(uncontrolledSigns(machine(now, ['put', 'get', 'peek']), before, trace(), true)).toEqual([
      `1 ${BEHIND}: slot30 (at the end)`,
      'actor 1 (get) ran 1000 ms between two scheduling points (plain typed-array accesses in a loop?)',
      'actor 2 (peek) ran 4321 ms between two scheduling points (plain typed-array accesses in a loop?)',
    ]);
  });
});
