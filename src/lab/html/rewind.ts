import { K, TRACE_WORDS } from '../det/block.js';
import type { DetRun } from '../det/engine.js';
import { AtomicsMem, type Mem } from '../../shm/mem.js';

/** A structure drawn at each turn: what a view reads from the image as it stood after the turn. */
export interface Frames {
  /** Distinct frames, in the order first met going back from the last turn. */
  frames: unknown[];
  /** at[k]: the index in `frames` of the state after turn k. */
  at: number[];
  /** The frame of the image before the first turn: as the scenario set it up, when every write was undone. */
  start: unknown;
}

/** Accesses that may change the word they name, each logging the value it replaced (or, for a CAS, found) first. */
const CHANGES = new Set([K.store, K.write, K.flush, K.add, K.sub, K.and, K.or, K.exchange, K.cas]);

/**
 * The image after every turn of a scheduled run, rebuilt backwards from the image the run
 * left: each access that may change a word logs the value it replaced, so undoing the turns
 * from the last one down gives the state after each earlier turn. `view` binds a reader to a
 * Mem over that image (it only reads); the reader runs again only after a turn that changed
 * a word.
 *
 * Returns null where the trace cannot be undone: a run longer than its trace, or a 64-bit
 * store (its log keeps only the value written) to a region the view `reads` (by name; one
 * elsewhere, a mempool object's debug cookie, is left as it is). Under `--memory
 * tso|relaxed` a plain write goes to a store buffer, and its flush is what changes memory.
 */
export function rewind(run: DetRun, weak: boolean, view: (mem: Mem) => () => unknown, reads: (region: string) => boolean): Frames | null {
  const t = run.trace;
  const steps = t.length / TRACE_WORDS;
  if (steps < run.steps) return null;
  const read = Object.entries(run.run.arena.layout().regions).filter(([name]) => reads(name)).map(([, r]) => [r.offset >> 2, (r.offset + r.bytes) >> 2]);
  const viewed = (word: number) => read.some(([from, to]) => word + 1 >= from && word < to);
  const image = run.run.mem.i32;
  const sab = new SharedArrayBuffer(image.byteLength);
  const mem = new AtomicsMem(sab);
  mem.i32.set(image);
  const frame = view(mem);
  const frames: unknown[] = [];
  const seen = new Map<string, number>();
  const at = new Array<number>(steps);
  let current = -1;
  let dirty = true;
  for (let k = steps - 1; k >= 0; k--) {
    if (dirty) {
      const f = frame();
      const key = JSON.stringify(f);
      current = seen.get(key) ?? -1;
      if (current < 0) {
        current = frames.push(f) - 1;
        seen.set(key, current);
      }
      dirty = false;
    }
    at[k] = current;
    const w = k * TRACE_WORDS;
    const kind = (t[w] >> 8) & 0xff;
    const addr = t[w + 1];
    if (kind === K.store64) {
      if (viewed(addr)) return null;
      continue;
    }
    if (kind === K.cas64) {
      dirty = mem.i32[addr] !== t[w + 2] || mem.i32[addr + 1] !== t[w + 3];
      mem.i32[addr] = t[w + 2];
      mem.i32[addr + 1] = t[w + 3];
    } else if (CHANGES.has(kind) && !(weak && kind === K.write)) {
      dirty = mem.i32[addr] !== t[w + 2];
      mem.i32[addr] = t[w + 2];
    }
  }
  return { frames, at, start: frame() };
}
