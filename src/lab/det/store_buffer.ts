/**
 * The memory models the deterministic engine gives plain (non-Atomics) accesses:
 *   sc       every access takes effect at its turn, in one global order (the default);
 *   tso      each actor's plain stores wait in its own FIFO store buffer (x86): they reach
 *            memory in program order, but later than the actor's own later loads;
 *   relaxed  the buffer keeps only each location's order (closer to Arm): stores to
 *            different locations may reach memory in any order.
 * In both weak models an actor's own reads see its newest buffered store (store
 * forwarding), and every Atomics operation drains the buffer first: Atomics are
 * sequentially consistent in JavaScript, so they are full fences here.
 */
export const MEMORY_MODES = ['sc', 'tso', 'relaxed'] as const;
export type MemoryMode = (typeof MEMORY_MODES)[number];

/** Stores one buffer holds; a store into a full buffer first drains the oldest (a real buffer stalls). */
const CAPACITY = 32;
/** Words of one actor's buffer in the image: its length, then (address, value) pairs. */
export const SB_WORDS = 1 + 2 * CAPACITY;

/** A 32-bit mix of the run's seed, the turn and the actor: which buffered stores drain at a turn. */
export function drainDice(seed: number, step: number, actor: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(step + 1, 0xc2b2ae35) ^ Math.imul(actor + 1, 0x27d4eb2f);
  h ^= h >>> 15;
  h = Math.imul(h, 0x2c1b3c6d);
  h ^= h >>> 12;
  return h >>> 0;
}

/** Writes a drained store to memory: the port's (it traces the flush and wakes timed waiters). */
export type Commit = (actor: number, i: number, v: number) => void;

/**
 * Every actor's store buffer, in the image: draining is a scheduling choice, so whichever
 * actor holds the turn may drain any actor's buffer, and the turn token orders these words
 * as it orders the scheduler's block. Allocation-free.
 */
export class StoreBuffers {
  constructor(
    private readonly i32: Int32Array,
    /** Word index of actor 0's buffer. */
    private readonly base: number,
    private readonly actors: number,
    private readonly relaxed: boolean,
    private readonly commit: Commit,
  ) {}

  private at(a: number): number {
    return this.base + a * SB_WORDS;
  }

  /** Buffered stores of actor a. */
  count(a: number): number {
    return this.i32[this.at(a)];
  }

  push(a: number, i: number, v: number): void {
    const b = this.at(a);
    if (this.i32[b] === CAPACITY) this.drainOldest(a, 1);
    const n = this.i32[b];
    this.i32[b + 1 + 2 * n] = i;
    this.i32[b + 2 + 2 * n] = v;
    this.i32[b] = n + 1;
  }

  /** Actor a's newest buffered value for word i (store forwarding), or `fallback`. */
  read(a: number, i: number, fallback: number): number {
    const b = this.at(a);
    for (let k = this.i32[b] - 1; k >= 0; k--) if (this.i32[b + 1 + 2 * k] === i) return this.i32[b + 2 + 2 * k];
    return fallback;
  }

  /** Every store actor a buffered reaches memory, oldest first: a fence. */
  drainAll(a: number): void {
    this.drainOldest(a, this.count(a));
  }

  /**
   * At a turn, each actor's buffer may let one store reach memory (one chance in four),
   * chosen by the dice for (seed, step, actor): under tso its oldest; under relaxed any
   * store whose location has no older store still buffered.
   */
  drainSome(seed: number, step: number): void {
    for (let a = 0; a < this.actors; a++) {
      const n = this.count(a);
      if (n === 0) continue;
      const dice = drainDice(seed, step, a);
      if ((dice & 3) !== 0) continue;
      if (this.relaxed) this.drainOne(a, n, dice >>> 2);
      else this.drainOldest(a, 1);
    }
  }

  /** Relaxed: drain one store, the `pick`-th (mod n) that has no older store to its location. */
  private drainOne(a: number, n: number, pick: number): void {
    const i32 = this.i32;
    const b = this.at(a);
    let k = pick % n;
    // Back to the oldest store of the same location: per-location order.
    // Stryker disable next-line EqualityOperator: at j = k the store matches itself and k stays (equivalent)
    for (let j = 0; j < k; j++) {
      if (i32[b + 1 + 2 * j] === i32[b + 1 + 2 * k]) {
        k = j;
        break;
      }
    }
    this.commit(a, i32[b + 1 + 2 * k], i32[b + 2 + 2 * k]);
    i32.copyWithin(b + 1 + 2 * k, b + 3 + 2 * k, b + 1 + 2 * n);
    i32[b] = n - 1;
  }

  private drainOldest(a: number, m: number): void {
    const i32 = this.i32;
    const b = this.at(a);
    const n = i32[b];
    for (let k = 0; k < m; k++) this.commit(a, i32[b + 1 + 2 * k], i32[b + 2 + 2 * k]);
    // Stryker disable next-line ArithmeticOperator: m > 1 only from drainAll, which leaves nothing to move (2 / m = 2 * m at m = 1: equivalent)
    i32.copyWithin(b + 1, b + 1 + 2 * m, b + 1 + 2 * n);
    i32[b] = n - m;
  }
}
