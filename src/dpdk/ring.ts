import { EINVAL, ENOBUFS, ENOENT, MemraceError } from '../errors.js';
import type { Violation } from '../core/violation.js';
import { align32pow2, isPowerOfTwo } from '../core/bits.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import { RteError, set_rte_errno } from './rte_errno.js';
import { RTE_RING_NAMESIZE, TAILQ_RING, Tailq, checkName, regionTag } from './tailq.js';
import { HeadTail, QUEUE_FIXED, QUEUE_VARIABLE, RingStats, TAIL_SLEEP_MS } from './ring_core.js';
import { RingStraight } from './ring_straight.js';
import {
  HT_HTD_MAX, HT_SYNC, HT_TAIL, RING_F_EXACT_SZ, RING_SYNC_MT_HTS, RING_SYNC_MT, RING_SYNC_ST, RING_SZ_MASK, RTS_HTD_MAX_DIV,
  RING_F_MASK, RING_F_MC_HTS_DEQ, RING_F_MC_RTS_DEQ, RING_F_MP_HTS_ENQ, RING_F_MP_RTS_ENQ, RING_F_SC_DEQ, RING_F_SP_ENQ,
  R_CAPACITY, R_CONS, R_ESIZE_WORDS, R_FLAGS, R_MASK, R_PROD, R_SIZE, R_SLOTS, R_TAILQ, R_VARIANT, SYNC_NAMES,
  VARIANT_REORDER, consSyncOf, prodSyncOf,
} from './ring_layout.js';

/** Where a ring lives: plain data that crosses to workers. */
export interface RingRef {
  name: string;
  base: number;
}

/** A zero-copy reservation: up to two runs of slots (the second after wrap-around), as word indices. */
export class RingZcData {
  slot1 = 0;
  n1 = 0;
  slot2 = 0;

  /** Word index of the i-th reserved element of ew words: the first n1 from slot1, the rest from slot2 (the wrap), as test_ring_copy_to/from walk ptr1 then ptr2. */
  slot(i: number, ew: number): number {
    return i < this.n1 ? this.slot1 + i * ew : this.slot2 + (i - this.n1) * ew;
  }
}

/**
 * rte_ring: a fixed-size FIFO of fixed-size elements in the shared image, lock-free for
 * MP/MC and the RTS/HTS modes. Calls return what DPDK's return (a count, 0, -ENOBUFS,
 * -ENOENT); the free space / remaining entries that DPDK returns through a pointer are left
 * in `free_space` and `available`.
 *
 * Objects are 32-bit words (esize 4) or groups of words (esize a multiple of 4), copied
 * from and to Int32Arrays the caller owns.
 */
export class Ring {
  readonly size: number;
  readonly mask: number;
  readonly capacity: number;
  readonly flags: number;
  /** Element size in 32-bit words. */
  readonly ew: number;
  readonly slots: number;
  readonly prod: HeadTail;
  readonly cons: HeadTail;
  /** Free slots after the last enqueue call (DPDK's *free_space). */
  free_space = 0;
  /** Entries left after the last dequeue call (DPDK's *available). */
  available = 0;
  /** The broken variant VARIANT_REORDER. */
  private readonly reorder: boolean;
  /** SP/SC, MP/MC or mixed, one-word elements on a raw port, correct variant: the straight path. */
  private readonly straight: RingStraight | null;

  /** Bytes a ring of `count` elements of `esize` bytes takes (rte_ring_get_memsize_elem). */
  static memsize(count: number, flags: number, esize = 4): number {
    const size = flags & RING_F_EXACT_SZ ? align32pow2(count + 1) : count;
    return (R_SLOTS + size * (esize / 4)) * 4;
  }

  /** What a ring's count may be, in the words of every error about it. */
  static readonly COUNT_ALLOWED = 'a power of two from 2 to 2^30, or with EXACT_SZ (--exact) any count from 1 to 2^30 - 1';

  /**
   * The checks rte_ring_get_memsize_elem and rte_ring_init make (DPDK: -EINVAL); throws an
   * RteError (a ConfigError with errno EINVAL) naming `field`.
   */
  static checkCount(count: number, flags: number, field = 'count', esize = 4): void {
    if (!Number.isInteger(esize) || esize <= 0 || esize % 4 !== 0) {
      throw new RteError(EINVAL, 'esize', `${esize} is not a multiple of 4`, 'a positive multiple of 4 bytes');
    }
    if (!Number.isInteger(count) || count <= 0) throw new RteError(EINVAL, field, `${count} is not a positive integer`, Ring.COUNT_ALLOWED);
    if (flags & RING_F_EXACT_SZ) {
      if (count > RING_SZ_MASK >>> 1) throw new RteError(EINVAL, field, `${count} is too large with EXACT_SZ`, Ring.COUNT_ALLOWED);
    } else if (!isPowerOfTwo(count) || count > RING_SZ_MASK || count < 2) {
      throw new RteError(EINVAL, field, `${count} is not a power of two from 2 to 2^30`, Ring.COUNT_ALLOWED);
    }
  }

  /** rte_ring_init's flag checks: no unknown bit (RING_F_MASK), at most one sync mode per side (get_sync_type). */
  static checkFlags(flags: number): void {
    const one = (bits: number) => (bits & (bits - 1)) === 0;
    if (!Number.isInteger(flags) || (flags & ~RING_F_MASK) !== 0 || flags < 0) {
      throw new RteError(EINVAL, 'flags', `0x${flags.toString(16)} has bits outside RING_F_MASK`, 'RING_F_SP_ENQ 0x1, SC_DEQ 0x2, EXACT_SZ 0x4, MP_RTS_ENQ 0x8, MC_RTS_DEQ 0x10, MP_HTS_ENQ 0x20, MC_HTS_DEQ 0x40');
    }
    if (!one(flags & (RING_F_SP_ENQ | RING_F_MP_RTS_ENQ | RING_F_MP_HTS_ENQ)) || !one(flags & (RING_F_SC_DEQ | RING_F_MC_RTS_DEQ | RING_F_MC_HTS_DEQ))) {
      throw new RteError(EINVAL, 'flags', `0x${flags.toString(16)} asks for two sync modes on one side`, 'at most one of SP/MP_RTS/MP_HTS and one of SC/MC_RTS/MC_HTS');
    }
  }

  /**
   * rte_ring_create_elem: carve the ring out of the image, initialise it and enter its name
   * in the machine's ring list. Refusals throw an RteError with DPDK's errno: EINVAL (count,
   * esize, flags), ENAMETOOLONG (28 characters at most), EEXIST (the name is taken).
   */
  static create(arena: Arena, mem: Mem, name: string, count: number, flags: number, opts: { esize?: number; variant?: number } = {}): Ring {
    const esize = opts.esize ?? 4;
    Ring.checkCount(count, flags, 'count', esize);
    Ring.checkFlags(flags);
    checkName(name, RTE_RING_NAMESIZE, 'ring');
    const tailq = Tailq.of(arena, mem);
    tailq.assertFree(TAILQ_RING, name);
    const base = arena.allocWords(regionTag(arena, `ring:${name}`), Ring.memsize(count, flags, esize) / 4);
    const exact = (flags & RING_F_EXACT_SZ) !== 0;
    const size = exact ? align32pow2(count + 1) : count;
    mem.store(base + R_SIZE, size);
    mem.store(base + R_MASK, size - 1);
    mem.store(base + R_CAPACITY, exact ? count : size - 1);
    mem.store(base + R_FLAGS, flags);
    mem.store(base + R_ESIZE_WORDS, esize / 4);
    mem.store(base + R_VARIANT, opts.variant ?? 0);
    const capacity = exact ? count : size - 1;
    mem.store(base + R_PROD + HT_SYNC, prodSyncOf(flags));
    mem.store(base + R_CONS + HT_SYNC, consSyncOf(flags));
    mem.store(base + R_PROD + HT_HTD_MAX, Math.floor(capacity / RTS_HTD_MAX_DIV));
    mem.store(base + R_CONS + HT_HTD_MAX, Math.floor(capacity / RTS_HTD_MAX_DIV));
    tailq.insert(TAILQ_RING, base + R_TAILQ, name);
    return new Ring(mem, { name, base });
  }

  /** rte_ring_lookup: the ring of that name on this machine, from any thread; null with rte_errno ENOENT. */
  static lookup(arena: Arena, mem: Mem, name: string): Ring | null {
    const e = Tailq.find(arena, mem)?.lookup(TAILQ_RING, name) ?? 0;
    if (e === 0) {
      set_rte_errno(ENOENT);
      return null;
    }
    return new Ring(mem, { name, base: e - R_TAILQ });
  }

  /**
   * rte_ring_free: take the ring off the machine's list, so its name can be used again. A
   * ring that is not on the list (freed already) is left alone, as DPDK's "Cannot find ring
   * to free". Its words stay carved (the image's regions are never freed); no thread may
   * use the ring afterwards.
   */
  free(arena: Arena): void {
    Tailq.find(arena, this.mem)?.remove(TAILQ_RING, this.ref.base + R_TAILQ);
  }

  constructor(
    private readonly mem: Mem,
    readonly ref: RingRef,
    readonly stats: RingStats = new RingStats(),
  ) {
    const b = ref.base;
    this.size = mem.load(b + R_SIZE);
    this.mask = mem.load(b + R_MASK);
    this.capacity = mem.load(b + R_CAPACITY);
    this.flags = mem.load(b + R_FLAGS);
    this.ew = mem.load(b + R_ESIZE_WORDS);
    this.slots = b + R_SLOTS;
    const variant = mem.load(b + R_VARIANT);
    this.reorder = variant === VARIANT_REORDER;
    const prod = b + R_PROD;
    const cons = b + R_CONS;
    this.prod = new HeadTail(mem, prod, cons + HT_TAIL, mem.load(prod + HT_SYNC), this.capacity, true, variant, this.stats);
    this.cons = new HeadTail(mem, cons, prod + HT_TAIL, mem.load(cons + HT_SYNC), 0, false, variant, this.stats);
    const simple = (sync: number) => sync === RING_SYNC_ST || sync === RING_SYNC_MT;
    const straight = mem.raw !== undefined && simple(this.prod.sync) && simple(this.cons.sync) && this.ew === 1 && variant === 0;
    this.straight = straight ? new RingStraight(mem, mem.raw!, this.prod, this.cons, this.slots, this.size, this.mask, this.capacity) : null;
  }

  get name(): string {
    return this.ref.name;
  }

  // ---- enqueue -------------------------------------------------------------------------

  /**
   * Copy n objects into the slots from `head` on: two straight runs (up to the end of the
   * slots and from their start), as DPDK's copy, each one `writeBlock`; elements of more
   * than one word go word by word. (On a raw port the straight path copies instead.)
   */
  private enqueueElems(objs: Int32Array, off: number, head: number, n: number): void {
    if (this.ew !== 1) {
      this.enqueueWords(objs, off, head, n);
      return;
    }
    const idx = head & this.mask;
    const first = n < this.size - idx ? n : this.size - idx;
    this.mem.writeBlock(this.slots + idx, objs, off, first);
    if (first < n) this.mem.writeBlock(this.slots, objs, off + first, n - first);
  }

  /** Elements of more than one word, one word at a time. */
  private enqueueWords(objs: Int32Array, off: number, head: number, n: number): void {
    const { mem, ew, mask, slots } = this;
    for (let i = 0; i < n; i++) {
      const s = slots + ((head + i) & mask) * ew;
      const o = off + i * ew;
      for (let k = 0; k < ew; k++) mem.write(s + k, objs[o + k]);
    }
  }

  /** Copy n objects out of the slots from `head` on: the mirror of `enqueueElems`. */
  private dequeueElems(out: Int32Array, off: number, head: number, n: number): void {
    if (this.ew !== 1 || this.reorder) {
      this.dequeueWords(out, off, head, n);
      return;
    }
    const idx = head & this.mask;
    const first = n < this.size - idx ? n : this.size - idx;
    this.mem.readBlock(this.slots + idx, out, off, first);
    if (first < n) this.mem.readBlock(this.slots, out, off + first, n - first);
  }

  /** Elements of more than one word, one word at a time; the `reorder` variant copies last-first. */
  private dequeueWords(out: Int32Array, off: number, head: number, n: number): void {
    const { mem, ew, mask, slots } = this;
    for (let i = 0; i < n; i++) {
      // Broken on purpose in the reorder variant: the last reserved slot is copied out first.
      const s = slots + ((this.reorder ? head + n - 1 - i : head + i) & mask) * ew;
      const o = off + i * ew;
      for (let k = 0; k < ew; k++) out[o + k] = mem.read(s + k);
    }
  }

  private doEnqueue(objs: Int32Array, n: number, off: number, behavior: number): number {
    const straight = this.straight;
    if (straight !== null) {
      const got = straight.enqueue(objs, n, off, behavior);
      this.free_space = straight.seen - got;
      return got;
    }
    const p = this.prod;
    const got = p.move(n, behavior);
    if (got !== 0) {
      this.enqueueElems(objs, off, p.oldHead, got);
      p.update(got);
    }
    this.free_space = p.entries - got;
    return got;
  }

  private doDequeue(out: Int32Array, n: number, off: number, behavior: number): number {
    const straight = this.straight;
    if (straight !== null) {
      const got = straight.dequeue(out, n, off, behavior);
      this.available = straight.seen - got;
      return got;
    }
    const c = this.cons;
    const got = c.move(n, behavior);
    if (got !== 0) {
      this.dequeueElems(out, off, c.oldHead, got);
      c.update(got);
    }
    this.available = c.entries - got;
    return got;
  }

  /** rte_ring_enqueue_bulk: all n objects or none. Returns n or 0. */
  enqueue_bulk(objs: Int32Array, n: number, off = 0): number {
    return this.doEnqueue(objs, n, off, QUEUE_FIXED);
  }

  /** rte_ring_enqueue_burst: as many of n as fit. Returns 0..n. */
  enqueue_burst(objs: Int32Array, n: number, off = 0): number {
    return this.doEnqueue(objs, n, off, QUEUE_VARIABLE);
  }

  /** rte_ring_enqueue of one 32-bit object: 0, or -ENOBUFS when full. */
  enqueue(obj: number): number {
    this.one[0] = obj;
    return this.doEnqueue(this.one, 1, 0, QUEUE_FIXED) === 1 ? 0 : -ENOBUFS;
  }

  /** rte_ring_enqueue_elem: one element of esize bytes from objs[off..]. */
  enqueue_elem(objs: Int32Array, off = 0): number {
    return this.doEnqueue(objs, 1, off, QUEUE_FIXED) === 1 ? 0 : -ENOBUFS;
  }

  // ---- dequeue -------------------------------------------------------------------------

  /** rte_ring_dequeue_bulk: all n objects or none. Returns n or 0. */
  dequeue_bulk(out: Int32Array, n: number, off = 0): number {
    return this.doDequeue(out, n, off, QUEUE_FIXED);
  }

  /** rte_ring_dequeue_burst: up to n objects. Returns 0..n. */
  dequeue_burst(out: Int32Array, n: number, off = 0): number {
    return this.doDequeue(out, n, off, QUEUE_VARIABLE);
  }

  /** rte_ring_dequeue of one element into out[off..]: 0, or -ENOENT when empty. */
  dequeue(out: Int32Array, off = 0): number {
    return this.doDequeue(out, 1, off, QUEUE_FIXED) === 1 ? 0 : -ENOENT;
  }

  private readonly one = new Int32Array(1);

  // ---- idle waiting (not in DPDK, whose lcores spin: worker threads share cores) ------------

  /**
   * An idle producer (the ring was full, or it has nothing to enqueue until consumers hand
   * objects back): sleep until a dequeue publishes after this thread's last enqueue looked
   * at the consumer tail. A dequeue that came in between ends the sleep at once, so no
   * wake-up is lost; the sleep lasts at most TAIL_SLEEP_MS.
   */
  sleepUntilDequeued(): void {
    this.cons.sleepOnTail(this.prod.otherTailSeen, TAIL_SLEEP_MS);
  }

  /** An idle consumer (the ring was empty): sleep until an enqueue publishes after this thread's last dequeue looked. */
  sleepUntilEnqueued(): void {
    this.prod.sleepOnTail(this.cons.otherTailSeen, TAIL_SLEEP_MS);
  }

  // ---- peek and zero-copy (SP/SC and HTS only) ------------------------------------------

  private requirePeek(side: HeadTail, what: string): void {
    if (side.sync !== RING_SYNC_ST && side.sync !== RING_SYNC_MT_HTS) {
      throw new MemraceError('E_USAGE', `${what} needs a ${side === this.prod ? 'SP or MT_HTS producer' : 'SC or MT_HTS consumer'} side; this ring's is ${SYNC_NAMES[side.sync]}`);
    }
  }

  /** Finish a peek/zero-copy operation: publish n (<= reserved) and release the rest. */
  private finish(side: HeadTail, n: number): void {
    const reserved = (side.head() - side.tail()) >>> 0;
    const num = reserved >= n ? n : 0;
    const pos = (side.tail() + num) >>> 0;
    if (side.sync === RING_SYNC_ST) side.setSt(pos);
    else side.setHts(pos);
  }

  /** rte_ring_enqueue_bulk_start: reserve n slots; the objects are given to enqueue_finish. */
  enqueue_bulk_start(n: number): number {
    this.requirePeek(this.prod, 'enqueue_bulk_start');
    const got = this.prod.move(n, QUEUE_FIXED);
    this.free_space = this.prod.entries - got;
    return got;
  }

  enqueue_burst_start(n: number): number {
    this.requirePeek(this.prod, 'enqueue_burst_start');
    const got = this.prod.move(n, QUEUE_VARIABLE);
    this.free_space = this.prod.entries - got;
    return got;
  }

  /** rte_ring_enqueue_finish: copy n objects into the reserved slots and publish them. */
  enqueue_finish(objs: Int32Array, n: number, off = 0): void {
    this.requirePeek(this.prod, 'enqueue_finish');
    const tail = this.prod.tail();
    if (((this.prod.head() - tail) >>> 0) >= n) this.enqueueElems(objs, off, tail, n);
    this.finish(this.prod, n);
  }

  /** rte_ring_dequeue_bulk_start: copy n objects out without removing them (peek). */
  dequeue_bulk_start(out: Int32Array, n: number, off = 0): number {
    this.requirePeek(this.cons, 'dequeue_bulk_start');
    const got = this.cons.move(n, QUEUE_FIXED);
    if (got) this.dequeueElems(out, off, this.cons.oldHead, got);
    this.available = this.cons.entries - got;
    return got;
  }

  dequeue_burst_start(out: Int32Array, n: number, off = 0): number {
    this.requirePeek(this.cons, 'dequeue_burst_start');
    const got = this.cons.move(n, QUEUE_VARIABLE);
    if (got) this.dequeueElems(out, off, this.cons.oldHead, got);
    this.available = this.cons.entries - got;
    return got;
  }

  /** rte_ring_dequeue_finish: remove n of the peeked objects (0 puts them all back). */
  dequeue_finish(n: number): void {
    this.requirePeek(this.cons, 'dequeue_finish');
    this.finish(this.cons, n);
  }

  private zc(side: HeadTail, n: number, behavior: number, zcd: RingZcData): number {
    this.requirePeek(side, 'zero-copy');
    const got = side.move(n, behavior);
    const idx = side.oldHead & this.mask;
    zcd.slot1 = this.slots + idx * this.ew;
    zcd.n1 = Math.min(got, this.size - idx);
    zcd.slot2 = this.slots;
    return got;
  }

  /** rte_ring_enqueue_zc_bulk_start: reserve n slots and say where they are; write them, then enqueue_zc_finish. */
  enqueue_zc_bulk_start(n: number, zcd: RingZcData): number {
    const got = this.zc(this.prod, n, QUEUE_FIXED, zcd);
    this.free_space = this.prod.entries - got;
    return got;
  }

  enqueue_zc_burst_start(n: number, zcd: RingZcData): number {
    const got = this.zc(this.prod, n, QUEUE_VARIABLE, zcd);
    this.free_space = this.prod.entries - got;
    return got;
  }

  enqueue_zc_finish(n: number): void {
    this.finish(this.prod, n);
  }

  /** rte_ring_dequeue_zc_bulk_start: say where n objects are; read them in place, then dequeue_zc_finish. */
  dequeue_zc_bulk_start(n: number, zcd: RingZcData): number {
    const got = this.zc(this.cons, n, QUEUE_FIXED, zcd);
    this.available = this.cons.entries - got;
    return got;
  }

  dequeue_zc_burst_start(n: number, zcd: RingZcData): number {
    const got = this.zc(this.cons, n, QUEUE_VARIABLE, zcd);
    this.available = this.cons.entries - got;
    return got;
  }

  dequeue_zc_finish(n: number): void {
    this.finish(this.cons, n);
  }

  // ---- state ---------------------------------------------------------------------------

  /** rte_ring_count: entries, (prod.tail - cons.tail) clamped to the capacity. */
  count(): number {
    const n = (this.prod.tail() - this.cons.tail()) >>> 0;
    return n > this.capacity ? this.capacity : n;
  }

  free_count(): number {
    return this.capacity - this.count();
  }

  full(): boolean {
    return this.free_count() === 0;
  }

  empty(): boolean {
    return this.prod.tail() === this.cons.tail();
  }

  get_size(): number {
    return this.size;
  }

  get_capacity(): number {
    return this.capacity;
  }

  /**
   * Start every index at `pos` (tests start just below 2^32 to cross the wrap). Only on an
   * empty, quiescent ring.
   */
  reset(pos = 0): void {
    this.prod.reset(pos);
    this.cons.reset(pos);
  }

  /** Invariants of a quiescent ring, as data. */
  audit(): Violation[] {
    const v: Violation[] = [];
    const where = `ring ${this.name}`;
    for (const [label, side] of [['prod', this.prod], ['cons', this.cons]] as const) {
      if (side.head() !== side.tail()) v.push({ message: `${label}.head ${side.head()} != ${label}.tail ${side.tail()} with no operation in flight`, where });
    }
    const used = (this.prod.tail() - this.cons.tail()) >>> 0;
    if (used > this.capacity) v.push({ message: `count ${used} exceeds capacity ${this.capacity} (a tail moved backwards or past the other side)`, where });
    return v;
  }

  /** rte_ring_dump. */
  dump(): string {
    const lines = [
      `ring <${this.name}>@${this.ref.base * 4}`,
      `  flags=${this.flags.toString(16)}`,
      `  size=${this.size}`,
      `  capacity=${this.capacity}`,
      `  ct=${this.cons.tail()}`,
      `  ch=${this.cons.head()}`,
      `  pt=${this.prod.tail()}`,
      `  ph=${this.prod.head()}`,
      `  used=${this.count()}`,
      `  avail=${this.free_count()}`,
      `  prod sync=${SYNC_NAMES[this.prod.sync]} cons sync=${SYNC_NAMES[this.cons.sync]}`,
    ];
    return lines.join('\n');
  }
}
