import { Rng } from '../runtime/rng.js';
import { GFP_HIGHUSER_MOVABLE, GFP_KERNEL, __GFP_RECLAIMABLE } from './gfp.js';
import type { Kernel } from './kernel.js';
import { PageAlloc } from './page_alloc.js';

/** The gfp masks a mixed workload draws from: unmovable, movable and reclaimable requests. */
export const MIXED_GFP = [GFP_KERNEL, GFP_HIGHUSER_MOVABLE, GFP_KERNEL | __GFP_RECLAIMABLE] as const;

/**
 * A deterministic mixed workload, single-threaded: each CPU in turn allocates a block of
 * a random order in [minOrder, maxOrder] and migrate type, keeping `keep` of them in
 * flight and freeing a random one past that. It leaves a used, fragmented machine for
 * the /proc views and the fragmentation benchmark. Returns the blocks still held.
 */
export function mixedWorkload(k: Kernel, ops: number, opts: { seed?: number; minOrder?: number; maxOrder?: number; keep?: number } = {}): Array<{ cpu: number; pfn: number; order: number; gfp: number }> {
  const rng = new Rng(opts.seed ?? 1);
  const minOrder = opts.minOrder ?? 0;
  const maxOrder = opts.maxOrder ?? 3;
  const keep = opts.keep ?? Math.max(1, ops >> 1);
  const cpus = Array.from({ length: k.ref.nr_cpus }, (_, cpu) => new PageAlloc(k, cpu));
  const held: Array<{ cpu: number; pfn: number; order: number; gfp: number }> = [];
  for (let i = 0; i < ops; i++) {
    const cpu = i % cpus.length;
    const order = rng.between(minOrder, maxOrder);
    const gfp = MIXED_GFP[rng.below(MIXED_GFP.length)];
    const pfn = cpus[cpu].alloc_pages(gfp, order);
    if (pfn >= 0) held.push({ cpu, pfn, order, gfp });
    if (held.length > keep) {
      const j = rng.below(held.length);
      const b = held[j];
      held[j] = held[held.length - 1];
      held.pop();
      cpus[b.cpu].__free_pages(b.pfn, b.order);
    }
  }
  return held;
}
