import { copyWords, type Mem } from '../shm/mem.js';
import { QUEUE_FIXED, type HeadTail } from './ring_core.js';
import { HT_HEAD, RING_SYNC_MT } from './ring_layout.js';

/**
 * A ring's enqueue and dequeue written straight on the image's words, for a port that adds
 * nothing to an access (`Mem.raw`: stress runs and benchmarks), when each side is single
 * (SP/SC) or multi-thread (MP/MC), one-word elements, correct variant. The accesses are
 * those of `HeadTail`'s ST and MT paths through the port: the head read plainly, the other
 * side's tail with `Atomics.load`; MT moves the head with a CAS; the slots copied in two
 * straight runs; MT waits (plain read first, as DPDK's relaxed load) for the tail to reach
 * its old head; the tail stored with `Atomics.store`; then a sleeper on that tail woken if
 * one is flagged. The waiting itself, once a look finds an earlier thread unfinished, is
 * `HeadTail.waitTurn`'s.
 *
 * One order differs from DPDK's (and HeadTail's) on a single-thread side: its head store
 * comes after the copy, next to the tail store, not before it. A single producer's
 * (consumer's) head is read by no other thread, and after each call head and tail are
 * equal as before, so no correct SP/SC program can tell; the line holding both is then
 * taken from the other side once per burst instead of twice. The deterministic engine's
 * ports have no `raw`, so every explored schedule still goes through `HeadTail`, in DPDK's
 * order.
 *
 * Why it exists: between two workers the SP/SC protocol through the port's methods moved
 * 32-object bursts 25-40% slower at load 18-26 (32-40M objects/s against 44-57M straight);
 * on a quiet machine the late head store gained 29% (a minimal ring on the same layout:
 * 58.7M objects/s with the early store, 75.9M with the late one, `ringbuf.js` 72.9M). In one
 * thread the MP/MC bulk-32 pair cost 5.4-5.9 ns an object through the port, against 4.3-5.2
 * for the same protocol written on the array (see docs/dpdk.md for the figures since).
 */
export class RingStraight {
  /** Free slots (enqueue) or entries (dequeue) the last call found, before its own. */
  seen = 0;
  private head = 0;
  private readonly i32: Int32Array;
  private readonly prodMt: boolean;
  private readonly consMt: boolean;
  private readonly prodHead: number;
  private readonly consHead: number;
  private readonly prodTail: number;
  private readonly consTail: number;
  private readonly prodFlag: number;
  private readonly consFlag: number;

  constructor(
    private readonly mem: Mem,
    raw: Int32Array,
    private readonly prod: HeadTail,
    private readonly cons: HeadTail,
    private readonly slots: number,
    private readonly size: number,
    private readonly mask: number,
    private readonly capacity: number,
  ) {
    this.i32 = raw;
    this.prodMt = prod.sync === RING_SYNC_MT;
    this.consMt = cons.sync === RING_SYNC_MT;
    this.prodHead = prod.side + HT_HEAD;
    this.consHead = cons.side + HT_HEAD;
    this.prodTail = prod.tailWord;
    this.consTail = cons.tailWord;
    this.prodFlag = prod.sleepFlagWord;
    this.consFlag = cons.sleepFlagWord;
  }

  /** rte_ring_{sp,mp}_enqueue_{bulk,burst}: returns how many went in; the room found stays in `seen`. */
  enqueue(objs: Int32Array, max: number, off: number, behavior: number): number {
    const n = this.reserve(this.prod, this.prodMt, this.prodHead, this.consTail, this.capacity, max, behavior);
    if (n === 0) return 0;
    const a = this.i32;
    const head = this.head;
    const idx = head & this.mask;
    const first = n < this.size - idx ? n : this.size - idx;
    copyWords(a, this.slots + idx, objs, off, first);
    if (first < n) copyWords(a, this.slots, objs, off + first, n - first);
    this.publish(this.prod, this.prodMt, this.prodHead, this.prodTail, this.prodFlag, head, n);
    return n;
  }

  /** rte_ring_{sc,mc}_dequeue_{bulk,burst}: returns how many came out; the entries found stay in `seen`. */
  dequeue(out: Int32Array, max: number, off: number, behavior: number): number {
    const n = this.reserve(this.cons, this.consMt, this.consHead, this.prodTail, 0, max, behavior);
    if (n === 0) return 0;
    const a = this.i32;
    const head = this.head;
    const idx = head & this.mask;
    const first = n < this.size - idx ? n : this.size - idx;
    copyWords(out, off, a, this.slots + idx, first);
    if (first < n) copyWords(out, off + first, a, this.slots, n - first);
    this.publish(this.cons, this.consMt, this.consHead, this.consTail, this.consFlag, head, n);
    return n;
  }

  /**
   * Take up to `max` slots (QUEUE_FIXED: exactly max or none) from `head` on: free slots are
   * `cap` + the other tail - head (cap 0 on the consumer side: entries). A single-thread side
   * only reads its head here; a multi-thread side moves it with a CAS, again on failure.
   */
  private reserve(side: HeadTail, mt: boolean, headW: number, otherTail: number, cap: number, max: number, behavior: number): number {
    const a = this.i32;
    for (;;) {
      const head = a[headW] >>> 0;
      const seen = Atomics.load(a, otherTail);
      const room = (cap + (seen >>> 0) - head) >>> 0;
      let n = max;
      if (n > room) n = behavior === QUEUE_FIXED ? 0 : room;
      side.otherTailSeen = seen;
      this.seen = room;
      this.head = head;
      // Nothing to take, or a single-thread side (no other thread moves its head): no CAS.
      if (n === 0 || !mt) return n;
      if (Atomics.compareExchange(a, headW, head | 0, (head + n) | 0) === (head | 0)) return n;
      side.stats.casRetries++;
    }
  }

  /** Publish n slots from `head` on: a multi-thread side first waits for its turn; a single one stores its head now. */
  private publish(side: HeadTail, mt: boolean, headW: number, tailW: number, flagW: number, head: number, n: number): void {
    const a = this.i32;
    const next = (head + n) | 0;
    if (!mt) a[headW] = next;
    else if (a[tailW] !== (head | 0)) side.waitTurn(head | 0);
    Atomics.store(a, tailW, next);
    if (a[flagW] !== 0) this.mem.wakeFlagged(tailW, flagW);
  }
}
