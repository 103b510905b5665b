import { describe, expect, it } from 'vitest';
import { K, TRACE_WORDS, WAKE_NOTIFIED, WAKE_TIMED_OUT } from '../src/lab/det/block.js';
import type { Decision, DetRun } from '../src/lab/det/engine.js';
import { observingStep, storyLines } from '../src/lab/det/story.js';
import { decodeTrace, renderTrace } from '../src/lab/det/trace.js';

/**
 * A scheduled run's trace and story, decoded in process from hand-made trace words (the
 * engine that writes them runs on workers): each access kind's detail, the op and actor
 * fields, the story's switch markers and the access that observed the bad value.
 */

/** One trace record: actor | kind << 8 | op << 16, address, then the three values. */
const rec = (actor: number, kind: keyof typeof K, addr: number, v = 0, a = 0, a2 = 0, op = 0) => [actor | (K[kind] << 8) | (op << 16), addr, v, a, a2];
const words = (...recs: number[][]) => Int32Array.from(recs.flat());
const name = (w: number) => `ring:r+${w}`;

describe('decodeTrace: each access in words', () => {
  it('names the value seen or written for every kind', () => {
    const t = decodeTrace(
      words(
        rec(0, 'load', 3, 7), rec(1, 'read', 3, 8), rec(0, 'store', 4, 2, 5), rec(1, 'write', 4, 5, 6), rec(0, 'flush', 4, 6, 9),
        rec(0, 'cas', 5, 2, 2, 4), rec(1, 'cas', 5, 4, 2, 6), rec(0, 'wait', 6, 1, 1), rec(0, 'wait', 6, 2, 1),
        rec(0, 'wake', -1, WAKE_NOTIFIED), rec(0, 'wake', -1, WAKE_TIMED_OUT), rec(1, 'notify', 6, 1, 2),
        rec(0, 'load64', 8, 5, 1), rec(0, 'store64', 8, -1, 0), rec(1, 'cas64', 8, 3, 0, 1), rec(1, 'cas64', 8, 3, 0, 0),
        rec(0, 'pause', -1), rec(1, 'end', -1), rec(0, 'add', 9, 1, 2, 3),
      ),
      name,
    );
    expect(t.map((e) => `${e.step} a${e.actor} ${e.access} ${e.name} ${e.detail}`)).toEqual([
      '0 a0 load ring:r+3 -> 7', '1 a1 read ring:r+3 -> 8', '2 a0 store ring:r+4 = 5 (was 2)', '3 a1 write ring:r+4 = 6 (was 5)',
      '4 a0 flush ring:r+4 = 9 (was 6)', '5 a0 cas ring:r+5 expect 2 -> 4: ok', '6 a1 cas ring:r+5 expect 2 -> 6: failed, found 4',
      '7 a0 wait ring:r+6 == 1: blocks', '8 a0 wait ring:r+6 == 1: not-equal (2)', '9 a0 wake  notified', '10 a0 wake  timed out',
      '11 a1 notify ring:r+6 count 2: woke 1', '12 a0 load64 ring:r+8 -> 1:5', '13 a0 store64 ring:r+8 = 0:4294967295',
      '14 a1 cas64 ring:r+8 ok, found 0:3', '15 a1 cas64 ring:r+8 failed, found 0:3', '16 a0 pause  ', '17 a1 end  ',
      '18 a0 add ring:r+9 2: 1 -> 3',
    ]);
  });

  it('reads the op from the top 16 bits and the actor from the low 8, and names an address 0 but not -1', () => {
    const [e, f] = decodeTrace(words(rec(30, 'load', 0, 1, 0, 0, 0xfffe), rec(2, 'pause', -1, 0, 0, 0, 1)), name);
    expect([e.actor, e.op, e.name]).toEqual([30, 0xfffe, 'ring:r+0']);
    expect([f.actor, f.op, f.name]).toEqual([2, 1, '']);
    expect(decodeTrace(new Int32Array(TRACE_WORDS * 2), name).map((x) => x.access)).toEqual(['none', 'none']);
  });

  it('renders aligned lines: the step right-aligned in 5, the role and the address padded to the longest', () => {
    const t = decodeTrace(words(rec(0, 'load', 3, 7), rec(1, 'store', 12, 0, 1)), (w) => (w === 12 ? 'ring:stress+12' : 'x'));
    expect(renderTrace(t, ['producer', 'c'])).toEqual([
      '    0  a0 producer  load    x              -> 7',
      '    1  a1 c         store   ring:stress+12 = 1 (was 0)',
    ]);
  });
});

describe("the story of a failing run", () => {
  const dec = (chosen: number, dflt: number, holderCould: boolean, step: number): Decision => ({ chosen, dflt, holderCould, candidates: 0b11, step });
  const run = (decisions: Decision[], culprit: number, failure: string | null) =>
    ({
      decisions, culprit, failure: failure && { kind: failure, message: '' },
      outcomes: [{ outcome: 'ok', grade: 'ACCEPTABLE', count: 3 }, { outcome: 'lost', grade: 'FORBIDDEN', count: 1 }],
      run: { roles: ['inc', 'inc'], scenario: { opNames: ['add'] } },
    }) as unknown as DetRun;
  const trace = decodeTrace(
    words(rec(0, 'load', 1, 0), rec(1, 'load', 1, 0), rec(1, 'store', 1, 0, 1), rec(0, 'store', 1, 1, 1), rec(0, 'read', 2, 1), rec(1, 'pause', -1)),
    (w) => `c+${w}`,
  );

  it('the observing access is the culprit\'s last read before the end, only for a forbidden outcome an actor counted', () => {
    expect(observingStep(run([], 0, 'forbidden'), trace)).toBe(4);
    expect(observingStep(run([], 1, 'forbidden'), trace)).toBe(1);
    expect(observingStep(run([], -1, 'forbidden'), trace)).toBe(-1);
    expect(observingStep(run([], 0, 'oracle'), trace)).toBe(-1);
    expect(observingStep(run([], 0, null), trace)).toBe(-1);
  });

  it('marks a preemption and a free switch where they were taken, and an op where an actor starts it', () => {
    const lines = storyLines(run([dec(1, 0, true, 1), dec(0, 1, false, 3)], 0, 'forbidden'), trace);
    expect(lines).toEqual([
      '       -- a0 inc: add',
      '    0  a0 inc  load    c+1      -> 0',
      '       >> preemption: a0 inc could go on; a1 inc runs',
      '       -- a1 inc: add',
      '    1  a1 inc  load    c+1      -> 0',
      '    2  a1 inc  store   c+1      = 1 (was 0)',
      '       >> switch: a0 inc runs instead of a1 inc',
      '    3  a0 inc  store   c+1      = 1 (was 1)',
      "    4  a0 inc  read    c+2      -> 1   <== observed the bad value (then counted 'lost')",
      '    5  a1 inc  pause',
    ]);
  });

  it('the observing access is a read of any kind (load, read, load64, cas, cas64, wait), never a store, an add or a notify; step 0 counts', () => {
    const after = [rec(0, 'store', 1, 0, 1), rec(0, 'add', 1, 1, 1, 2), rec(0, 'notify', 1, 0), rec(0, 'exchange', 1, 2, 3), rec(0, 'pause', -1)];
    for (const kind of ['load', 'read', 'load64', 'cas', 'cas64', 'wait'] as const) {
      const t = decodeTrace(words(rec(1, 'load', 1, 0), rec(0, kind, 1, 0), ...after), (w) => `c+${w}`);
      expect(observingStep(run([], 0, 'forbidden'), t), kind).toBe(1);
    }
    expect(observingStep(run([], 0, 'forbidden'), decodeTrace(words(rec(0, 'load', 1, 0), ...after), (w) => `c+${w}`))).toBe(0);
    // The culprit made no read: nothing is flagged.
    expect(observingStep(run([], 0, 'forbidden'), decodeTrace(words(rec(1, 'load', 1, 0), ...after), (w) => `c+${w}`))).toBe(-1);
  });

  it("marks no switch where the default went, opens an op where an actor's first op is not op 0, names an op past the scenario's list 'start', and an end opens none", () => {
    const t = decodeTrace(words(rec(0, 'load', 1, 0, 0, 0, 1), rec(0, 'store', 1, 0, 1, 0, 1), rec(1, 'load', 1, 1, 0, 0, 3), rec(2, 'end', -1, 0, 0, 0, 2)), (w) => `c+${w}`);
    const r = { ...run([dec(0, 0, true, 0), dec(0, 0, true, 1), dec(1, 1, false, 2)], 1, 'forbidden'), run: { roles: ['inc', 'inc', 'idle'], scenario: { opNames: ['add', 'sub'] } } } as unknown as DetRun;
    expect(storyLines(r, t)).toEqual([
      '       -- a0 inc: sub',
      '    0  a0 inc   load    c+1      -> 0',
      '    1  a0 inc   store   c+1      = 1 (was 0)',
      '       -- a1 inc: start',
      "    2  a1 inc   load    c+1      -> 1   <== observed the bad value (then counted 'lost')",
      '    3  a2 idle  end',
    ]);
  });

  it("names the first forbidden outcome counted, '?' when none was", () => {
    const t = decodeTrace(words(rec(0, 'load', 1, 0)), (w) => `c+${w}`);
    const counted = (outcomes: Array<[string, string, number]>) =>
      storyLines({ ...run([], 0, 'forbidden'), outcomes: outcomes.map(([outcome, grade, count]) => ({ outcome, grade, count })) } as unknown as DetRun, t).at(-1);
    expect(counted([['ok', 'ACCEPTABLE', 2], ['torn', 'FORBIDDEN', 0], ['lost', 'FORBIDDEN', 1]])).toMatch(/then counted 'lost'\)$/);
    expect(counted([['ok', 'ACCEPTABLE', 2], ['torn', 'FORBIDDEN', 0]])).toMatch(/then counted '\?'\)$/);
    expect(counted([])).toMatch(/then counted '\?'\)$/);
  });
});
