import { copyWords, type Mem } from '../shm/mem.js';
import { QUEUE_FIXED, type HeadTail } from './ring_core.js';
import { HT_HEAD } from './ring_layout.js';

/**
 * An SP/SC ring's enqueue and dequeue written straight on the image's words, for a port
 * that adds nothing to an access (`Mem.raw`: stress runs and benchmarks). The accesses are
 * those of the ST path through `HeadTail` and the port: the own head read plainly, the
 * other side's tail with `Atomics.load`, the slots copied in two straight runs, the head
 * stored plainly, the tail stored with `Atomics.store`, then a sleeper on that tail woken if
 * one is flagged. One order differs from DPDK's (and HeadTail's): the head store comes
 * after the copy, next to the tail store, not before it. A single producer's (consumer's)
 * head is read by no other thread, and after each call head and tail are equal as before,
 * so no correct SP/SC program can tell; the line holding both is then taken from the other
 * side once per burst instead of twice. The deterministic engine's ports have no `raw`, so
 * every explored schedule still goes through `HeadTail`, in DPDK's order.
 *
 * Why it exists: between two workers the protocol through the port's methods moved 32-object
 * bursts 25-40% slower at load 18-26 (32-40M objects/s against 44-57M straight); on a quiet
 * machine the straight path alone gained nothing measurable, and the late head store 29%
 * (a minimal ring on the same layout: 58.7M objects/s with the early store, 75.9M with the
 * late one, `ringbuf.js` 72.9M; medians of 10 alternating rounds, load 1).
 */
export class RingSpsc {
  private readonly i32: Int32Array;
  private readonly prodHead: number;
  private readonly consHead: number;

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
    this.prodHead = prod.side + HT_HEAD;
    this.consHead = cons.side + HT_HEAD;
  }

  /** rte_ring_sp_enqueue_{bulk,burst}: returns how many went in; the room seen stays in prod.entries. */
  enqueue(objs: Int32Array, max: number, off: number, behavior: number): number {
    const a = this.i32;
    const p = this.prod;
    const head = a[this.prodHead] >>> 0;
    const seen = Atomics.load(a, this.cons.tailWord);
    const room = (this.capacity + (seen >>> 0) - head) >>> 0;
    let n = max;
    if (n > room) n = behavior === QUEUE_FIXED ? 0 : room;
    p.otherTailSeen = seen;
    p.entries = room;
    p.oldHead = head;
    if (n === 0) return 0;
    const next = (head + n) | 0;
    const idx = head & this.mask;
    const first = n < this.size - idx ? n : this.size - idx;
    copyWords(a, this.slots + idx, objs, off, first);
    if (first < n) copyWords(a, this.slots, objs, off + first, n - first);
    a[this.prodHead] = next;
    Atomics.store(a, p.tailWord, next);
    this.mem.wakeFlagged(p.tailWord, p.sleepFlagWord);
    return n;
  }

  /** rte_ring_sc_dequeue_{bulk,burst}: returns how many came out; the entries seen stay in cons.entries. */
  dequeue(out: Int32Array, max: number, off: number, behavior: number): number {
    const a = this.i32;
    const c = this.cons;
    const head = a[this.consHead] >>> 0;
    const seen = Atomics.load(a, this.prod.tailWord);
    const entries = ((seen >>> 0) - head) >>> 0;
    let n = max;
    if (n > entries) n = behavior === QUEUE_FIXED ? 0 : entries;
    c.otherTailSeen = seen;
    c.entries = entries;
    c.oldHead = head;
    if (n === 0) return 0;
    const next = (head + n) | 0;
    const idx = head & this.mask;
    const first = n < this.size - idx ? n : this.size - idx;
    copyWords(out, off, a, this.slots + idx, first);
    if (first < n) copyWords(out, off + first, a, this.slots, n - first);
    a[this.consHead] = next;
    Atomics.store(a, c.tailWord, next);
    this.mem.wakeFlagged(c.tailWord, c.sleepFlagWord);
    return n;
  }

}
