import { ACCESS_KINDS, K, TRACE_WORDS, WAKE_TIMED_OUT } from './block.js';
import { mix32 } from './decide.js';
import type { Decision } from './engine.js';

/**
 * Partial-order reduction for bounded DFS, by the happens-before trace: two prefixes of runs
 * whose events are the same and ordered alike wherever two of them conflict (Mazurkiewicz
 * equivalent: the same accesses, each seeing the same writes) leave the image and every
 * actor in the same state, so with the same holder the scheduler offers the same choices
 * below them. A node whose equivalent was explored already with no more preemptions spent
 * has its bounded subtree explored: DFS does not branch inside it again.
 *
 * Unlike sleep sets this stays sound under the preemption bound (Coons, Musuvathi and
 * McKinley, "Bounded partial-order reduction", OOPSLA 2013: the bound is a property of the
 * path, not of the state): the bound left is part of the comparison, and the holder, which
 * makes a choice a preemption or not, is part of the key.
 *
 * An event's place in the partial order: its actor and index in the actor's own sequence,
 * its kind and word, and how many writes to that word came before it (reads between two
 * writes commute; a notify writes its word). A wait writes its word and the waits' queue (the
 * scheduler numbers waits: FIFO wake-ups). A wake-up by a notify is the actor's own; one by a
 * timeout is placed by the run's whole event count: the scheduler times out the oldest wait
 * when every actor waits, and counts the writes in between to call a deadlock, so it
 * commutes with nothing.
 */

/** Per access kind: 1 only looks at its word, 2 touches no shared word (ordered only within its actor). */
const READ = 1;
const LOCAL = 2;
const ROLE = new Uint8Array(ACCESS_KINDS.length);
for (const k of [K.load, K.read, K.load64]) ROLE[k] = READ;
for (const k of [K.pause, K.end, K.none]) ROLE[k] = LOCAL;
/** The waits' queue (the scheduler's wait sequence: FIFO wake-ups): a pseudo-word every wait writes. */
const WAIT_QUEUE = -2;

const NO_HOLDER = 31;

/** The writes to `word` before this access (a write counts itself for those after). */
function touch(writes: Map<number, number>, word: number, write: boolean): number {
  const n = writes.get(word) ?? 0;
  if (write) writes.set(word, n + 1);
  return n;
}

/** 32 bits of one hash, 16 of the other, 5 of the holder: a key below 2^53. */
function keyOf(h1: number, h2: number, holder: number): number {
  return (h1 >>> 0) * 2 ** 21 + (((h2 & 0xffff) << 5) | holder);
}

/** A node explored with `before` preemptions spent covers one with `spent`: its bound left was no smaller. */
function covered(before: number | undefined, spent: number): boolean {
  return before !== undefined && before <= spent;
}

export interface Reduction {
  /**
   * The first decision at whose node an equivalent node, already explored with no more
   * preemptions spent, was found (at or after `from`): DFS branches only above it.
   * decisions.length when none.
   */
  cut: number;
}

/** Nodes remembered at most: past it lookups still prune, new nodes are not kept (memory stays bounded). */
const MAX_NODES = 1 << 21;

/** Explored nodes: (trace hash, holder when it could go on) -> the fewest preemptions spent there. */
export class ExploredNodes {
  private readonly seen = new Map<number, number>();

  /**
   * Walk one run: decisions before `from` are the prefix DFS forced (nodes of the current
   * path, in progress); from there on each node is looked up, and recorded up to the first
   * one found (the run's tail below it repeats explored schedules and is not recorded).
   * `spent[k]`: preemptions spent before decision k.
   */
  observe(decisions: readonly Decision[], trace: Int32Array, spent: readonly number[], from: number): Reduction {
    const steps = trace.length / TRACE_WORDS;
    const perActor = new Int32Array(32);
    const writes = new Map<number, number>();
    let h1 = 0;
    let h2 = 0;
    let s = 0;
    let holder = -1;
    for (let k = 0; k < decisions.length; k++) {
      for (; s < decisions[k].step && s < steps; s++) {
        const t = s * TRACE_WORDS;
        const actor = trace[t] & 0xff;
        const kind = (trace[t] >> 8) & 0xff;
        const addr = trace[t + 1];
        let place = 0;
        if (kind === K.wake) {
          if (trace[t + 2] === WAKE_TIMED_OUT) place = s;
        } else if (ROLE[kind] !== LOCAL) {
          const write = ROLE[kind] !== READ;
          place = touch(writes, addr, write);
          // A 64-bit access (named by its pair's even word) touches the odd word too.
          if (kind === K.load64 || kind === K.store64 || kind === K.cas64) place = mix32(place, touch(writes, addr + 1, write));
          if (kind === K.wait) place = mix32(place, touch(writes, WAIT_QUEUE, true));
        }
        const who = mix32(actor, perActor[actor]++);
        const what = mix32(kind, addr);
        h1 = (h1 + mix32(mix32(who, what), place)) | 0;
        h2 = (h2 + mix32(mix32(what, place ^ 0x5bd1e995), who)) | 0;
        holder = actor;
      }
      if (k < from) continue;
      // The holder matters only when it can go on (any other choice is then a preemption); a
      // node where it cannot offers every choice free, so it covers the same node with a holder.
      const free = keyOf(h1, h2, NO_HOLDER);
      const key = decisions[k].holderCould ? keyOf(h1, h2, holder) : free;
      if (covered(this.seen.get(key), spent[k]) || covered(this.seen.get(free), spent[k])) return { cut: k };
      if (this.seen.size < MAX_NODES || this.seen.has(key)) this.seen.set(key, Math.min(this.seen.get(key) ?? Infinity, spent[k]));
    }
    return { cut: decisions.length };
  }
}
