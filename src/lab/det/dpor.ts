import { ACCESS_KINDS, K, TRACE_WORDS, WAKE_TIMED_OUT } from './block.js';
import type { Decision } from './engine.js';

/**
 * Dynamic partial-order reduction for bounded DFS (Flanagan and Godefroid, POPL 2005), with
 * the conservative branching that keeps it sound under a preemption bound (Coons, Musuvathi
 * and McKinley, "Bounded partial-order reduction", OOPSLA 2013).
 *
 * DFS no longer tries every actor at every choice point: a run's trace is read for races,
 * pairs of dependent accesses by two actors that nothing orders (happens-before, by vector
 * clocks), and only there is the other order asked for: the later access's actor is added to
 * the choices to try at the point just before the earlier access (every enabled actor when it
 * could not go there). Because a switch there may cost a preemption the bound has not left,
 * the same actor is also added where the earlier actor's context began (the last switch to
 * it), where going first may cost nothing or less.
 *
 * Dependent: accesses to one word (a 64-bit access covers its pair) of which at least one
 * writes; two reads, or accesses to different words, commute. A wait writes its word and
 * the waits' queue (FIFO wake-ups); a wake-up by a notify reads its word (after the notify).
 * Local steps (pause, end) are independent of everything. A wake-up by a timeout comes only
 * when every actor waits: it follows everything before it (no race with it is reversed).
 */

/** Per access kind: 1 only reads its word, 2 touches no shared word. */
const READ = 1;
const LOCAL = 2;
const ROLE = new Uint8Array(ACCESS_KINDS.length);
for (const k of [K.load, K.read, K.load64, K.wake]) ROLE[k] = READ;
for (const k of [K.pause, K.end, K.none]) ROLE[k] = LOCAL;
/** The waits' queue: a pseudo-word every wait writes. */
const WAIT_QUEUE = -2;

/** The last write to a word, and the reads since: each an event's step, actor and clock. */
interface WordState {
  write: Access | null;
  reads: Access[];
}
interface Access {
  step: number;
  actor: number;
  /** The actor's vector clock after the access. */
  clock: Int32Array;
}

/**
 * The actors to try at each decision of a run so that every race in it is reversed within
 * the bound (a mask per decision; 0 where nothing is asked for).
 */
export function racesToReverse(decisions: readonly Decision[], trace: Int32Array, actors: number): Int32Array {
  // Stryker disable next-line ArithmeticOperator: steps past the trace read as local steps of actor 0 (kind none): more loop turns, the same answer (equivalent)
  const steps = trace.length / TRACE_WORDS;
  const wanted = new Int32Array(decisions.length);
  // An earlier access of a race is at most step steps - 2, so only decisionAt[0 .. steps - 2] is ever read:
  // Stryker disable next-line ArithmeticOperator: a shorter decisionAt (steps - 1) still holds every step asked about (equivalent)
  const decisionAt = new Int32Array(steps + 1).fill(-1);
  // Stryker disable next-line ConditionalExpression,EqualityOperator: a typed array ignores a write past its end, and steps and steps - 1 are never asked about (equivalent)
  for (let k = 0; k < decisions.length; k++) if (decisions[k].step <= steps) decisionAt[decisions[k].step] = k;
  /** The step at which the context holding step s began (the last switch to its actor). */
  const contextStart = new Int32Array(steps);
  const clocks = Array.from({ length: actors }, () => new Int32Array(actors));
  const words = new Map<number, WordState>();
  const ask = (actor: number, step: number) => {
    const k = decisionAt[step];
    if (k < 0) return; // only one actor could go there
    const c = decisions[k].candidates;
    wanted[k] |= c & (1 << actor) ? 1 << actor : c;
  };
  const race = (a: Access, actor: number, clock: Int32Array) => {
    // Ordered already (an actor's own earlier access too: its clock has moved past it).
    if (clock[a.actor] >= a.clock[a.actor]) return;
    ask(actor, a.step);
    ask(actor, contextStart[a.step]);
  };
  const join = (into: Int32Array, from: Int32Array) => {
    // Stryker disable next-line EqualityOperator: q = actors reads undefined (no write), and from[q] equal to into[q] writes what is there (equivalent)
    for (let q = 0; q < actors; q++) if (from[q] > into[q]) into[q] = from[q];
  };
  const touch = (word: number, write: boolean, step: number, actor: number): Access => {
    const clock = clocks[actor];
    let w = words.get(word);
    if (!w) words.set(word, (w = { write: null, reads: [] }));
    if (w.write) race(w.write, actor, clock);
    if (write) for (const r of w.reads) race(r, actor, clock);
    if (w.write) join(clock, w.write.clock);
    if (write) for (const r of w.reads) join(clock, r.clock);
    const a: Access = { step, actor, clock };
    if (write) {
      w.write = a;
      w.reads = [];
    } else {
      w.reads = w.reads.filter((r) => r.actor !== actor);
      w.reads.push(a);
    }
    return a;
  };
  // Stryker disable next-line EqualityOperator: step `steps` reads past the trace: a local step of actor 0 (kind none), no access (equivalent)
  for (let s = 0; s < steps; s++) {
    const t = s * TRACE_WORDS;
    const actor = trace[t] & 0xff;
    const kind = (trace[t] >> 8) & 0xff;
    const addr = trace[t + 1];
    // Stryker disable next-line ConditionalExpression,EqualityOperator: at step 0 the record before reads as actor 0 and contextStart[-1] as 0, which is step 0 (equivalent)
    const later = s > 0;
    contextStart[s] = later && (trace[t - TRACE_WORDS] & 0xff) === actor ? contextStart[s - 1] : s;
    const clock = clocks[actor];
    if (kind === K.wake && trace[t + 2] === WAKE_TIMED_OUT) for (const other of clocks) join(clock, other);
    const touched: Access[] = [];
    if (ROLE[kind] !== LOCAL && !(kind === K.wake && trace[t + 2] === WAKE_TIMED_OUT)) {
      const write = ROLE[kind] !== READ;
      touched.push(touch(addr, write, s, actor));
      if (kind === K.load64 || kind === K.store64 || kind === K.cas64) touched.push(touch(addr + 1, write, s, actor));
      if (kind === K.wait) touched.push(touch(WAIT_QUEUE, true, s, actor));
    }
    clock[actor]++;
    // The access's own clock, as the words remember it: a copy, since the actor's goes on.
    // Stryker disable next-line ConditionalExpression: with nothing touched the copy is given to no access (equivalent)
    if (touched.length) {
      const own = clock.slice();
      for (const a of touched) a.clock = own;
    }
  }
  return wanted;
}
