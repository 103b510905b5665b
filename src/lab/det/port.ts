import type { Mem } from '../../shm/mem.js';
import { STOP } from '../../runtime/control.js';
import { PortAbort, registerPort } from '../../runtime/ports.js';
import type { ActorTask } from '../../runtime/task.js';
import {
  A_BASE, A_BLOCKED, A_DONE, A_PENDING, A_WORDS, H_ARRIVED, H_MAX_STEPS, H_NACTORS, H_EPOCH, H_STATUS, H_STEP,
  H_STEP_BUDGET, H_FAIR, H_RELEASED, H_WAITSEQ, K, R_ADDR, R_EXPECT, R_GO, R_KIND, R_STATE, R_STEPS, R_TIMED, R_WAITSEQ, R_WAKE,
  STATUS_NAMES, ST_ABORTED, ST_FINISHED, ST_RUNNING, ST_STALE, TRACE_WORDS, WAKE_NOTIFIED, WAKE_TIMED_OUT, traceBase, H_CULPRIT,
  H_MEMORY, H_SB_BASE,
} from './block.js';
import { decide, shape } from './decide.js';
import { StoreBuffers } from './store_buffer.js';
import { C_LAST_OP, counterWord } from '../../shm/counters.js';

/** How long a worker sleeps between looks at its turn word: it also watches the stop flag. */
const TURN_POLL_MS = 200;
/**
 * Looks at the turn word before sleeping on it: a hand-off between two running threads then
 * costs a cache-line transfer, not a futex wake (~25 µs here). Brief, because with more
 * actors than cores the thread that must run next may be the one this spin keeps off a core.
 */
const TURN_SPINS = 2000;

/** A plain write that returns the value it replaced, for the trace (one function, not a closure per write). */
function plainExchange(a: Int32Array, j: number, x: number): number {
  const old = a[j];
  a[j] = x;
  return old;
}

/**
 * The Mem port of the deterministic engine. Before each access (plain reads, writes and
 * pauses included) the actor waits for the turn token; the holder of the token decides who
 * goes next when it reaches its next access, so only one actor touches the image at a time
 * and the schedule is a list of choices. A wait blocks the actor in the scheduler's books,
 * not in Atomics.wait, so a state where every actor waits is seen and reported.
 */
export class ScheduledMem implements Mem {
  readonly i32: Int32Array;
  readonly u8: Uint8Array;
  readonly i64: BigInt64Array;
  private readonly b: number;
  private readonly rec: number;
  private readonly me: number;
  private readonly n: number;
  private readonly trace: number;
  private readonly stopWord: number;
  private readonly counters: number;
  /** The actor's last-op word (ctx.op writes it): each trace entry carries the op it was part of. */
  private readonly lastOp: number;
  private started = false;
  /** The actor's store buffer under --memory tso|relaxed; null under sc. */
  private readonly sb: StoreBuffers | null;
  /** The run's data seed (the schedule file keeps it): with the turn, it picks the drains. */
  private readonly drainSeed: number;

  constructor(raw: Mem, task: ActorTask) {
    this.i32 = raw.i32;
    this.u8 = raw.u8;
    this.i64 = raw.i64;
    this.b = task.sched;
    this.me = task.actor;
    this.rec = this.b + A_BASE + task.actor * A_WORDS;
    this.n = this.i32[this.b + H_NACTORS];
    this.trace = this.b + traceBase(shape(this.i32, this.b));
    this.stopWord = task.control.control + STOP;
    this.counters = task.control.counters;
    this.lastOp = counterWord(task.control, task.actor, C_LAST_OP);
    this.drainSeed = task.seed | 0;
    const memory = this.i32[this.b + H_MEMORY];
    this.sb = memory === 0 ? null : new StoreBuffers(this.i32, this.i32[this.b + H_SB_BASE], this.n, memory === 2, (a, i, v) => this.flushStore(a, i, v));
  }

  /** Take a turn for an access of `kind` at `addr`: the one scheduling point every call goes through. */
  private turn(kind: number, addr: number): void {
    const i32 = this.i32;
    i32[this.rec + R_KIND] = kind;
    i32[this.rec + R_ADDR] = addr;
    // Stryker disable next-line ArithmeticOperator: R_STATE is 0, so x - R_STATE is x (equivalent)
    Atomics.store(i32, this.rec + R_STATE, A_PENDING);
    this.handOn();
    const steps = ++i32[this.rec + R_STEPS];
    if (steps > i32[this.b + H_STEP_BUDGET]) this.overrun();
    if (this.sb !== null) this.drain(kind);
  }

  /**
   * At every turn buffered stores may reach memory, any actor's, chosen by the run's data seed
   * and the turn (so a replay drains as the recorded run did); before an Atomics operation all of
   * the actor's own do (a fence).
   */
  private drain(kind: number): void {
    const sb = this.sb!;
    sb.drainSome(this.drainSeed, this.i32[this.b + H_STEP]);
    if (kind !== K.read && kind !== K.write && kind !== K.pause) sb.drainAll(this.me);
  }

  /** Actor a's buffered store reaches memory: traced, and timed waiters on the word see the change. */
  private flushStore(a: number, i: number, v: number): void {
    const old = this.i32[i];
    this.i32[i] = v;
    this.log(K.flush, i, old, v, 0, a);
    if (old !== v) this.changed(i);
  }

  /**
   * This actor overran its step budget. A strategy may have starved the actor it waits for
   * (PCT keeps a spinner on top): the rest of the run is scheduled fairly, round-robin, with
   * the budget doubled. Only an actor that overruns that is STALE: no fair schedule progresses.
   */
  private overrun(): void {
    const i32 = this.i32;
    if (i32[this.b + H_FAIR] === 0) {
      i32[this.b + H_FAIR] = 1;
      i32[this.b + H_STEP_BUDGET] *= 2;
      return;
    }
    i32[this.b + H_CULPRIT] = this.me;
    this.abort(ST_STALE);
  }

  /** Give the turn to whoever the scheduler picks (maybe this actor) and wait until it comes back. */
  private handOn(): void {
    if (!this.pass()) this.waitTurn();
  }

  /**
   * Decide who goes next and grant them the turn; true when that is this actor. An actor's
   * first call waits until every actor has reached its first access (or ended): the last one
   * to arrive makes the first decision.
   */
  private pass(): boolean {
    const i32 = this.i32;
    let next: number;
    if (this.started) {
      next = decide(i32, this.b, this.me, this.counters);
    } else {
      this.started = true;
      if (Atomics.add(i32, this.b + H_ARRIVED, 1) + 1 < this.n) return false;
      next = decide(i32, this.b, -1, this.counters);
    }
    if (next < 0) {
      // Stryker disable next-line ArithmeticOperator: H_STATUS is 0, so x - H_STATUS is x (equivalent)
      const status = Atomics.load(i32, this.b + H_STATUS);
      if (status !== ST_FINISHED) this.abort(status);
      return false;
    }
    if (next === this.me) return true;
    const go = this.b + A_BASE + next * A_WORDS + R_GO;
    Atomics.store(i32, go, 1);
    Atomics.notify(i32, go, 1);
    return false;
  }

  private waitTurn(): void {
    const i32 = this.i32;
    const go = this.rec + R_GO;
    // Stryker disable next-line all: the spin only spares the futex wait of the loop below, which waits for the same word (no spin, or one to the end, behaves the same)
    for (let spin = 0; spin < TURN_SPINS && Atomics.load(i32, go) === 0; spin++);
    while (Atomics.load(i32, go) === 0) {
      Atomics.wait(i32, go, 0, TURN_POLL_MS);
      // The runtime's watchdog stops a batch through the stop flag: leave as the engine's abort.
      // (The scheduler raises the same flag for serving actors: that is no abort.)
      if (Atomics.load(i32, this.stopWord) !== 0 && i32[this.b + H_RELEASED] === 0 && Atomics.load(i32, go) === 0) {
        // Stryker disable next-line ArithmeticOperator: H_STATUS is 0, so x - H_STATUS is x (equivalent)
        Atomics.compareExchange(i32, this.b + H_STATUS, ST_RUNNING, ST_ABORTED);
        break;
      }
    }
    Atomics.store(i32, go, 0);
    // Stryker disable next-line ArithmeticOperator: H_STATUS is 0, so x - H_STATUS is x (equivalent)
    const status = Atomics.load(i32, this.b + H_STATUS);
    if (status !== ST_RUNNING) throw new PortAbort(STATUS_NAMES[status]);
  }

  /** End the run for every actor: wake them all to find the status, then leave this one. */
  private abort(status: number): never {
    this.endRun(status);
    // Stryker disable next-line ArithmeticOperator: H_STATUS is 0, so x - H_STATUS is x (equivalent)
    throw new PortAbort(STATUS_NAMES[Atomics.load(this.i32, this.b + H_STATUS)]);
  }

  private endRun(status: number): void {
    const i32 = this.i32;
    // Stryker disable next-line ArithmeticOperator: H_STATUS is 0, so x - H_STATUS is x (equivalent)
    Atomics.compareExchange(i32, this.b + H_STATUS, ST_RUNNING, status);
    for (let a = 0; a < this.n; a++) {
      if (a === this.me) continue;
      const go = this.b + A_BASE + a * A_WORDS + R_GO;
      Atomics.store(i32, go, 1);
      Atomics.notify(i32, go, 1);
    }
  }

  private log(kind: number, addr: number, value: number, arg = 0, arg2 = 0, actor = this.me): void {
    const i32 = this.i32;
    const step = i32[this.b + H_STEP]++;
    if (step >= i32[this.b + H_MAX_STEPS]) return;
    const t = this.trace + step * TRACE_WORDS;
    i32[t] = actor | (kind << 8) | ((i32[this.lastOp] & 0xffff) << 16);
    i32[t + 1] = addr;
    i32[t + 2] = value;
    i32[t + 3] = arg;
    i32[t + 4] = arg2;
  }

  /** After a write that changed word `i`: timed waiters on it may now time out and see the change. */
  private changed(i: number): void {
    const i32 = this.i32;
    i32[this.b + H_EPOCH]++;
    for (let a = 0; a < this.n; a++) {
      const r = this.b + A_BASE + a * A_WORDS;
      if (i32[r + R_STATE] === A_BLOCKED && i32[r + R_TIMED] && i32[r + R_ADDR] === i) {
        i32[r + R_STATE] = A_PENDING;
        i32[r + R_WAKE] = WAKE_TIMED_OUT;
      }
    }
  }

  private rmw(kind: number, i: number, v: number, op: (i32: Int32Array, i: number, v: number) => number): number {
    this.turn(kind, i);
    const old = op(this.i32, i, v);
    const now = this.i32[i];
    this.log(kind, i, old, v, now);
    if (now !== old) this.changed(i);
    return old;
  }

  load(i: number): number {
    this.turn(K.load, i);
    const v = Atomics.load(this.i32, i);
    this.log(K.load, i, v);
    return v;
  }
  read(i: number): number {
    this.turn(K.read, i);
    const v = this.sb === null ? this.i32[i] : this.sb.read(this.me, i, this.i32[i]);
    this.log(K.read, i, v);
    return v;
  }
  store(i: number, v: number): void {
    this.rmw(K.store, i, v, Atomics.exchange);
  }
  write(i: number, v: number): void {
    if (this.sb === null) {
      this.rmw(K.write, i, v, plainExchange);
      return;
    }
    this.turn(K.write, i);
    this.log(K.write, i, this.sb.read(this.me, i, this.i32[i]), v, v);
    this.sb.push(this.me, i, v);
  }
  writeBlock(i: number, src: Int32Array, off: number, n: number): void {
    for (let k = 0; k < n; k++) this.write(i + k, src[off + k]);
  }
  readBlock(i: number, dst: Int32Array, off: number, n: number): void {
    for (let k = 0; k < n; k++) dst[off + k] = this.read(i + k);
  }
  add(i: number, v: number): number {
    return this.rmw(K.add, i, v, Atomics.add);
  }
  sub(i: number, v: number): number {
    return this.rmw(K.sub, i, v, Atomics.sub);
  }
  and(i: number, v: number): number {
    return this.rmw(K.and, i, v, Atomics.and);
  }
  or(i: number, v: number): number {
    return this.rmw(K.or, i, v, Atomics.or);
  }
  exchange(i: number, v: number): number {
    return this.rmw(K.exchange, i, v, Atomics.exchange);
  }
  compareExchange(i: number, expected: number, replacement: number): number {
    this.turn(K.cas, i);
    const found = Atomics.compareExchange(this.i32, i, expected, replacement);
    this.log(K.cas, i, found, expected, replacement);
    if (found === (expected | 0) && found !== (replacement | 0)) this.changed(i);
    return found;
  }

  wait(i: number, expected: number, timeoutMs: number): 'ok' | 'not-equal' | 'timed-out' {
    this.turn(K.wait, i);
    const i32 = this.i32;
    const v = Atomics.load(i32, i);
    this.log(K.wait, i, v, expected);
    if (v !== (expected | 0)) return 'not-equal';
    i32[this.rec + R_EXPECT] = expected;
    i32[this.rec + R_TIMED] = Number.isFinite(timeoutMs) ? 1 : 0;
    i32[this.rec + R_WAKE] = 0;
    i32[this.rec + R_WAITSEQ] = ++i32[this.b + H_WAITSEQ];
    // Stryker disable next-line ArithmeticOperator: R_STATE is 0, so x - R_STATE is x (equivalent)
    Atomics.store(i32, this.rec + R_STATE, A_BLOCKED);
    this.handOn();
    const wake = i32[this.rec + R_WAKE];
    this.log(K.wake, i, wake);
    return wake === WAKE_NOTIFIED ? 'ok' : 'timed-out';
  }

  /**
   * One scheduled wait, as `wait`: the scheduler's books already wake a timed waiter when
   * its word changes, so the flag is not kept and `wakeFlagged` takes no turn. A schedule
   * is the same whether the structure code sleeps flagged or not.
   */
  waitFlagged(i: number, expected: number, _flag: number, timeoutMs: number): 'ok' | 'not-equal' | 'timed-out' {
    return this.wait(i, expected, timeoutMs);
  }
  wakeFlagged(): void {}

  notify(i: number, count: number): number {
    this.turn(K.notify, i);
    const i32 = this.i32;
    let woken = 0;
    // FIFO by the order the waits began, as Atomics.notify wakes.
    while (woken < count) {
      let first = -1;
      for (let a = 0, seq = Infinity; a < this.n; a++) {
        const r = this.b + A_BASE + a * A_WORDS;
        if (i32[r + R_STATE] === A_BLOCKED && i32[r + R_ADDR] === i && i32[r + R_WAITSEQ] < seq) {
          seq = i32[r + R_WAITSEQ];
          first = r;
        }
      }
      if (first < 0) break;
      i32[first + R_STATE] = A_PENDING;
      i32[first + R_WAKE] = WAKE_NOTIFIED;
      woken++;
    }
    this.log(K.notify, i, woken, count);
    if (woken) i32[this.b + H_EPOCH]++;
    return woken;
  }

  load64(i: number): bigint {
    this.turn(K.load64, 2 * i);
    const v = Atomics.load(this.i64, i);
    this.log(K.load64, 2 * i, Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n)));
    return v;
  }
  store64(i: number, v: bigint): void {
    this.turn(K.store64, 2 * i);
    const old = Atomics.exchange(this.i64, i, v);
    this.log(K.store64, 2 * i, Number(BigInt.asIntN(32, v)), Number(BigInt.asIntN(32, v >> 32n)));
    if (old !== v) this.changed64(i);
  }
  compareExchange64(i: number, expected: bigint, replacement: bigint): bigint {
    this.turn(K.cas64, 2 * i);
    const found = Atomics.compareExchange(this.i64, i, expected, replacement);
    this.log(K.cas64, 2 * i, Number(BigInt.asIntN(32, found)), Number(BigInt.asIntN(32, found >> 32n)), found === expected ? 1 : 0);
    if (found === expected && found !== replacement) this.changed64(i);
    return found;
  }
  private changed64(i: number): void {
    this.changed(2 * i);
    this.changed(2 * i + 1);
  }

  pause(): void {
    this.turn(K.pause, -1);
    this.log(K.pause, -1, 0);
  }

  /** The actor makes no more accesses: hand the turn on, or end the run for all if it crashed. */
  retire(crashed: boolean): void {
    if (crashed) return this.endRun(ST_ABORTED);
    // Its stores reach memory before the run can end and the oracles look.
    if (this.started) this.sb?.drainAll(this.me);
    // Stryker disable next-line ArithmeticOperator: R_STATE is 0, so x - R_STATE is x (equivalent)
    Atomics.store(this.i32, this.rec + R_STATE, A_DONE);
    if (this.started) this.log(K.end, -1, 0);
    try {
      this.pass();
    } catch (err) {
      if (!(err instanceof PortAbort)) throw err;
    }
  }
}

registerPort('scheduled', (task, raw) => new ScheduledMem(raw, task));
