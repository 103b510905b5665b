import { describe, expect, it } from 'vitest';
import { checkLinearizable } from '../src/lab/history/checker.js';
import type { Op } from '../src/lab/history/recorder.js';
import { BAG_GET, BAG_PUT, bagSpec } from '../src/lab/history/specs/bag.js';
import { RING_DEQ_BULK, RING_DEQ_BURST, RING_ENQ_BULK, RING_ENQ_BURST, ringSpec } from '../src/lab/history/specs/ring.js';

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
    expect(performance.now() - t0).toBeLessThan(3000);
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
