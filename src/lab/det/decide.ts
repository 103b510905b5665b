import {
  A_BASE, A_BLOCKED, H_CULPRIT, H_MAX_STEPS, A_DONE, A_PENDING, A_WORDS, DEC_HOLDER, DEC_WORDS, H_CHANGE, H_FLOOR, H_HOLDER,
  H_MAX_DEC, H_NACTORS, H_NCHANGE, H_NDEC, H_NFORCED, H_EPOCH, H_SEED, H_STATUS, H_STEP, H_STOP_ON_FORBIDDEN,
  H_STRATEGY, H_SERVES, H_STOP_WORD, H_FAIR, H_RELEASED, H_LENIENT, H_STEPPING, H_FOCUS, H_TARGET, H_PAUSE, H_ROTOR, K, QUIET_PER_ACTOR, R_ADDR, R_KIND, R_PRIO, R_QUIET, R_QUIET_EPOCH, R_WAITSEQ, R_STATE, R_TIMED, R_WAKE, ST_DEADLOCK, ST_DIVERGED, ST_FORBIDDEN,
  ST_FINISHED, ST_RUNNING, ST_STALE, STRATEGIES, WAKE_NOTIFIED, WAKE_TIMED_OUT, decAt, forcedAt,
} from './block.js';
import { C_FORBIDDEN, C_OPS, SLOT_WORDS } from '../../shm/counters.js';

const RANDOM = STRATEGIES.indexOf('random');
const PCT = STRATEGIES.indexOf('pct');

/** A 32-bit mix of two words (murmur3's finaliser): the random strategy's choice at decision k. */
export function mix32(a: number, b: number): number {
  let h = (a ^ Math.imul(b + 0x9e3779b9, 0x85ebca6b)) | 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function nthBit(mask: number, n: number): number {
  for (let a = 0; a < 31; a++) if (mask & (1 << a) && n-- === 0) return a;
  return -1;
}

/** The first actor in `mask` after `a`, wrapping around: round-robin from the yielder. */
function nextAfter(mask: number, a: number): number {
  const above = mask & ~((2 << a) - 1);
  const pick = above || mask;
  return 31 - Math.clz32(pick & -pick);
}

/** Actor a's record in the block at b (a function of numbers: decide runs at every turn and allocates nothing). */
function recOf(b: number, a: number): number {
  return b + A_BASE + a * A_WORDS;
}

function popcount(m: number): number {
  let c = 0;
  for (; m; m &= m - 1) c++;
  return c;
}

/**
 * Pick the actor that takes the next turn. Runs on whichever thread holds the token, at a
 * moment when every other live actor sits at a scheduling point, so the answer depends on
 * the block alone: the same block gives the same choice on any thread, which is what makes
 * a schedule replay. Returns -1 when the run is over (status set), else the chosen actor,
 * with its record made PENDING when the choice was to time out its wait.
 */
export function decide(i32: Int32Array, b: number, me: number, countersBase: number): number {
  if (i32[b + H_STATUS] !== ST_RUNNING) return -1;
  if (i32[b + H_STEPPING] && !stepGate(i32, b, countersBase)) return -1;
  const n = i32[b + H_NACTORS];
  if (i32[b + H_STOP_ON_FORBIDDEN]) {
    for (let a = 0; a < n; a++) {
      if (Atomics.load(i32, countersBase + a * SLOT_WORDS + C_FORBIDDEN) > 0) return end(i32, b, ST_FORBIDDEN, a);
    }
  }
  const strategy = i32[b + H_STRATEGY];
  if (strategy === PCT && me >= 0) {
    const step = i32[b + H_STEP];
    for (let j = 0; j < i32[b + H_NCHANGE]; j++) if (i32[b + H_CHANGE + j] === step) i32[recOf(b, me) + R_PRIO] = j;
    // A pause is a yield: a spinner that kept its priority would starve the actor it waits for.
    if (i32[recOf(b, me) + R_KIND] === K.pause && i32[recOf(b, me) + R_STATE] === A_PENDING) i32[recOf(b, me) + R_PRIO] = --i32[b + H_FLOOR];
  }
  if (i32[b + H_SERVES] !== 0) releaseServers(i32, b, n);
  let mask = 0;
  let live = 0;
  let timed = 0;
  for (let a = 0; a < n; a++) {
    const st = i32[recOf(b, a) + R_STATE];
    if (st === A_PENDING) mask |= 1 << a;
    if (st !== A_DONE) live++;
    if (st === A_BLOCKED && i32[recOf(b, a) + R_TIMED]) timed |= 1 << a;
  }
  if (mask === 0) {
    if (live === 0) return end(i32, b, ST_FINISHED, -1);
    if (timed === 0) return end(i32, b, ST_DEADLOCK, -1);
    return timeOut(i32, b, n);
  }
  let chosen: number;
  const holder = i32[b + H_HOLDER];
  if (popcount(mask) === 1) {
    chosen = 31 - Math.clz32(mask);
  } else if (i32[b + H_STEPPING]) {
    chosen = stepPick(i32, b, mask, holder);
  } else {
    const k = i32[b + H_NDEC];
    if (k >= i32[b + H_MAX_DEC]) return end(i32, b, ST_STALE, me);
    // The holder goes on by default, and any other choice costs DFS a preemption; when the
    // holder pauses in a spin loop, that is a yield: the default is the next actor round-robin.
    // When the holder cannot go, every choice is free.
    const holderIn = holder >= 0 && (mask & (1 << holder)) !== 0;
    const others = holder >= 0 ? mask & ~(1 << holder) : mask;
    const yields = holderIn && others !== 0 && i32[recOf(b, holder) + R_KIND] === K.pause;
    const dflt = yields ? nextAfter(others, holder) : holderIn ? holder : 31 - Math.clz32(mask & -mask);
    if (k < i32[b + H_NFORCED]) {
      chosen = i32[b + forcedAt(n) + k];
      if (chosen < 0 || chosen >= n || !(mask & (1 << chosen))) {
        if (!i32[b + H_LENIENT]) return end(i32, b, ST_DIVERGED, chosen);
        chosen = dflt;
      }
    } else if (i32[b + H_FAIR]) {
      chosen = holder >= 0 ? nextAfter(mask, holder) : 31 - Math.clz32(mask & -mask);
    } else if (strategy === RANDOM) {
      chosen = nthBit(mask, mix32(i32[b + H_SEED], k) % popcount(mask));
    } else if (strategy === PCT) {
      chosen = -1;
      for (let a = 0, best = -Infinity; a < n; a++) {
        if (mask & (1 << a) && i32[recOf(b, a) + R_PRIO] > best) {
          best = i32[recOf(b, a) + R_PRIO];
          chosen = a;
        }
      }
    } else {
      chosen = dflt; // dfs: continue the holder; alternatives come as forced prefixes
    }
    const d = b + decAt(n, i32[b + H_MAX_DEC]) + k * DEC_WORDS;
    i32[d] = chosen;
    i32[d + 1] = mask;
    i32[d + 2] = dflt | (holderIn ? DEC_HOLDER : 0);
    i32[d + 3] = i32[b + H_STEP];
    i32[b + H_NDEC] = k + 1;
  }
  i32[b + H_HOLDER] = chosen;
  return chosen;
}

/**
 * Serving actors (kswapd, oom_reaper, a redefiner: they loop until the stop flag) are told to
 * stop once every other actor is done, as the stress engine's clock raises the flag: the flag
 * goes up (a change of memory), and a server blocked on the flag's word is woken as by
 * Atomics.notify. Done once: the word stays up.
 */
function releaseServers(i32: Int32Array, b: number, n: number): void {
  if (i32[b + H_RELEASED]) return;
  const serves = i32[b + H_SERVES];
  for (let a = 0; a < n; a++) if (!(serves & (1 << a)) && i32[b + A_BASE + a * A_WORDS + R_STATE] !== A_DONE) return;
  raiseStop(i32, b, n);
}

/**
 * Raise the stop flag as the scheduler's own act (not an abort: H_RELEASED), and wake the
 * actors blocked on its word. By the token holder, or by the main thread while a stepped run
 * is paused (nobody else touches the block then).
 */
export function raiseStop(i32: Int32Array, b: number, n: number): void {
  const stop = i32[b + H_STOP_WORD];
  i32[b + H_RELEASED] = 1;
  Atomics.store(i32, stop, 1);
  i32[b + H_EPOCH]++;
  for (let a = 0; a < n; a++) {
    const r = b + A_BASE + a * A_WORDS;
    if (i32[r + R_STATE] === A_BLOCKED && i32[r + R_ADDR] === stop) {
      i32[r + R_STATE] = A_PENDING;
      i32[r + R_WAKE] = WAKE_NOTIFIED;
    }
  }
}

/**
 * A stepped run (`memrace step`): once the focus actor has made its step (its op counter
 * reached the target) or ended, the holder pauses here until the main thread sets the next
 * step. A serving actor (kswapd, a reaper) has made its step too once it has nothing to do:
 * it waits, or spins. False when the run was ended meanwhile (a hang, an interrupt).
 */
function stepGate(i32: Int32Array, b: number, countersBase: number): boolean {
  for (;;) {
    const f = i32[b + H_FOCUS];
    if (f < 0 || !stepMade(i32, b, f, countersBase)) return true;
    Atomics.store(i32, b + H_PAUSE, 1);
    // Stryker disable next-line ArithmeticOperator: the main thread (step.ts) looks at H_PAUSE every 20 ms whether woken or not (equivalent but for that delay)
    Atomics.notify(i32, b + H_PAUSE);
    // Stryker disable next-line ConditionalExpression: without the sleep the enclosing loop spins on the same words until the next step or the run's end (equivalent but for the CPU)
    while (Atomics.load(i32, b + H_PAUSE) === 1) Atomics.wait(i32, b + H_PAUSE, 1, 200);
    // Stryker disable next-line ArithmeticOperator: H_STATUS is 0, so x - H_STATUS is x (equivalent)
    if (Atomics.load(i32, b + H_STATUS) !== ST_RUNNING) return false;
  }
}

function stepMade(i32: Int32Array, b: number, f: number, countersBase: number): boolean {
  const r = b + A_BASE + f * A_WORDS;
  const st = i32[r + R_STATE];
  if (st === A_DONE || i32[countersBase + f * SLOT_WORDS + C_OPS] >= i32[b + H_TARGET]) return true;
  return (i32[b + H_SERVES] & (1 << f)) !== 0 && (st === A_BLOCKED || (st === A_PENDING && i32[r + R_KIND] === K.pause));
}

/**
 * A stepped run's choice: the focus actor whenever it can go, except that a focus spinning
 * (a pause) lets one other actor go; while it cannot, the holder goes on (a hand-off between
 * threads costs tens of µs), or when the holder cannot or spins, the next actor round-robin.
 */
function stepPick(i32: Int32Array, b: number, mask: number, holder: number): number {
  const f = i32[b + H_FOCUS];
  const others = f >= 0 ? mask & ~(1 << f) : mask;
  const spins = (a: number) => i32[b + A_BASE + a * A_WORDS + R_KIND] === K.pause;
  if (f >= 0 && (mask & (1 << f)) !== 0 && (others === 0 || holder !== f || !spins(f))) return f;
  if (holder >= 0 && holder !== f && (others & (1 << holder)) !== 0 && !spins(holder)) return holder;
  const next = nextAfter(others, i32[b + H_ROTOR]);
  i32[b + H_ROTOR] = next;
  return next;
}

/**
 * Every live actor waits, some with a timeout: the oldest wait times out, as timeouts of
 * equal length fire in the order the waits began (a fair choice: a scheduler's whim here
 * would starve a poller and make a livelock of a correct program). Once every waiter has
 * timed out a few times with nothing written in between, no schedule can change anything:
 * a deadlock.
 */
function timeOut(i32: Int32Array, b: number, n: number): number {
  const epoch = i32[b + H_EPOCH];
  let chosen = -1;
  for (let a = 0, seq = Infinity; a < n; a++) {
    const r = b + A_BASE + a * A_WORDS;
    if (i32[r + R_STATE] === A_BLOCKED && i32[r + R_TIMED] && i32[r + R_WAITSEQ] < seq) {
      seq = i32[r + R_WAITSEQ];
      chosen = a;
    }
  }
  const r = b + A_BASE + chosen * A_WORDS;
  const quiet = quietTimeouts(i32, r, epoch);
  if (quiet >= QUIET_PER_ACTOR) return end(i32, b, ST_DEADLOCK, -1);
  i32[r + R_QUIET] = quiet + 1;
  i32[r + R_QUIET_EPOCH] = epoch;
  i32[r + R_STATE] = A_PENDING;
  i32[r + R_WAKE] = WAKE_TIMED_OUT;
  i32[b + H_HOLDER] = chosen;
  return chosen;
}

/** Timeouts of the actor at record `r` since memory last changed. */
function quietTimeouts(i32: Int32Array, r: number, epoch: number): number {
  return i32[r + R_QUIET_EPOCH] === epoch ? i32[r + R_QUIET] : 0;
}

/** The block's shape from its header (workers know only the block's index). */
export function shape(i32: Int32Array, b: number) {
  return { actors: i32[b + H_NACTORS], maxSteps: i32[b + H_MAX_STEPS], maxDecisions: i32[b + H_MAX_DEC] };
}

function end(i32: Int32Array, b: number, status: number, culprit: number): number {
  Atomics.store(i32, b + H_CULPRIT, culprit);
  // Stryker disable next-line ArithmeticOperator: H_STATUS is 0, so b - H_STATUS is b (an equivalent mutant)
  Atomics.store(i32, b + H_STATUS, status);
  return -1;
}
