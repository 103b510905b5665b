/**
 * The Mem port: every access an algorithm makes to shared memory goes through it, so the
 * same structure code runs on raw `Atomics` (stress engine, benchmarks) and under a
 * scheduler that takes a turn before each access (deterministic engine).
 *
 * Addresses are 32-bit word indices into the arena (byte offset / 4). The 64-bit calls take
 * the index of a 64-bit word (byte offset / 8). `read`/`write` are plain, non-atomic
 * accesses: a slot copy that a later atomic store publishes, or the racy access that a
 * broken variant makes.
 */
export interface Mem {
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  readonly i64: BigInt64Array;
  load(i: number): number;
  store(i: number, v: number): void;
  /** Returns the old value, as `Atomics.add` does. */
  add(i: number, v: number): number;
  sub(i: number, v: number): number;
  and(i: number, v: number): number;
  or(i: number, v: number): number;
  exchange(i: number, v: number): number;
  /** Returns the value found; the swap happened iff it equals `expected`. */
  compareExchange(i: number, expected: number, replacement: number): number;
  /** `Atomics.wait` with a timeout in ms; never call unbounded from the main thread. */
  wait(i: number, expected: number, timeoutMs: number): 'ok' | 'not-equal' | 'timed-out';
  notify(i: number, count: number): number;
  /**
   * Sleep on word i while it holds `expected`, first raising the flag word `flag` (1: someone
   * may be asleep on word i), so that whoever changes word i knows to wake it
   * (`wakeFlagged`). The timeout is a fallback: a wake-up is never needed for correctness,
   * only for latency.
   */
  waitFlagged(i: number, expected: number, flag: number, timeoutMs: number): 'ok' | 'not-equal' | 'timed-out';
  /** After changing word i: if `flag` is raised, lower it and wake everyone asleep on word i. */
  wakeFlagged(i: number, flag: number): void;
  read(i: number): number;
  write(i: number, v: number): void;
  /** memcpy into the image: `write` of src[off..off+n) to words i..i+n, one after another. */
  writeBlock(i: number, src: Int32Array, off: number, n: number): void;
  /** memcpy out of the image: `read` of words i..i+n into dst[off..off+n), one after another. */
  readBlock(i: number, dst: Int32Array, off: number, n: number): void;
  load64(i: number): bigint;
  store64(i: number, v: bigint): void;
  compareExchange64(i: number, expected: bigint, replacement: bigint): bigint;
  /** A pause in a spin loop: a scheduling point for the deterministic engine, nothing here. */
  pause(): void;
  /**
   * The image's words, on a port whose every access is the plain or Atomics access itself
   * (AtomicsMem). Absent where a port adds anything to an access (a scheduling point, a
   * store buffer, a recording): code that takes it must make the same accesses, in the same
   * order, as it would through the port's methods.
   */
  readonly raw?: Int32Array;
  /** The actor makes no more accesses (the deterministic port hands its turn on); absent on raw ports. */
  retire?(crashed: boolean): void;
}

/** Words from which `writeBlock` of a whole array copies with TypedArray.set. */
const BLOCK_SET_MIN = 256;

/**
 * dst[to..to+n) = src[from..from+n), one word after another, four words a step: a quarter
 * of a word-by-word loop's compare-and-branch (32 words: 28 ns, against 39 ns one word a
 * step and 48 ns through TypedArray.set). Plain accesses: the copies of the raw port.
 */
export function copyWords(dst: Int32Array, to: number, src: Int32Array, from: number, n: number): void {
  let k = 0;
  for (const end = n - 3; k < end; k += 4) {
    dst[to + k] = src[from + k];
    dst[to + k + 1] = src[from + k + 1];
    dst[to + k + 2] = src[from + k + 2];
    dst[to + k + 3] = src[from + k + 3];
  }
  for (; k < n; k++) dst[to + k] = src[from + k];
}

/** The port bound straight to `Atomics`: what stress runs and benchmarks use. */
export class AtomicsMem implements Mem {
  readonly i32: Int32Array;
  /** Only on AtomicsMem itself: a subclass overrides some access (tests interpose on CAS, pause, wait). */
  readonly raw: Int32Array | undefined;
  readonly u8: Uint8Array;
  readonly i64: BigInt64Array;

  constructor(sab: SharedArrayBuffer) {
    this.i32 = new Int32Array(sab);
    this.raw = new.target === AtomicsMem ? this.i32 : undefined;
    this.u8 = new Uint8Array(sab);
    this.i64 = new BigInt64Array(sab);
  }

  load(i: number): number {
    return Atomics.load(this.i32, i);
  }
  store(i: number, v: number): void {
    Atomics.store(this.i32, i, v);
  }
  add(i: number, v: number): number {
    return Atomics.add(this.i32, i, v);
  }
  sub(i: number, v: number): number {
    return Atomics.sub(this.i32, i, v);
  }
  and(i: number, v: number): number {
    return Atomics.and(this.i32, i, v);
  }
  or(i: number, v: number): number {
    return Atomics.or(this.i32, i, v);
  }
  exchange(i: number, v: number): number {
    return Atomics.exchange(this.i32, i, v);
  }
  compareExchange(i: number, expected: number, replacement: number): number {
    return Atomics.compareExchange(this.i32, i, expected, replacement);
  }
  wait(i: number, expected: number, timeoutMs: number): 'ok' | 'not-equal' | 'timed-out' {
    return Atomics.wait(this.i32, i, expected, timeoutMs);
  }
  notify(i: number, count: number): number {
    return Atomics.notify(this.i32, i, count);
  }
  waitFlagged(i: number, expected: number, flag: number, timeoutMs: number): 'ok' | 'not-equal' | 'timed-out' {
    Atomics.store(this.i32, flag, 1);
    return Atomics.wait(this.i32, i, expected, timeoutMs);
  }
  wakeFlagged(i: number, flag: number): void {
    // One plain read on the publisher's path while nobody sleeps, and one notify per sleep,
    // not one per publication until the sleeper has run again. The flag is raised before the
    // sleeper's Atomics.wait compares word i, and the waker's Atomics store of word i came
    // before this read: a flag not yet seen belongs to a sleeper whose compare sees the new
    // value (or, where a plain read may pass a store, one that waits out its fallback).
    if (this.i32[flag] !== 0 && Atomics.exchange(this.i32, flag, 0) !== 0) Atomics.notify(this.i32, i, Infinity);
  }
  read(i: number): number {
    return this.i32[i];
  }
  write(i: number, v: number): void {
    this.i32[i] = v;
  }
  writeBlock(i: number, src: Int32Array, off: number, n: number): void {
    const i32 = this.i32;
    // A long whole array is one memcpy (TypedArray.set). Below that the builtin's call
    // costs more than it saves (see copyWords).
    if (n >= BLOCK_SET_MIN && off === 0 && n === src.length) {
      i32.set(src, i);
      return;
    }
    copyWords(i32, i, src, off, n);
  }
  readBlock(i: number, dst: Int32Array, off: number, n: number): void {
    copyWords(dst, off, this.i32, i, n);
  }
  load64(i: number): bigint {
    return Atomics.load(this.i64, i);
  }
  store64(i: number, v: bigint): void {
    Atomics.store(this.i64, i, v);
  }
  compareExchange64(i: number, expected: bigint, replacement: bigint): bigint {
    return Atomics.compareExchange(this.i64, i, expected, replacement);
  }
  pause(): void {}
}
