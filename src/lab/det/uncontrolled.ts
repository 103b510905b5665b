import { C_LONGEST_GAP_MS, counterWord } from '../../shm/counters.js';
import type { Machine } from '../../runtime/machine.js';
import { K, TRACE_WORDS } from './block.js';
import { inRanges, runtimeRanges } from './interpose.js';

/** An actor that ran this long between two scheduling points was probably not under the scheduler's control. */
export const LONG_GAP_MS = 1000;

/**
 * Was a scheduled run fully controlled? The scheduler sees only the port's accesses (and
 * the Atomics calls the interposer turns into them); a plain typed-array write, or code
 * that runs on between scheduling points, escapes it, and a schedule of such a run need
 * not replay. Two signs, both read after the run:
 *
 * - a word of the scenario's whose value changed where the port did not change it: the
 *   trace says what every access saw and left, so walking it from the image as set up
 *   gives each word's value at every step; a value seen that differs, or an end state
 *   that differs, was written behind the port's back;
 * - an actor that ran long between two of its scheduling points (or before its first).
 *
 * Returns one line per sign found; none for a run the scheduler controlled.
 */
export function uncontrolledSigns(run: Machine, before: Int32Array, trace: Int32Array, finished: boolean): string[] {
  const runtime = runtimeRanges(run.arena.layout());
  const now = run.mem.i32;
  const expect = before;
  const unknown = new Set<number>();
  const changed = new Map<number, number>();
  const see = (w: number, v: number, step: number) => {
    if (w < 0 || w >= expect.length) return;
    if (!unknown.delete(w) && expect[w] !== v && !changed.has(w) && !inRanges(runtime, w)) changed.set(w, step);
    expect[w] = v;
  };
  // `expect` is an Int32Array: a write outside it is dropped, as an access outside the image should be.
  const set = (w: number, v: number) => {
    unknown.delete(w);
    expect[w] = v;
  };
  // Stryker disable next-line EqualityOperator,ArithmeticOperator: an entry read past the trace is all undefined, kind 0, no access (equivalent)
  for (let s = 0; s * TRACE_WORDS < trace.length; s++) {
    const t = s * TRACE_WORDS;
    const kind = (trace[t] >> 8) & 0xff;
    const w = trace[t + 1];
    const v = trace[t + 2];
    const a = trace[t + 3];
    const a2 = trace[t + 4];
    switch (kind) {
      case K.load: case K.read: case K.wait:
        see(w, v, s);
        break;
      case K.store: case K.write: case K.add: case K.sub: case K.and: case K.or: case K.exchange:
        see(w, v, s);
        set(w, a2);
        break;
      case K.cas:
        see(w, v, s);
        set(w, v === a ? a2 : v);
        break;
      case K.load64:
        see(w, v, s);
        see(w + 1, a, s);
        break;
      case K.store64:
        set(w, v);
        set(w + 1, a);
        break;
      case K.cas64:
        see(w, v, s);
        see(w + 1, a, s);
        // The replacement is not in the trace: the words are unknown until next seen.
        if (a2) unknown.add(w).add(w + 1);
        break;
    }
  }
  if (finished) {
    // Stryker disable next-line EqualityOperator: the word past the image is undefined in both copies (equivalent)
    for (let w = 0; w < expect.length; w++) {
      if (expect[w] !== now[w] && !unknown.has(w) && !changed.has(w) && !inRanges(runtime, w)) changed.set(w, -1);
    }
  }
  const signs: string[] = [];
  if (changed.size) {
    const words = [...changed].slice(0, 3).map(([w, s]) => `${run.wordName(w)}${s >= 0 ? ` (seen changed at step ${s})` : ' (at the end)'}`);
    signs.push(`${changed.size} word(s) changed behind the scheduler's back (plain typed-array writes, or Atomics on a view it cannot see): ${words.join(', ')}${changed.size > 3 ? ', ...' : ''}`);
  }
  run.roles.forEach((role, a) => {
    const ms = run.mem.i32[counterWord(run.control, a, C_LONGEST_GAP_MS)];
    if (ms >= LONG_GAP_MS) signs.push(`actor ${a} (${role}) ran ${ms} ms between two scheduling points (plain typed-array accesses in a loop?)`);
  });
  return signs;
}
