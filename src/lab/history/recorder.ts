import { LINE_WORDS } from '../../shm/arena.js';

/**
 * History recording: each actor writes the invocation and the response of its operations
 * into its own area of the image, stamped with a position in real time, so the checker can
 * ask afterwards whether some sequential order of them fits a specification.
 *
 * The history block: line 0 holds the stress engine's ticket word; then one area per actor
 * of `words` words (line-aligned, so actors never share a line). An area is
 *   [0] words used   [1] 1 once the area was full and recording stopped   [2..] events
 * and an event is  header, time, value...  with header = n << 16 | op << 1 | kind.
 *
 * Time: under the deterministic engine the turn number (one actor runs between turns, so a
 * turn orders everything; a response at turn s is 2s, an invocation 2s + 1, so an actor's
 * next call follows its last return); under the stress engine a ticket word, sequentially
 * consistent with every access around it: a response takes a ticket (`Atomics.add`, the
 * new value), an invocation only reads the word (`Atomics.load`). An invocation that reads
 * t came after every response stamped t or less and before every response stamped above
 * t, which is all real-time order needs (the checker puts a return before a call of equal
 * time), at one read-modify-write of the shared word per operation instead of two.
 */
export const HB_TICKET = 0;
export const HB_AREAS = LINE_WORDS;
export const AREA_USED = 0;
export const AREA_FULL = 1;
export const AREA_EVENTS = 2;
export const EV_INVOKE = 1;
export const EV_RESPOND = 0;
/** Values one event can carry. */
export const MAX_VALUES = 0x7fff;

/** Where an actor's history goes: plain data carried by its task. */
export interface HistoryRef {
  /** The history block's word index. */
  base: number;
  /** Words per actor area. */
  words: number;
  /** Under the deterministic engine: the scheduler's turn-counter word; -1 under stress. */
  stepWord: number;
}

/** Words the history block of `actors` actors takes. */
export function historyWords(actors: number, words: number): number {
  return HB_AREAS + actors * alignLine(words);
}

function alignLine(words: number): number {
  return Math.ceil(words / LINE_WORDS) * LINE_WORDS;
}

/** The word index of actor `a`'s area. */
export function areaOf(ref: HistoryRef, a: number): number {
  return ref.base + HB_AREAS + a * alignLine(ref.words);
}

/**
 * One actor's recorder. Every call writes only the actor's own area (plain stores) and takes
 * a time stamp: a plain read of the turn counter, or under stress an `Atomics.load` of the
 * ticket word (invocation) or an `Atomics.add` (response).
 */
export class HistoryRecorder {
  private readonly i32: Int32Array;
  private readonly area: number;
  private readonly end: number;
  private readonly ticket: number;
  private readonly stepWord: number;
  private pos: number;

  constructor(i32: Int32Array, ref: HistoryRef, actor: number) {
    this.i32 = i32;
    this.area = areaOf(ref, actor);
    this.end = this.area + ref.words;
    this.ticket = ref.base + HB_TICKET;
    this.stepWord = ref.stepWord;
    this.pos = this.area + AREA_EVENTS;
  }

  private now(kind: number): number {
    if (this.stepWord >= 0) return 2 * this.i32[this.stepWord] + kind;
    return kind === EV_INVOKE ? Atomics.load(this.i32, this.ticket) : Atomics.add(this.i32, this.ticket, 1) + 1;
  }

  /** Room for an event of n values: else the area is marked full and the event dropped. */
  private head(kind: number, op: number, n: number): number {
    const at = this.pos;
    if (at + 2 + n > this.end || n > MAX_VALUES) {
      this.stop();
      return -1;
    }
    this.i32[at] = (n << 16) | (op << 1) | kind;
    this.i32[at + 1] = this.now(kind);
    this.pos = at + 2 + n;
    return at + 2;
  }

  /** Record nothing more (as if the area had filled): the check covers the history up to here. */
  private stop(): void {
    this.i32[this.area + AREA_FULL] = 1;
    this.pos = this.end;
  }

  private close(): void {
    this.i32[this.area + AREA_USED] = this.pos - this.area;
  }

  /** Operation `op` begins with the values src[0], src[stride], ... (n of them). */
  invoke(op: number, src: ArrayLike<number>, n: number, stride = 1): void {
    const at = this.head(EV_INVOKE, op, n);
    if (at < 0) return;
    for (let k = 0; k < n; k++) this.i32[at + k] = src[k * stride];
    this.close();
  }

  /** Operation `op` begins with one value. */
  invoke1(op: number, x: number): void {
    const at = this.head(EV_INVOKE, op, 1);
    if (at < 0) return;
    this.i32[at] = x;
    this.close();
  }

  /** The operation begun last returns the values src[0], src[stride], ... (n of them). */
  respond(src: ArrayLike<number>, n: number, stride = 1): void {
    const at = this.head(EV_RESPOND, 0, n);
    if (at < 0) return;
    for (let k = 0; k < n; k++) this.i32[at + k] = src[k * stride];
    this.close();
  }

  /** The operation begun last returns one value. */
  respond1(x: number): void {
    const at = this.head(EV_RESPOND, 0, 1);
    if (at < 0) return;
    this.i32[at] = x;
    this.close();
  }
}

/** One recorded operation. `ret` is Infinity while it has no response (pending). */
export interface Op {
  id: number;
  actor: number;
  op: number;
  args: number[];
  result: number[];
  call: number;
  ret: number;
  /** What a spec's `prepare` noted about the operation's surroundings (the ring: objects other actors had in flight). */
  slack?: number;
}

/** What was read back: the operations, and whether some area filled (the history is then a prefix). */
export interface History {
  ops: Op[];
  truncated: boolean;
  /** The operations called after the cut, as recorded (a spec may need what they changed). */
  late: Op[];
}

/**
 * Read every actor's area back into operations, numbered by invocation time. When an area
 * filled, the history is cut at the last return that area holds (the earliest such among
 * full areas): later calls are dropped, and operations open at the cut become pending (with
 * the result they returned later, they may or may not take effect by then).
 */
export function readHistory(i32: Int32Array, ref: HistoryRef, actors: number): History {
  const perActor: Op[][] = [];
  let cut = Infinity;
  for (let a = 0; a < actors; a++) {
    const area = areaOf(ref, a);
    const end = area + i32[area + AREA_USED];
    const ops: Op[] = [];
    let open: Op | null = null;
    let lastReturn = -Infinity;
    for (let at = area + AREA_EVENTS; at < end; ) {
      const h = i32[at];
      const n = h >>> 16;
      const time = i32[at + 1];
      const vals = Array.from(i32.subarray(at + 2, at + 2 + n));
      if ((h & 1) === EV_INVOKE) {
        open = { id: 0, actor: a, op: (h >>> 1) & 0x7fff, args: vals, result: [], call: time, ret: Infinity };
        ops.push(open);
      } else if (open) {
        open.result = vals;
        open.ret = time;
        lastReturn = time;
        open = null;
      }
      at += 2 + n;
    }
    if (i32[area + AREA_FULL]) cut = Math.min(cut, lastReturn);
    perActor.push(ops);
  }
  const ops: Op[] = [];
  const late: Op[] = [];
  for (const list of perActor) {
    for (const o of list) {
      if (o.call > cut) {
        late.push(o);
        continue;
      }
      if (o.ret > cut) o.ret = Infinity;
      ops.push(o);
    }
  }
  ops.sort((x, y) => x.call - y.call || x.actor - y.actor);
  ops.forEach((o, k) => (o.id = k));
  late.sort((x, y) => x.call - y.call || x.actor - y.actor);
  return { ops, truncated: cut !== Infinity, late };
}
