import type { Op } from './recorder.js';

/**
 * A sequential specification: a small mutable model. `apply` makes an operation take effect
 * when its recorded result fits the model's state (and returns null), or leaves the state
 * alone and says why it does not fit; `undo` takes back the last applied operation.
 */
export interface SeqSpec<S> {
  name: string;
  /** The state before any operation, for a search of `ops` (a spec may read ahead in them). */
  init(ops: readonly Op[]): S;
  apply(s: S, op: Op): string | null;
  undo(s: S, op: Op): void;
  /**
   * Equal states give equal keys (the memo's second half). A whole number (below 2^53: the
   * bag's in or out, the method cache's change count, the ring's content hash) keeps the
   * memo free of strings.
   */
  key(s: S): string | number;
  /** The state as a person reads it. */
  show(s: S): string;
  /** An operation as a person reads it: 'enqueue_bulk([4 7]) -> 2'. */
  showOp(op: Op): string;
  /** Annotate the history before the search (what overlaps what), when the spec needs to. */
  prepare?(ops: readonly Op[]): void;
  /**
   * P-compositionality: groups of operations that can be checked alone (one per object id,
   * per frame). The whole history is linearizable iff every group is. `late`: operations
   * recorded after the history was cut (an area filled), not checked, for what they tell
   * of the state (the method cache: which answers changed later).
   */
  partition?(ops: readonly Op[], late: readonly Op[]): Op[][];
  /**
   * A proof without a search (a pattern no linearization can have), tried on each group
   * first: a counter-example, or null to let the search decide.
   */
  refute?(ops: readonly Op[]): CounterExample | null;
}

export type Verdict =
  | { result: 'linearizable'; ops: number; groups: number }
  | { result: 'not-linearizable'; ops: number; groups: number; counterExample: CounterExample }
  | { result: 'unknown'; ops: number; groups: number; why: string };

/** The shortest failing prefix of a group, explained. */
export interface CounterExample {
  /** The operation whose return no linearization gets past. */
  stuck: Op;
  /** The operations linearized before the failing window (their order), and the state they leave. */
  before: Op[];
  state: string;
  /** The operations still open at that state, by invocation: each with why it cannot go next. */
  window: Array<{ op: Op; why: string }>;
  text: string;
}

export interface CheckOptions {
  /**
   * The whole check gives up ("unknown") after this much of the process's CPU time: a
   * loaded machine slows the search, it does not make it settle less often. @default 10 s
   */
  timeLimitMs?: number;
  /** Operations recorded after the history was cut (History.late), for the spec's partition. */
  late?: readonly Op[];
}

class Entry {
  prev: Entry | null = null;
  next: Entry | null = null;
  match: Entry | null = null;
  constructor(readonly op: Op, readonly isCall: boolean, readonly time: number) {}
}

class OutOfTime extends Error {}

/** The process's CPU time in ms (user and system): the clock of the check's time limit. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

let lastLook = 0;

/** Past the CPU deadline? Reads the CPU clock (a system call) at most every 20 ms of wall time. */
function outOfTime(deadline: number): boolean {
  const now = performance.now();
  if (now - lastLook < 20) return false;
  lastLook = now;
  return cpuMs() > deadline;
}

const TWO32 = 2 ** 32;

/**
 * The memo of (linearized set, state) pairs: the set as two 32-bit Zobrist hashes. A state
 * key that is a whole number (below 2^53) goes with them into an open-addressing table of
 * Int32Arrays: no object per entry. (A string per step, and then a Map keyed by a double,
 * spent half of a long ring check in the garbage collector and most of the rest hashing.)
 */
class Memo {
  private size = 0;
  private mask = (1 << 12) - 1;
  private h1 = new Int32Array(this.mask + 1);
  private h2 = new Int32Array(this.mask + 1);
  private lo = new Int32Array(this.mask + 1);
  private hi = new Int32Array(this.mask + 1);
  /** 1 where a slot is taken. */
  private used = new Uint8Array(this.mask + 1);
  private readonly other = new Set<string>();

  /** Record the pair: false when it was there already. */
  add(z1: number, z2: number, key: string | number): boolean {
    if (typeof key === 'number' && Number.isSafeInteger(key) && key >= 0) return this.addWhole(z1 | 0, z2 | 0, key | 0, Math.floor(key / TWO32) | 0);
    const s = `${z1 >>> 0}:${z2 >>> 0}|${key}`;
    if (this.other.has(s)) return false;
    this.other.add(s);
    return true;
  }

  private addWhole(z1: number, z2: number, lo: number, hi: number): boolean {
    const { h1, h2, used, mask } = this;
    let i = Math.imul(z1 ^ Math.imul(lo ^ hi, 0x9e3779b1), 0x85ebca6b) & mask;
    while (used[i] === 1) {
      if (h1[i] === z1 && h2[i] === z2 && this.lo[i] === lo && this.hi[i] === hi) return false;
      i = (i + 1) & mask;
    }
    used[i] = 1;
    h1[i] = z1;
    h2[i] = z2;
    this.lo[i] = lo;
    this.hi[i] = hi;
    if (++this.size * 2 > mask) this.grow();
    return true;
  }

  private grow(): void {
    const { h1, h2, lo, hi, used } = this;
    const n = (this.mask + 1) * 2;
    this.mask = n - 1;
    this.h1 = new Int32Array(n);
    this.h2 = new Int32Array(n);
    this.lo = new Int32Array(n);
    this.hi = new Int32Array(n);
    this.used = new Uint8Array(n);
    this.size = 0;
    for (let i = 0; i < used.length; i++) if (used[i] === 1) this.addWhole(h1[i], h2[i], lo[i], hi[i]);
  }
}

/** A spec that cannot judge the history it was given throws this: the verdict is unknown, with the message as the reason. */
export class Unsettled extends Error {}

/** Operation id's random word for Zobrist hashing (a fixed mix: the same id, the same word). */
function zobrist(id: number, salt: number): number {
  let h = Math.imul(id + 1, 0x9e3779b1) ^ Math.imul(salt, 0x85ebca6b);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  return (h ^ (h >>> 16)) | 0;
}

/** The history's entries as a linked list (calls and returns by time; a return before a call at equal time). */
function entryList(ops: readonly Op[]): Entry {
  const entries: Entry[] = [];
  for (const o of ops) {
    const c = new Entry(o, true, o.call);
    const r = new Entry(o, false, o.ret);
    c.match = r;
    entries.push(c, r);
  }
  entries.sort((x, y) => x.time - y.time || (x.isCall === y.isCall ? x.op.id - y.op.id : x.isCall ? 1 : -1));
  // Calls with no return between them may be tried in any order: the one returning first is
  // the likeliest to have taken effect first, so try it first.
  for (let i = 0; i < entries.length; ) {
    let j = i;
    while (j < entries.length && entries[j].isCall) j++;
    if (j - i > 1) {
      const run = entries.slice(i, j).sort((x, y) => x.op.ret - y.op.ret || x.op.id - y.op.id);
      for (let k = i; k < j; k++) entries[k] = run[k - i];
    }
    i = j === i ? i + 1 : j;
  }
  const head = new Entry({ id: -1, actor: -1, op: 0, args: [], result: [], call: 0, ret: 0 }, true, -Infinity);
  let prev = head;
  for (const e of entries) {
    prev.next = e;
    e.prev = prev;
    prev = e;
  }
  return head;
}

function lift(e: Entry): void {
  e.prev!.next = e.next;
  if (e.next) e.next.prev = e.prev;
  const m = e.match!;
  m.prev!.next = m.next;
  if (m.next) m.next.prev = m.prev;
}

function unlift(e: Entry): void {
  const m = e.match!;
  m.prev!.next = m;
  if (m.next) m.next.prev = m;
  e.prev!.next = e;
  if (e.next) e.next.prev = e;
}

/**
 * Wing & Gong's search with Lowe's memoisation, as porcupine and Knossos do it: take the
 * earliest entry; a call is tried as the next operation to take effect (kept when the model
 * accepts it and the pair (linearized set, state) is new); a return of an operation not yet
 * linearized means the last choice was wrong: take it back and try the next call.
 * Returns the linearization, or null.
 */
function search<S>(spec: SeqSpec<S>, ops: readonly Op[], deadline: number): Op[] | null {
  const head = entryList(ops);
  const state = spec.init(ops);
  // The linearized set, as two 32-bit Zobrist hashes (an XOR of each member's random
  // words): O(1) to update and to key, however far apart its members are.
  let z1 = 0;
  let z2 = 0;
  const memo = new Memo();
  const stack: Entry[] = [];
  let entry = head.next;
  let tick = 0;
  while (entry !== null) {
    if ((++tick & 1023) === 0 && outOfTime(deadline)) throw new OutOfTime();
    if (entry.isCall) {
      const op = entry.op;
      if (spec.apply(state, op) === null) {
        const y1 = z1 ^ zobrist(op.id, 1);
        const y2 = z2 ^ zobrist(op.id, 2);
        if (memo.add(y1, y2, spec.key(state))) {
          z1 = y1;
          z2 = y2;
          stack.push(entry);
          lift(entry);
          entry = head.next;
          continue;
        }
        spec.undo(state, op);
      }
      entry = entry.next;
    } else {
      // Pending operations return last: every completed one is linearized.
      if (entry.op.ret === Infinity) break;
      const top = stack.pop();
      if (!top) return null;
      z1 ^= zobrist(top.op.id, 1);
      z2 ^= zobrist(top.op.id, 2);
      spec.undo(state, top.op);
      unlift(top);
      entry = top.next;
    }
  }
  return stack.map((e) => e.op);
}

/**
 * The ops of a prefix of the history: those called by `t`; the ones returning after it are
 * pending, free to take effect (with the result they returned) or not.
 */
function prefixAt(ops: readonly Op[], t: number): Op[] {
  return ops.filter((o) => o.call <= t).map((o) => (o.ret <= t ? o : { ...o, ret: Infinity }));
}

/** An operation's [call, return] in real time, as a counter-example shows it. */
export function span(o: Op): string {
  return `[${o.call}, ${o.ret === Infinity ? 'pending' : o.ret}]`;
}

/** How many operations of the counter-example's past it shows. */
const SHOWN_BEFORE = 6;

/**
 * Shrink a failing group to its shortest failing prefix (the first return no linearization
 * gets past), then explain it from the state a linearization of everything before leaves.
 */
function explain<S>(spec: SeqSpec<S>, ops: readonly Op[], deadline: number): CounterExample {
  const rets = ops.filter((o) => o.ret !== Infinity).map((o) => o.ret).sort((a, b) => a - b);
  let lo = 0;
  let hi = rets.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (search(spec, prefixAt(ops, rets[mid]), deadline) === null) hi = mid;
    else lo = mid + 1;
  }
  const t = rets[lo];
  const stuck = ops.find((o) => o.ret === t)!;
  const justBefore = prefixAt(ops, t - 0.5);
  const lin = search(spec, justBefore, deadline) ?? [];
  const done = new Set(lin.map((o) => o.id));
  // The failing window: what was open when `stuck` returned and is not yet linearized.
  const before = lin;
  const state = spec.init(justBefore);
  // The ones that changed the state explain it; refusals and the like are only counted.
  const movers: Op[] = [];
  for (const o of before) {
    const k0 = spec.key(state);
    spec.apply(state, o);
    if (spec.key(state) !== k0) movers.push(o);
  }
  const open = ops.filter((o) => o.call <= t && !done.has(o.id)).sort((a, b) => a.call - b.call);
  const window = open.map((op) => {
    const why = spec.apply(state, op);
    if (why === null) spec.undo(state, op);
    return { op, why: why ?? 'fits here, but no order of the rest fits after it' };
  });
  const shown = movers.slice(-SHOWN_BEFORE);
  const quiet = before.length - movers.length;
  const when = span;
  const text = [
    `not linearizable (${spec.name}): no sequential order of the operations up to a${stuck.actor}'s ${spec.showOp(stuck)} returning at ${t} fits the spec`,
    `  ${before.length} earlier operations linearize (${quiet} of them change nothing)${movers.length > shown.length ? `; the last ${shown.length} that change the state` : ''}; [call, return] in real time:`,
    ...shown.map((o) => `    a${o.actor} ${spec.showOp(o)}  ${when(o)}`),
    `  one order of them leaves the state: ${spec.show(state)}`,
    `  from there none of the operations then open can take effect next (and the search tried every other order):`,
    ...window.map(({ op, why }) => `    a${op.actor} ${spec.showOp(op)}  ${when(op)}: ${why}`),
  ].join('\n');
  return { stuck, before, state: spec.show(state), window, text };
}

/** Check a history against a sequential spec, group by group where the spec partitions. */
export function checkLinearizable<S>(spec: SeqSpec<S>, ops: readonly Op[], opts: CheckOptions = {}): Verdict {
  const deadline = cpuMs() + (opts.timeLimitMs ?? 10_000);
  spec.prepare?.(ops);
  let groups: Op[][];
  try {
    groups = spec.partition ? spec.partition(ops, opts.late ?? []) : [ops.slice()];
  } catch (e) {
    if (!(e instanceof Unsettled)) throw e;
    return { result: 'unknown', ops: ops.length, groups: 0, why: e.message };
  }
  const base = { ops: ops.length, groups: groups.length };
  try {
    for (const g of groups) {
      const refuted = spec.refute?.(g) ?? null;
      if (refuted) return { result: 'not-linearizable', ...base, counterExample: refuted };
      if (search(spec, g, deadline) === null) return { result: 'not-linearizable', ...base, counterExample: explain(spec, g, deadline) };
    }
  } catch (e) {
    if (!(e instanceof OutOfTime)) throw e;
    return { result: 'unknown', ...base, why: `the time limit (${opts.timeLimitMs ?? 10_000} ms of CPU) ran out before the search settled` };
  }
  return { result: 'linearizable', ...base };
}
