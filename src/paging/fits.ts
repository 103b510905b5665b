import { Arena } from '../shm/arena.js';
import { AtomicsMem } from '../shm/mem.js';
import { Rng } from '../runtime/rng.js';
import { ContiguousAllocator, FITS, type Fit } from './contiguous.js';

export interface FitStats {
  fit: Fit;
  requests: number;
  refused: number;
  /** Refusals with enough free memory in total, but in no single hole. */
  externalRefusals: number;
  avgSearch: number;
  /** Mean share of memory allocated, sampled after every request. */
  utilisation: number;
  /** Mean of 1 - largest hole / free memory. */
  externalFragmentation: number;
  /** Share of allocated memory that requests did not ask for (rounding up to the unit). */
  internalFragmentation: number;
}

export interface StreamOptions {
  memoryUnits: number;
  unitBytes: number;
  maxRequestBytes: number;
  requests: number;
  seed: number;
}

/**
 * The same request stream (seeded sizes, releases of random live partitions) replayed
 * against each fit on one thread, so the four can be compared on equal terms: the
 * textbook's claim that first and best fit beat worst fit, measured.
 */
export function compareFits(o: StreamOptions): FitStats[] {
  return FITS.map((fit) => replay(fit, o));
}

function replay(fit: Fit, o: StreamOptions): FitStats {
  const arena = Arena.create(ContiguousAllocator.bytes(o.requests + 2) + 4096);
  const mem = new AtomicsMem(arena.sab);
  const a = new ContiguousAllocator(mem, ContiguousAllocator.create(arena, mem, 'fits', o.memoryUnits, o.requests + 2), 0);
  const rng = new Rng(o.seed);
  const liveStart: number[] = [];
  const liveSize: number[] = [];
  let allocated = 0;
  let asked = 0;
  let given = 0;
  const s = { refused: 0, ext: 0, search: 0, util: 0, frag: 0 };
  for (let r = 0; r < o.requests; r++) {
    // Release about as often as allocate, so memory churns around a steady state.
    while (liveStart.length > 0 && rng.below(2) === 0) {
      const k = rng.below(liveStart.length);
      a.free(liveStart[k], liveSize[k]);
      allocated -= liveSize[k];
      liveStart[k] = liveStart[liveStart.length - 1];
      liveSize[k] = liveSize[liveSize.length - 1];
      liveStart.pop();
      liveSize.pop();
    }
    const bytes = 1 + rng.below(o.maxRequestBytes);
    const units = Math.ceil(bytes / o.unitBytes);
    const start = a.alloc(units, fit);
    s.search += a.searched;
    if (start < 0) {
      s.refused++;
      if (a.freeUnits() >= units) s.ext++;
    } else {
      liveStart.push(start);
      liveSize.push(units);
      allocated += units;
      asked += bytes;
      given += units * o.unitBytes;
    }
    s.util += allocated / o.memoryUnits;
    s.frag += a.externalFragmentation();
  }
  const n = Math.max(1, o.requests);
  return {
    fit,
    requests: o.requests,
    refused: s.refused,
    externalRefusals: s.ext,
    avgSearch: s.search / n,
    utilisation: s.util / n,
    externalFragmentation: s.frag / n,
    internalFragmentation: given === 0 ? 0 : 1 - asked / given,
  };
}
