import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import {
  C_CAS_RETRIES, C_CUSTOM, C_FORBIDDEN, C_INTERESTING, C_LAST_OP, C_OPS, C_SPINS, C_WAITS,
  LAT_BUCKETS, counterWord, latencyBucket,
} from '../shm/counters.js';
import { STOP, STRIDE_ACTORS, STRIDE_ARRIVED, type ControlLayout } from './control.js';
import { Rng } from './rng.js';
import type { Params } from '../lab/params.js';
import type { HistoryRecorder } from '../lab/history/recorder.js';

/** How often (in ops) an actor samples one operation's latency. */
const SAMPLE_EVERY = 64;
/** The longest an actor waits at a stride rendezvous: strides raise overlap, they must never stall a run. */
const STRIDE_WAIT_MS = 1;

/**
 * What a role function gets on its worker thread: the port to the image, its identity,
 * the scenario's parameters and structures, and cheap ways to report progress. Every
 * report goes to the actor's own cache lines, so reporting never contends.
 */
export class ActorContext<P = Params, S = unknown> {
  readonly i32: Int32Array;
  private readonly slot: number;
  private readonly latBase: number;
  private readonly outBase: number;
  private readonly stopWord: number;
  private budget: number;
  private readonly forbiddenCodes: Uint8Array;
  private readonly interestingCodes: Uint8Array;
  private ops = 0;
  private sampleAt = 0;
  private t0 = 0;
  private checkIn = 0;
  private stop = false;
  private readonly spin: number;
  private readonly stride: number;
  private nextStride: number;
  private strides = 0;
  /**
   * Records each operation's invocation and response (`--check linearizable`); null when
   * off, so a role writes `ctx.history?.invoke(...)` and pays one test.
   */
  history: HistoryRecorder | null = null;
  /** Where busy-wait jitter goes, so the loop is not optimised away. */
  private sink = 0;

  constructor(
    readonly mem: Mem,
    readonly arena: Arena,
    readonly control: ControlLayout,
    readonly actor: number,
    readonly role: string,
    readonly roles: readonly string[],
    readonly params: P,
    readonly state: S,
    readonly rng: Rng,
    /** Stop after this many ops (0: run until the stop flag). */
    opBudget: number,
    grades: readonly string[],
    /**
     * Driven step by step from the main thread over comlink (memrace step --live): the role
     * returns whenever its granted ops are spent or it cannot progress alone, and is called
     * again for the next step.
     */
    readonly live = false,
  ) {
    this.i32 = mem.i32;
    this.slot = counterWord(control, actor, 0);
    this.latBase = control.latency + actor * LAT_BUCKETS;
    this.outBase = control.outcomes + actor * control.outcomeStride;
    this.stopWord = control.control + STOP;
    this.budget = opBudget > 0 ? opBudget : Infinity;
    this.forbiddenCodes = Uint8Array.from(grades, (g) => (g === 'FORBIDDEN' ? 1 : 0));
    this.interestingCodes = Uint8Array.from(grades, (g) => (g === 'ACCEPTABLE_INTERESTING' ? 1 : 0));
    const engine = params as Record<string, unknown>;
    this.spin = typeof engine.spin === 'number' ? engine.spin : 0;
    this.stride = typeof engine.stride === 'number' ? engine.stride : 0;
    this.nextStride = this.stride;
  }

  /** True once the run is over for this actor: the stop flag is up or its op budget is spent. */
  stopped(): boolean {
    if (this.stop) return true;
    if (this.ops >= this.budget) return true;
    if (this.spin > 0) this.jitter();
    if (this.stride > 0 && this.ops >= this.nextStride) this.rendezvous();
    // The flag is read on every 16th call: a load per call would cost as much as a small op.
    if ((++this.checkIn & 15) !== 0) return false;
    // Sticky: once the flag is seen, every later call says stop, in nested loops too.
    this.stop = Atomics.load(this.i32, this.stopWord) !== 0;
    return this.stop;
  }

  private jitter(): void {
    for (let i = this.rng.below(this.spin + 1); i > 0; i--) this.sink = (this.sink + i) | 0;
  }

  /**
   * jcstress's strides: actors that ran apart drift out of step, and their operations stop
   * overlapping. Every `stride` ops each actor waits, briefly, until every actor that takes
   * part has reached the same stride, then they start the next one together.
   */
  private rendezvous(): void {
    const i32 = this.i32;
    const base = this.control.control;
    if (this.strides++ === 0) Atomics.add(i32, base + STRIDE_ACTORS, 1);
    this.nextStride = this.ops + this.stride;
    Atomics.add(i32, base + STRIDE_ARRIVED, 1);
    const target = this.strides * Atomics.load(i32, base + STRIDE_ACTORS);
    const until = performance.now() + STRIDE_WAIT_MS;
    while (Atomics.load(i32, base + STRIDE_ARRIVED) < target && performance.now() < until);
  }

  /** The stop flag alone, for loops that must drain after the op budget (consumers). */
  stopFlag(): boolean {
    return Atomics.load(this.i32, this.stopWord) !== 0;
  }

  /** Live actors: allow `n` more ops from here. */
  grant(n: number): void {
    this.budget = this.ops + n;
  }

  /** Ask every actor to stop (a scenario that found what it was looking for). */
  requestStop(): void {
    Atomics.store(this.i32, this.stopWord, 1);
    Atomics.notify(this.i32, this.stopWord);
  }

  /**
   * Record the operation about to run, so a hang or crash report can name it. This actor
   * alone writes its slot and the main thread only samples it, so the bookkeeping is plain
   * (tear-free) writes: an Atomics.store is an exchange, several times the cost of a small op.
   */
  op(code: number): void {
    this.i32[this.slot + C_LAST_OP] = code;
  }

  /** Count `n` completed operations (objects moved, calls made, pages allocated). */
  done(n: number): void {
    this.ops += n;
    this.i32[this.slot + C_OPS] = this.ops;
  }

  get opsDone(): number {
    return this.ops;
  }

  /**
   * True when an op budget ends this actor (the deterministic engine's `--ops`, `memrace
   * step`): a role that paces itself by the wall clock paces itself by its ops instead, since
   * under the scheduler a timed wait times out only when every actor waits.
   */
  get opBounded(): boolean {
    return this.budget !== Infinity;
  }

  /** Start timing an operation; only every 64th is sampled. */
  begin(): void {
    if (++this.sampleAt === SAMPLE_EVERY) {
      this.sampleAt = 0;
      this.t0 = performance.now();
    } else {
      this.t0 = 0;
    }
  }

  /** End timing the operation begun last. */
  end(): void {
    if (this.t0 === 0) return;
    const ns = (performance.now() - this.t0) * 1e6;
    this.i32[this.latBase + latencyBucket(ns)]++;
  }

  /** Count an observed outcome by its code (index in the scenario's outcomes); this actor's own words, plain. */
  outcome(code: number, n = 1): void {
    this.i32[this.outBase + code] += n;
    if (this.forbiddenCodes[code]) this.i32[this.slot + C_FORBIDDEN] += n;
    else if (this.interestingCodes[code]) this.i32[this.slot + C_INTERESTING] += n;
  }

  /** Add to the scenario's own counter `index` (position in Scenario.counters). */
  count(index: number, n = 1): void {
    this.i32[this.slot + C_CUSTOM + index] += n;
  }

  /** Fold a structure's contention stats into the runtime's counters. */
  contention(casRetries: number, spins: number, waits: number): void {
    this.i32[this.slot + C_CAS_RETRIES] = casRetries;
    this.i32[this.slot + C_SPINS] = spins;
    this.i32[this.slot + C_WAITS] = waits;
  }

  /** Ids of the actors playing `role`. */
  actorsOf(role: string): number[] {
    const out: number[] = [];
    this.roles.forEach((r, i) => r === role && out.push(i));
    return out;
  }
}
