import { describe, expect, it } from 'vitest';
import { checkLinearizable } from '../src/lab/history/checker.js';
import type { Op } from '../src/lab/history/recorder.js';
import { BAG_GET, BAG_PUT, bagSpec } from '../src/lab/history/specs/bag.js';
import { MC_CALL, MC_REDEFINE, type MethodCacheModel, methodCacheSpec } from '../src/lab/history/specs/method-cache.js';
import { RING_DEQ_BULK, RING_DEQ_BURST, RING_ENQ_BULK, RING_ENQ_BURST, ringSpec } from '../src/lab/history/specs/ring.js';
import { Rng } from '../src/runtime/rng.js';

let next = 0;
/** A hand-made operation: actor, code, inputs, results, [call, return]. */
function op(actor: number, code: number, args: number[], result: number[], call: number, ret: number): Op {
  return { id: next++, actor, op: code, args, result, call, ret };
}
const ids = (ops: Op[]) => ops.sort((a, b) => a.call - b.call).map((o, k) => ({ ...o, id: k }));

describe('Wing-Gong checker on hand-made ring histories', () => {
  it('overlapping enqueues may take effect in either order', () => {
    const h = ids([
      op(0, RING_ENQ_BULK, [1], [1], 0, 10),
      op(1, RING_ENQ_BULK, [2], [1], 1, 11),
      op(2, RING_DEQ_BULK, [2], [2, 1], 12, 20),
    ]);
    expect(checkLinearizable(ringSpec(4), h).result).toBe('linearizable');
  });

  it('an enqueue that returned before another began is dequeued first, or the history is not linearizable', () => {
    const h = ids([
      op(0, RING_ENQ_BULK, [1], [1], 0, 5),
      op(1, RING_ENQ_BULK, [2], [1], 6, 10),
      op(2, RING_DEQ_BURST, [1], [2], 11, 20),
    ]);
    const v = checkLinearizable(ringSpec(4), h);
    expect(v.result).toBe('not-linearizable');
    if (v.result !== 'not-linearizable') return;
    expect(v.counterExample.stuck.op).toBe(RING_DEQ_BURST);
    expect(v.counterExample.state).toBe('ring [1 2]');
    expect(v.counterExample.text).toContain('FIFO: the oldest 1 are [1], not [2]');
  });

  it('bulk is all or nothing, burst moves as many as fit', () => {
    const full = ids([op(0, RING_ENQ_BULK, [1, 2, 3], [3], 0, 1), op(0, RING_ENQ_BULK, [4, 5], [0], 2, 3), op(0, RING_ENQ_BURST, [4, 5], [1], 4, 5)]);
    expect(checkLinearizable(ringSpec(4), full).result).toBe('linearizable');
    const wrong = ids([op(0, RING_ENQ_BULK, [1, 2, 3], [3], 0, 1), op(0, RING_ENQ_BURST, [4, 5], [0], 2, 3)]);
    const v = checkLinearizable(ringSpec(4), wrong);
    expect(v.result).toBe('not-linearizable');
    if (v.result === 'not-linearizable') expect(v.counterExample.window[0].why).toContain('enqueue_burst of 2 moves 1, not 0');
  });

  it('an empty answer while a finished enqueue sits in the ring is not linearizable', () => {
    const h = ids([op(0, RING_ENQ_BULK, [7], [1], 0, 2), op(1, RING_DEQ_BULK, [1], [], 3, 4)]);
    expect(checkLinearizable(ringSpec(4), h).result).toBe('not-linearizable');
  });

  it('a pending operation may or may not have taken effect', () => {
    const seen = ids([op(0, RING_ENQ_BULK, [7], [1], 0, Infinity), op(1, RING_DEQ_BULK, [1], [7], 3, 4)]);
    expect(checkLinearizable(ringSpec(4), seen).result).toBe('linearizable');
    const unseen = ids([op(0, RING_ENQ_BULK, [7], [1], 0, Infinity), op(1, RING_DEQ_BULK, [1], [], 3, 4)]);
    expect(checkLinearizable(ringSpec(4), unseen).result).toBe('linearizable');
  });

  it('says unknown when the time limit runs out before the search settles', () => {
    // 14 overlapping enqueues of distinct objects and a dequeue of one never enqueued: every
    // order of the enqueues is a different ring, so the search must try them all.
    const enq = Array.from({ length: 14 }, (_, k) => op(k % 8, RING_ENQ_BULK, [k], [1], k, 100 + k));
    const h = ids([...enq, op(9, RING_DEQ_BULK, [14], [...Array(13).keys(), 99], 200, 201)]);
    const v = checkLinearizable(ringSpec(64), h, { timeLimitMs: 50 });
    expect(v.result).toBe('unknown');
  });

  it('a long sequential history checks in linear time', () => {
    const h: Op[] = [];
    for (let k = 0; k < 20000; k++) {
      h.push(op(0, RING_ENQ_BULK, [k], [1], 4 * k, 4 * k + 1));
      h.push(op(1, RING_DEQ_BULK, [1], [k], 4 * k + 2, 4 * k + 3));
    }
    const t0 = performance.now();
    expect(checkLinearizable(ringSpec(8), ids(h)).result).toBe('linearizable');
    // An exponential search would take minutes; the bound is loose enough for a loaded machine.
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});

describe('the mempool as a bag, checked object by object', () => {
  it('gets and puts that alternate per object are linearizable; empty answers always are', () => {
    const h = ids([
      op(0, BAG_GET, [2], [10, 11], 0, 3),
      op(1, BAG_GET, [1], [], 1, 2),
      op(1, BAG_GET, [1], [12], 4, 5),
      op(0, BAG_PUT, [10, 11], [], 6, 9),
      op(1, BAG_GET, [1], [11], 7, 8),
    ]);
    const v = checkLinearizable(bagSpec(), h);
    expect(v).toMatchObject({ result: 'linearizable', groups: 3 });
  });

  it('one object handed to two lcores at once is caught, and the counter-example names it', () => {
    const h = ids([op(0, BAG_GET, [2], [10, 11], 0, 3), op(1, BAG_GET, [1], [11], 4, 5)]);
    const v = checkLinearizable(bagSpec(), h);
    expect(v.result).toBe('not-linearizable');
    if (v.result === 'not-linearizable') expect(v.counterExample.text).toContain('a1 get object 11  [4, 5]: object 11 is already out: handed out twice');
  });
});

/**
 * A linearizable ring history kept deep: two producers and two consumers with random
 * overlapping intervals, each op taking effect at a random instant inside its interval; the
 * consumers start `lag` time units late, so the ring holds hundreds of objects.
 */
function deepRing(seed: number, n: number, lag: number, capacity: number, bulk: number): Op[] {
  const rng = new Rng(seed);
  const clock = [0, 0, lag, lag];
  const ev: Array<{ a: number; call: number; ret: number; at: number }> = [];
  for (let k = 0; k < n; k++) {
    const a = k % 4;
    const call = clock[a] + rng.below(3);
    const ret = call + 1 + rng.below(20);
    clock[a] = ret + 1;
    ev.push({ a, call, ret, at: call + rng.float() * (ret - call) });
  }
  ev.sort((x, y) => x.at - y.at);
  const q: number[] = [];
  let id = 0;
  const h: Op[] = [];
  for (const e of ev) {
    if (e.a < 2) {
      const vals = Array.from({ length: bulk }, () => id++);
      const fits = q.length + bulk <= capacity;
      if (fits) q.push(...vals);
      h.push(op(e.a, RING_ENQ_BULK, vals, [fits ? bulk : 0], 2 * e.call + 1, 2 * e.ret));
    } else {
      h.push(op(e.a, RING_DEQ_BULK, [bulk], q.length >= bulk ? q.splice(0, bulk) : [], 2 * e.call + 1, 2 * e.ret));
    }
  }
  return ids(h);
}

describe('a deep ring: the order dequeues fix prunes the search', () => {
  it('a ring kept ~1000 deep checks (it read UNKNOWN after the time limit without the pruning)', () => {
    const h = deepRing(1, 6000, 1500, 1023, 4);
    expect(checkLinearizable(ringSpec(1023), h, { timeLimitMs: 30_000 }).result).toBe('linearizable');
  });

  it('two objects of one enqueue that come out swapped, deep in the ring, are refuted without a search', () => {
    const h = deepRing(2, 6000, 1500, 1023, 4);
    const d = h.find((o) => o.op === RING_DEQ_BULK && o.result.length && o.call > 6000)!;
    d.result = [d.result[1], d.result[0], ...d.result.slice(2)];
    const v = checkLinearizable(ringSpec(1023), h, { timeLimitMs: 30_000 });
    expect(v.result).toBe('not-linearizable');
    if (v.result === 'not-linearizable') {
      expect(v.counterExample.text).toContain(`${d.result[1]} went in before ${d.result[0]} and came out after it`);
      expect(v.counterExample.stuck).toBe(d);
    }
  });

  it('reused objects pair each enqueue with the dequeue after it; one enqueue returning before another began fixes their order', () => {
    const ok = ids([
      op(0, RING_ENQ_BULK, [1], [1], 0, 1), op(2, RING_DEQ_BULK, [1], [1], 2, 3),
      op(0, RING_ENQ_BULK, [1], [1], 4, 5), op(1, RING_ENQ_BULK, [2], [1], 6, 7),
      op(2, RING_DEQ_BULK, [1], [1], 8, 9), op(2, RING_DEQ_BULK, [1], [2], 10, 11),
    ]);
    expect(checkLinearizable(ringSpec(4), ok).result).toBe('linearizable');
    const swapped = ids([
      op(0, RING_ENQ_BULK, [1], [1], 0, 1), op(2, RING_DEQ_BULK, [1], [1], 2, 3),
      op(0, RING_ENQ_BULK, [1], [1], 4, 5), op(1, RING_ENQ_BULK, [2], [1], 6, 7),
      op(2, RING_DEQ_BULK, [1], [2], 8, 9), op(2, RING_DEQ_BULK, [1], [1], 10, 11),
    ]);
    const v = checkLinearizable(ringSpec(4), swapped);
    expect(v.result).toBe('not-linearizable');
    if (v.result === 'not-linearizable') expect(v.counterExample.text).toContain('1 went in before 2 and came out after it');
  });
});

describe('the method cache: a call runs what a lookup finds at some instant during it', () => {
  // Answers are body numbers; outcome = the answer itself (0: method_missing).
  const model: MethodCacheModel = {
    outcome: (answer) => answer,
    unchanged: () => 5,
    className: (k) => `C${k}`,
    answerName: (a) => `def ${a}`,
    outcomeName: (r) => `def ${r}`,
  };
  const call = (actor: number, klass: number, ran: number, c: number, r: number) => op(actor, MC_CALL, [klass, 3, 0, 0], [ran], c, r);
  // Class 1, mid 3: def 5 -> def 7 during [10, 20].
  const redefine = () => op(2, MC_REDEFINE, [], [1, 3 << 1, 5, 7], 10, 20);

  it('before, during and after a redefinition: the old body, either, the new body', () => {
    const h = ids([call(0, 1, 5, 0, 5), call(0, 1, 7, 12, 14), call(1, 1, 5, 13, 15), redefine(), call(0, 1, 7, 21, 22), call(1, 2, 5, 23, 24)]);
    expect(checkLinearizable(methodCacheSpec(model), h)).toMatchObject({ result: 'linearizable', groups: 2 });
  });

  it('the old body after the redefinition returned is stale: not linearizable, and told', () => {
    const h = ids([call(0, 1, 7, 12, 14), redefine(), call(1, 1, 5, 21, 22)]);
    const v = checkLinearizable(methodCacheSpec(model), h);
    expect(v.result).toBe('not-linearizable');
    if (v.result === 'not-linearizable') {
      expect(v.counterExample.text).toContain('a2 redefine: C1#m3 from def 5 to def 7  [10, 20]');
      expect(v.counterExample.text).toContain('a1 call C1#m3 -> def 5  [21, 22]: a lookup now finds def 7, so the call runs def 7, not def 5');
    }
  });
});
