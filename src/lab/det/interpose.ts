import type { ArenaLayout } from '../../shm/arena.js';
import type { Mem } from '../../shm/mem.js';

/**
 * The Atomics interposer: while a role runs under the deterministic engine, the methods of
 * the global `Atomics` object are replaced, so code that calls `Atomics.*` itself — a user's scenario, a
 * library from npm — takes a scheduling point at each call, as code on the Mem port does.
 *
 * - On the image's buffer, 32-bit calls become the bound port's own atomic methods (traced,
 *   replayed, store buffers flushed); 64-bit ones its 64-bit methods (the rest of the
 *   64-bit read-modify-writes a compare-exchange loop on them); 8- and 16-bit ones a
 *   compare-exchange loop on the 32-bit word that holds them. `xor`, which the port lacks,
 *   is a compare-exchange loop too.
 * - On any other SharedArrayBuffer, a call is a scheduling point of its own (a pause: a
 *   yield to PCT), then runs as it is; a wait there polls, one scheduling point a look.
 * - The runtime's own regions (control words, counters, the scheduler's block) and the
 *   port's calls into Atomics pass straight through.
 *
 * A run of loads that comes back to a word it loaded already, and sees the same value, is
 * a spin (`while (Atomics.load(a) && Atomics.load(b))`): that load is preceded by a pause,
 * so PCT and DFS take it as the yield it is (a spinner with the top priority would
 * otherwise spin until its step budget runs out).
 *
 * Plain typed-array reads and writes cannot be intercepted; uncontrolled.ts finds the
 * ones that changed what the port saw.
 */

/** Regions the runtime and engines own: Atomics on them is never a scenario's access. */
const RUNTIME_REGION = /^(runtime|actors|det|history)\./;

/** Word ranges [start, end) of the image that belong to the runtime, not the scenario. */
export function runtimeRanges(layout: ArenaLayout): Array<[number, number]> {
  return Object.entries(layout.regions)
    .filter(([name]) => RUNTIME_REGION.test(name))
    .map(([, r]): [number, number] => [r.offset >> 2, (r.offset + Math.max(r.bytes, 4) + 3) >> 2])
    .sort((a, b) => a[0] - b[0]);
}

export function inRanges(ranges: ReadonlyArray<[number, number]>, word: number): boolean {
  for (let k = 0; k < ranges.length; k++) if (word >= ranges[k][0] && word < ranges[k][1]) return true;
  return false;
}

type Typed = Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;
type Op32 = (a: number, b: number) => number;
type Op64 = (a: bigint, b: bigint) => bigint;

const OPS32: Record<string, Op32> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, and: (a, b) => a & b, or: (a, b) => a | b, xor: (a, b) => a ^ b, exchange: (_a, b) => b,
};
const OPS64: Record<string, Op64> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, and: (a, b) => a & b, or: (a, b) => a | b, xor: (a, b) => a ^ b, exchange: (_a, b) => b,
};
/** The methods of the Atomics object that are replaced (in place, so code that kept a reference to the object is covered too). */
const PATCHED = ['load', 'store', 'add', 'sub', 'and', 'or', 'xor', 'exchange', 'compareExchange', 'wait', 'notify'] as const;
/** The real methods, kept when this module loads, before any is replaced: pass-throughs call them. */
const REAL = Object.fromEntries(PATCHED.map((k) => [k, Atomics[k]])) as unknown as Pick<typeof Atomics, (typeof PATCHED)[number]>;
/** Loads remembered for spin detection. */
const SPIN_WINDOW = 8;
const RMW = ['add', 'sub', 'and', 'or', 'xor', 'exchange'] as const;

export interface Interposer {
  /** The port for ActorContext: the bound one, its calls marked as the port's own. */
  readonly mem: Mem;
  /** Replace the Atomics methods (around the role's run). */
  install(): void;
  /** Put the real Atomics back. */
  restore(): void;
  /** The longest time, in ms, the actor ran between two of its scheduling points (or before its first). */
  longestGapMs(): number;
}

/**
 * An interposer for one actor's port. `runtime`: the image's runtime word ranges, whose
 * Atomics pass through.
 */
export function interposer(port: Mem, sab: SharedArrayBuffer, runtime: ReadonlyArray<[number, number]>): Interposer {
  const real = REAL;
  const mem = new OwnedPort(port);
  /** The words (and values seen) of the loads since this actor's last other call: a spin comes back to one. */
  const seenWord = new Int32Array(SPIN_WINDOW);
  const seenValue = new Int32Array(SPIN_WINDOW);
  let seen = 0;
  const spins = (w: number, v: number): boolean => {
    for (let k = 0; k < seen; k++) if (seenWord[k] === w) return seenValue[k] === v;
    return false;
  };
  const saw = (w: number, v: number) => {
    for (let k = 0; k < seen; k++) if (seenWord[k] === w) return void (seenValue[k] = v);
    if (seen === SPIN_WINDOW) seen = 0;
    seenWord[seen] = w;
    seenValue[seen++] = v;
  };
  const scenarioWord = (ta: Typed) => ta.buffer === sab;

  /** Which of the image's words (or 64-bit words) an element is, or -1 to pass through. */
  const wordOf = (ta: Typed, index: unknown): number => {
    const k = Number(index);
    if (!Number.isInteger(k) || k < 0 || k >= ta.length) return -1;
    return (ta.byteOffset >> 2) + ((k * ta.BYTES_PER_ELEMENT) >> 2);
  };
  const controlled = (ta: unknown): ta is Typed =>
    mem.depth === 0 && ArrayBuffer.isView(ta) && ta.buffer instanceof SharedArrayBuffer && !(ta instanceof Float32Array) && !(ta instanceof Float64Array) && !(ta instanceof DataView);

  const conv32 = (ta: Typed, v: number) => (ta instanceof Uint32Array ? v >>> 0 : v | 0);
  const conv64 = (ta: Typed, v: bigint) => (ta instanceof BigUint64Array ? BigInt.asUintN(64, v) : BigInt.asIntN(64, v));

  /** A lane of 8 or 16 bits in its 32-bit word: read it, and read-modify-write it by compare-exchange. */
  const lane = (ta: Typed, k: number) => {
    const byte = ta.byteOffset + k * ta.BYTES_PER_ELEMENT;
    const bits = ta.BYTES_PER_ELEMENT * 8;
    const shift = (byte & 3) * 8;
    const mask = ((1 << bits) - 1) << shift;
    const signed = ta instanceof Int8Array || ta instanceof Int16Array;
    const get = (w: number) => {
      const u = ((w & mask) >>> shift) >>> 0;
      return signed ? (u << (32 - bits)) >> (32 - bits) : u;
    };
    return { word: byte >> 2, get, put: (w: number, v: number) => (w & ~mask) | ((v << shift) & mask) };
  };

  function rmwNarrow(ta: Typed, k: number, f: (old: number) => number | null): number {
    const l = lane(ta, k);
    for (;;) {
      const w = mem.load(l.word);
      const old = l.get(w);
      const next = f(old);
      if (next === null) return old;
      if (mem.compareExchange(l.word, w, l.put(w, next)) === w) return old;
    }
  }

  function xor32(w: number, v: number): number {
    for (;;) {
      const old = mem.load(w);
      if (mem.compareExchange(w, old, old ^ v) === old) return old;
    }
  }

  function rmw64(q: number, f: (old: bigint) => bigint): bigint {
    for (;;) {
      const old = mem.load64(q);
      if (mem.compareExchange64(q, old, BigInt.asIntN(64, f(old))) === old) return old;
    }
  }

  /** Any other shared buffer: a scheduling point, then the real call. */
  const foreign = <T>(f: () => T): T => {
    mem.pause();
    return f();
  };

  const fake: Record<string, unknown> = {};

  const load = (ta: Typed, index: number): number | bigint => {
    if (!controlled(ta)) return real.load(ta as Int32Array, index);
    if (!scenarioWord(ta)) return foreign(() => real.load(ta as Int32Array, index));
    const w = wordOf(ta, index);
    if (w < 0 || inRanges(runtime, w)) return real.load(ta as Int32Array, index);
    const size = ta.BYTES_PER_ELEMENT;
    if (size === 8) {
      seen = 0;
      return conv64(ta, mem.load64((ta.byteOffset >> 3) + Number(index)));
    }
    // The actor holds the turn since its last call: a plain look at the word races with nobody.
    if (spins(w, mem.i32[w])) mem.pause();
    const v = mem.load(w);
    saw(w, v);
    return size === 4 ? conv32(ta, v) : lane(ta, Number(index)).get(v);
  };
  fake.load = load;

  const rmw = (name: (typeof RMW)[number]) => (ta: Typed, index: number, value: number | bigint) => {
    const realOp = real[name] as unknown as (t: Typed, i: number, v: number | bigint) => number | bigint;
    if (!controlled(ta)) return realOp(ta, index, value);
    seen = 0;
    if (!scenarioWord(ta)) return foreign(() => realOp(ta, index, value));
    const w = wordOf(ta, index);
    if (w < 0 || inRanges(runtime, w)) return realOp(ta, index, value);
    const size = ta.BYTES_PER_ELEMENT;
    if (size === 8) return conv64(ta, rmw64((ta.byteOffset >> 3) + Number(index), (old) => OPS64[name](old, BigInt(value))));
    const v = Number(value);
    if (size === 4) return conv32(ta, name === 'xor' ? xor32(w, v | 0) : mem[name](w, v | 0));
    return rmwNarrow(ta, Number(index), (old) => OPS32[name](old, v));
  };
  for (const name of RMW) fake[name] = rmw(name);

  fake.store = (ta: Typed, index: number, value: number | bigint) => {
    if (!controlled(ta)) return real.store(ta as Int32Array, index, value as number);
    seen = 0;
    if (!scenarioWord(ta)) return foreign(() => real.store(ta as Int32Array, index, value as number));
    const w = wordOf(ta, index);
    if (w < 0 || inRanges(runtime, w)) return real.store(ta as Int32Array, index, value as number);
    const size = ta.BYTES_PER_ELEMENT;
    if (size === 8) {
      mem.store64((ta.byteOffset >> 3) + Number(index), BigInt.asIntN(64, BigInt(value)));
      return BigInt(value);
    }
    const v = Math.trunc(Number(value)) || 0;
    if (size === 4) mem.store(w, v | 0);
    else rmwNarrow(ta, Number(index), () => v);
    return v;
  };

  fake.compareExchange = (ta: Typed, index: number, expected: number | bigint, replacement: number | bigint) => {
    const call = () => real.compareExchange(ta as Int32Array, index, expected as number, replacement as number);
    if (!controlled(ta)) return call();
    seen = 0;
    if (!scenarioWord(ta)) return foreign(call);
    const w = wordOf(ta, index);
    if (w < 0 || inRanges(runtime, w)) return call();
    const size = ta.BYTES_PER_ELEMENT;
    if (size === 8) {
      const e = BigInt.asIntN(64, BigInt(expected));
      return conv64(ta, mem.compareExchange64((ta.byteOffset >> 3) + Number(index), e, BigInt.asIntN(64, BigInt(replacement))));
    }
    if (size === 4) return conv32(ta, mem.compareExchange(w, Number(expected) | 0, Number(replacement) | 0));
    const l = lane(ta, Number(index));
    const e = l.get(l.put(0, Number(expected)));
    return rmwNarrow(ta, Number(index), (old) => (old === e ? Number(replacement) : null));
  };

  fake.wait = (ta: Int32Array | BigInt64Array, index: number, value: number | bigint, timeout?: number) => {
    const call = () => real.wait(ta as Int32Array, index, value as number, timeout);
    if (!controlled(ta) || !(ta instanceof Int32Array || ta instanceof BigInt64Array)) return call();
    seen = 0;
    const w = wordOf(ta, index);
    if (w < 0 || (scenarioWord(ta) && inRanges(runtime, w))) return call();
    // No timeout (undefined) or NaN: wait forever, as the real wait does.
    const t = Number(timeout);
    if (scenarioWord(ta) && ta instanceof Int32Array) return mem.wait(w, Number(value) | 0, Number.isNaN(t) ? Infinity : t);
    // A 64-bit wait, or one on another buffer: poll, one scheduling point a look.
    const look = () => (ta instanceof BigInt64Array ? load(ta, index) !== BigInt.asIntN(64, BigInt(value)) : load(ta, index) !== (Number(value) | 0));
    if (look()) return 'not-equal';
    for (;;) {
      mem.pause();
      if (look()) return 'ok';
      if (Number.isFinite(t)) return 'timed-out';
    }
  };

  fake.notify = (ta: Int32Array | BigInt64Array, index: number, count?: number) => {
    const call = () => real.notify(ta as Int32Array, index, count);
    if (!controlled(ta)) return call();
    seen = 0;
    if (!scenarioWord(ta)) return foreign(call);
    const w = wordOf(ta, index);
    if (w < 0 || inRanges(runtime, w) || ta instanceof BigInt64Array) return call();
    return mem.notify(w, count === undefined ? Infinity : Math.max(0, Number(count)));
  };

  const methods = Atomics as unknown as Record<string, unknown>;
  return {
    mem,
    install() {
      mem.mark = performance.now();
      for (const k of PATCHED) methods[k] = fake[k];
    },
    restore() {
      for (const k of PATCHED) methods[k] = real[k];
    },
    longestGapMs: () => mem.longest,
  };
}

/**
 * The port as ActorContext sees it: each call is the port's own (depth > 0: its Atomics pass
 * through), and the time the actor ran between two calls is measured. One wrapper object, no
 * closure or array per call (`implements Mem`: a method the port gains must be added here).
 */
class OwnedPort implements Mem {
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  readonly i64: BigInt64Array;
  depth = 0;
  mark = 0;
  longest = 0;

  constructor(private readonly port: Mem) {
    this.i32 = port.i32;
    this.u8 = port.u8;
    this.i64 = port.i64;
  }

  private enter(): void {
    if (this.depth++ !== 0) return;
    const gap = performance.now() - this.mark;
    // Stryker disable next-line EqualityOperator: an equal gap stores the same longest (equivalent)
    if (gap > this.longest) this.longest = gap;
  }

  private leave(): void {
    if (--this.depth === 0) this.mark = performance.now();
  }

  load(i: number): number {
    this.enter();
    try { return this.port.load(i); } finally { this.leave(); }
  }
  store(i: number, v: number): void {
    this.enter();
    try { this.port.store(i, v); } finally { this.leave(); }
  }
  add(i: number, v: number): number {
    this.enter();
    try { return this.port.add(i, v); } finally { this.leave(); }
  }
  sub(i: number, v: number): number {
    this.enter();
    try { return this.port.sub(i, v); } finally { this.leave(); }
  }
  and(i: number, v: number): number {
    this.enter();
    try { return this.port.and(i, v); } finally { this.leave(); }
  }
  or(i: number, v: number): number {
    this.enter();
    try { return this.port.or(i, v); } finally { this.leave(); }
  }
  exchange(i: number, v: number): number {
    this.enter();
    try { return this.port.exchange(i, v); } finally { this.leave(); }
  }
  compareExchange(i: number, expected: number, replacement: number): number {
    this.enter();
    try { return this.port.compareExchange(i, expected, replacement); } finally { this.leave(); }
  }
  wait(i: number, expected: number, timeoutMs: number): 'ok' | 'not-equal' | 'timed-out' {
    this.enter();
    try { return this.port.wait(i, expected, timeoutMs); } finally { this.leave(); }
  }
  notify(i: number, count: number): number {
    this.enter();
    try { return this.port.notify(i, count); } finally { this.leave(); }
  }
  waitFlagged(i: number, expected: number, flag: number, timeoutMs: number): 'ok' | 'not-equal' | 'timed-out' {
    this.enter();
    try { return this.port.waitFlagged(i, expected, flag, timeoutMs); } finally { this.leave(); }
  }
  wakeFlagged(i: number, flag: number): void {
    this.enter();
    try { this.port.wakeFlagged(i, flag); } finally { this.leave(); }
  }
  read(i: number): number {
    this.enter();
    try { return this.port.read(i); } finally { this.leave(); }
  }
  write(i: number, v: number): void {
    this.enter();
    try { this.port.write(i, v); } finally { this.leave(); }
  }
  writeBlock(i: number, src: Int32Array, off: number, n: number): void {
    this.enter();
    try { this.port.writeBlock(i, src, off, n); } finally { this.leave(); }
  }
  readBlock(i: number, dst: Int32Array, off: number, n: number): void {
    this.enter();
    try { this.port.readBlock(i, dst, off, n); } finally { this.leave(); }
  }
  load64(i: number): bigint {
    this.enter();
    try { return this.port.load64(i); } finally { this.leave(); }
  }
  store64(i: number, v: bigint): void {
    this.enter();
    try { this.port.store64(i, v); } finally { this.leave(); }
  }
  compareExchange64(i: number, expected: bigint, replacement: bigint): bigint {
    this.enter();
    try { return this.port.compareExchange64(i, expected, replacement); } finally { this.leave(); }
  }
  pause(): void {
    this.enter();
    try { this.port.pause(); } finally { this.leave(); }
  }
}
