import type { Mem } from '../shm/mem.js';
import {
  HT_HEAD, HT_HTD_MAX, HT_RTS_HEAD, HT_TAIL, HT_SLEEP_FLAG, RING_SYNC_MT, RING_SYNC_MT_RTS, RING_SYNC_ST, VARIANT_NO_TAIL_WAIT, VARIANT_PLAIN_TAIL,
} from './ring_layout.js';

/** all-or-nothing (bulk) or as-many-as-fit (burst), as DPDK's RTE_RING_QUEUE_FIXED/VARIABLE. */
export const QUEUE_FIXED = 0;
export const QUEUE_VARIABLE = 1;

/** Spins on a tail or head before an actor starts sleeping until the tail moves. */
const SPIN_LIMIT = 256;
/**
 * The longest one sleep on a tail lasts, in ms. A sleeper is woken by the tail's next
 * publication (`wakeFlagged`), so this only bounds the cost of a wake-up that was missed.
 */
export const TAIL_SLEEP_MS = 2;
const MASK32 = 0xffffffffn;

/** Contention counters of one actor's ring operations: local, plain fields. */
export class RingStats {
  casRetries = 0;
  spins = 0;
  waits = 0;
}

/**
 * The head/tail protocol of one side of a ring, in every sync mode. `move` reserves up to
 * n slots by moving the head and leaves the old head in `oldHead` and what the other side
 * left (free slots or entries) in `entries`; `update` publishes n slots by moving the tail.
 * Fields instead of return tuples keep the hot path allocation-free.
 */
export class HeadTail {
  oldHead = 0;
  entries = 0;
  /** The other side's tail word as the last move read it: what an idle caller sleeps on. */
  otherTailSeen = 0;
  /** Word index of this side's tail position: what the other side reads, and what a waiter sleeps on. */
  readonly tailWord: number;
  /** Word index of the flag raised by threads going to sleep on `tailWord`. */
  readonly sleepFlagWord: number;
  private readonly noTailWait: boolean;
  private readonly plainTail: boolean;

  constructor(
    private readonly mem: Mem,
    /** Word index of this side (prod or cons line). */
    readonly side: number,
    /** Word index of the other side's tail position. */
    private readonly otherTail: number,
    readonly sync: number,
    /** Producers: capacity (free = capacity + cons.tail - head); consumers: 0 (entries = prod.tail - head). */
    private readonly capacity: number,
    private readonly isProd: boolean,
    /** The ring's broken variant (VARIANT_*), 0 when correct. */
    variant: number,
    readonly stats: RingStats,
  ) {
    this.tailWord = side + HT_TAIL;
    this.sleepFlagWord = side + HT_SLEEP_FLAG;
    this.noTailWait = variant === VARIANT_NO_TAIL_WAIT;
    this.plainTail = variant === VARIANT_PLAIN_TAIL;
  }

  private room(head: number): number {
    const seen = this.mem.load(this.otherTail);
    this.otherTailSeen = seen;
    const other = seen >>> 0;
    return this.isProd ? (this.capacity + other - head) >>> 0 : (other - head) >>> 0;
  }

  /** Reserve up to n slots (QUEUE_FIXED: exactly n or none). Returns how many. */
  move(n: number, behavior: number): number {
    switch (this.sync) {
      case RING_SYNC_ST:
        return this.moveSt(n, behavior);
      case RING_SYNC_MT:
        return this.moveMt(n, behavior);
      case RING_SYNC_MT_RTS:
        return this.moveRts(n, behavior);
      default:
        return this.moveHts(n, behavior);
    }
  }

  /** Publish the n slots reserved by the last move. */
  update(n: number): void {
    switch (this.sync) {
      case RING_SYNC_ST:
        if (this.plainTail) this.mem.write(this.tailWord, (this.oldHead + n) | 0);
        else this.mem.store(this.tailWord, (this.oldHead + n) | 0);
        this.mem.wakeFlagged(this.tailWord, this.sleepFlagWord);
        return;
      case RING_SYNC_MT:
        this.updateMt(n);
        return;
      case RING_SYNC_MT_RTS:
        this.updateRts();
        return;
      default:
        this.setHts((this.oldHead + n) >>> 0);
    }
  }

  /** SP/SC: no other thread moves this head, and the tail store in `update` publishes the slots. */
  private moveSt(max: number, behavior: number): number {
    const headW = this.side + HT_HEAD;
    const oldHead = this.mem.read(headW) >>> 0;
    const room = this.room(oldHead);
    let n = max;
    if (n > room) n = behavior === QUEUE_FIXED ? 0 : room;
    this.entries = room;
    this.oldHead = oldHead;
    if (n !== 0) this.mem.write(headW, (oldHead + n) | 0);
    return n;
  }

  private moveMt(max: number, behavior: number): number {
    const mem = this.mem;
    const headW = this.side + HT_HEAD;
    for (;;) {
      // A relaxed read, as DPDK's: the CAS below validates it.
      const oldHead = mem.read(headW) >>> 0;
      const room = this.room(oldHead);
      let n = max;
      if (n > room) n = behavior === QUEUE_FIXED ? 0 : room;
      this.entries = room;
      this.oldHead = oldHead;
      if (n === 0) return 0;
      if (mem.compareExchange(headW, oldHead | 0, (oldHead + n) | 0) === (oldHead | 0)) return n;
      this.stats.casRetries++;
    }
  }

  /**
   * Wait until every earlier reservation on this side is published, then publish ours.
   * A thread preempted between its head CAS and this store stalls every later one: the
   * problem RTS and HTS exist to solve. The broken variant skips the wait.
   */
  private updateMt(n: number): void {
    const mem = this.mem;
    const tailW = this.tailWord;
    const expect = this.oldHead | 0;
    // DPDK waits with a relaxed load: without contention the first, plain, look is the only one.
    if (!this.noTailWait && mem.read(tailW) !== expect) this.waitTurn(expect);
    if (this.plainTail) mem.write(tailW, (this.oldHead + n) | 0);
    else mem.store(tailW, (this.oldHead + n) | 0);
    mem.wakeFlagged(tailW, this.sleepFlagWord);
  }

  /** MP/MC: spin, then sleep, until this side's tail reaches `expect` (every earlier reservation published). */
  waitTurn(expect: number): void {
    const mem = this.mem;
    let spins = 0;
    let cur: number;
    while ((cur = mem.load(this.tailWord)) !== expect) {
      if (spins < SPIN_LIMIT) {
        spins++;
        this.stats.spins++;
        mem.pause();
      } else {
        this.stats.waits++;
        this.sleepOnTail(cur, TAIL_SLEEP_MS);
      }
    }
  }

  /**
   * Sleep while this side's tail reads `seen`, until its next publication wakes us (or
   * `timeoutMs` passes). Threads of this side waiting their turn use it, and so may the
   * other side's threads waiting for room or entries.
   */
  sleepOnTail(seen: number, timeoutMs: number): void {
    this.mem.waitFlagged(this.tailWord, seen, this.sleepFlagWord, timeoutMs);
  }

  private moveRts(max: number, behavior: number): number {
    const mem = this.mem;
    const headI = (this.side + HT_RTS_HEAD) >> 1;
    const tailPosW = this.tailWord;
    const htdMax = mem.load(this.side + HT_HTD_MAX) >>> 0;
    let oh = mem.load64(headI);
    for (;;) {
      // Head-tail distance: do not run further ahead of the slowest unfinished thread than htd_max.
      let spins = 0;
      let tail: number;
      while (((Number((oh >> 32n) & MASK32) - (tail = mem.load(tailPosW))) >>> 0) > htdMax) {
        this.backoff(spins++, tail);
        oh = mem.load64(headI);
      }
      const pos = Number((oh >> 32n) & MASK32);
      const cnt = Number(oh & MASK32);
      const room = this.room(pos);
      let n = max;
      if (n > room) n = behavior === QUEUE_FIXED ? 0 : room;
      this.entries = room;
      this.oldHead = pos;
      if (n === 0) return 0;
      const nh = BigInt.asIntN(64, (BigInt((pos + n) >>> 0) << 32n) | BigInt((cnt + 1) >>> 0));
      const found = mem.compareExchange64(headI, oh, nh);
      if (found === oh) return n;
      this.stats.casRetries++;
      oh = found;
    }
  }

  /** The last thread to finish moves the tail to the head; the others only count themselves. */
  private updateRts(): void {
    const mem = this.mem;
    const tailI = (this.side + HT_HEAD) >> 1;
    const headI = (this.side + HT_RTS_HEAD) >> 1;
    let ot = mem.load64(tailI);
    for (;;) {
      const h = mem.load64(headI);
      const cnt = (Number(ot & MASK32) + 1) >>> 0;
      const pos = cnt === Number(h & MASK32) ? Number((h >> 32n) & MASK32) : Number((ot >> 32n) & MASK32);
      const nt = BigInt.asIntN(64, (BigInt(pos) << 32n) | BigInt(cnt));
      const found = mem.compareExchange64(tailI, ot, nt);
      if (found === ot) {
        mem.wakeFlagged(this.tailWord, this.sleepFlagWord);
        return;
      }
      this.stats.casRetries++;
      ot = found;
    }
  }

  /** HTS: one operation in flight per side; wait until head == tail, then move the head. */
  private moveHts(max: number, behavior: number): number {
    const mem = this.mem;
    const htI = (this.side + HT_HEAD) >> 1;
    let op = mem.load64(htI);
    for (;;) {
      let spins = 0;
      while (Number(op & MASK32) !== Number((op >> 32n) & MASK32)) {
        this.backoff(spins++, Number((op >> 32n) & MASK32) | 0);
        op = mem.load64(htI);
      }
      const head = Number(op & MASK32);
      const room = this.room(head);
      let n = max;
      if (n > room) n = behavior === QUEUE_FIXED ? 0 : room;
      this.entries = room;
      this.oldHead = head;
      if (n === 0) return 0;
      const np = BigInt.asIntN(64, (BigInt(head) << 32n) | BigInt((head + n) >>> 0));
      const found = mem.compareExchange64(htI, op, np);
      if (found === op) return n;
      this.stats.casRetries++;
      op = found;
    }
  }

  /** HTS (and SP/SC peek): set head and tail to `pos` in one store, ending the operation. */
  setHts(pos: number): void {
    this.mem.store64((this.side + HT_HEAD) >> 1, BigInt.asIntN(64, (BigInt(pos >>> 0) << 32n) | BigInt(pos >>> 0)));
    this.mem.wakeFlagged(this.tailWord, this.sleepFlagWord);
  }

  /** SP/SC: finish an operation begun by `move` at `oldHead` + n (peek and zero-copy). */
  setSt(pos: number): void {
    this.mem.store(this.side + HT_HEAD, pos | 0);
    this.mem.store(this.tailWord, pos | 0);
    this.mem.wakeFlagged(this.tailWord, this.sleepFlagWord);
  }

  /** Put head and tail at `pos` with no operation in flight (RTS counts restart at 0). */
  reset(pos: number): void {
    if (this.sync === RING_SYNC_MT_RTS) {
      const v = BigInt.asIntN(64, BigInt(pos >>> 0) << 32n);
      this.mem.store64((this.side + HT_HEAD) >> 1, v);
      this.mem.store64((this.side + HT_RTS_HEAD) >> 1, v);
    } else {
      this.setSt(pos);
    }
  }

  /**
   * Spin, then sleep until this side's tail moves from `seenTail`, the value the caller's
   * check read (a fresh read could already see the publication it wants to sleep through).
   * RTS and HTS wait for threads of their own side.
   */
  private backoff(spins: number, seenTail: number): void {
    if (spins < SPIN_LIMIT) {
      this.stats.spins++;
      this.mem.pause();
    } else {
      this.stats.waits++;
      this.sleepOnTail(seenTail, TAIL_SLEEP_MS);
    }
  }

  /** The tail position (what the other side reads). */
  tail(): number {
    return this.mem.load(this.tailWord) >>> 0;
  }

  /** The head position, in any mode. */
  head(): number {
    return this.sync === RING_SYNC_MT_RTS
      ? this.mem.load(this.side + HT_RTS_HEAD + 1) >>> 0
      : this.mem.load(this.side + HT_HEAD) >>> 0;
  }
}
