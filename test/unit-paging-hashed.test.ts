import { describe, expect, it } from 'vitest';
import { ENOMEM } from '../src/errors.js';
import { SimpleFrames } from '../src/paging/frames.js';
import { CLUSTER, HASH_BUCKET_BITS, HashedPageTable } from '../src/paging/hashed.js';
import { vpnHash } from '../src/paging/pagetable.js';
import { PTE_P, mkPte } from '../src/paging/pte.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { entriesOf, pteOf } from './paging-helpers.js';

/**
 * The hashed and clustered page tables (src/paging/hashed.ts) on their own frames: tags
 * past 2^32, what a lookup reads, a node recycled only when every one of its slots is
 * empty, how many nodes one frame holds, running out of frames, and release.
 */
function table(nframes: number, clustered = false) {
  const arena = Arena.create(SimpleFrames.bytes(nframes) + 4096);
  const mem = new AtomicsMem(arena.sab);
  const frames = new SimpleFrames(mem, SimpleFrames.create(arena, mem, nframes), 0);
  const header = arena.allocWords('pt', 8);
  HashedPageTable.initHeader(mem, header);
  const pt = new HashedPageTable(mem, frames, header, clustered);
  const entry = (vpn: number) => pteOf(pt, mem, vpn);
  const all = () => entriesOf(pt);
  return { mem, frames, pt, entry, all };
}

const pte = (pfn: number) => mkPte(pfn, PTE_P);

describe('hashed page table', () => {
  for (const clustered of [false, true]) {
    it(`${clustered ? 'clustered' : 'hashed'}: a vpn past 2^32 is a tag of its own, and forEach gives back every vpn whole`, () => {
      const { pt, entry, all } = table(8, clustered);
      expect(pt.kind).toBe(clustered ? 'clustered' : 'hashed');
      const high = 2 ** 33 + 5 * CLUSTER;
      expect([pt.set(5 * CLUSTER, pte(1)), pt.set(high, pte(2)), pt.set(high + 1, pte(3))]).toEqual([0, 0, 0]);
      expect([entry(5 * CLUSTER), entry(high), entry(high + 1), entry(2 ** 34 + 5 * CLUSTER)]).toEqual([pte(1), pte(2), pte(3), 0]);
      expect(all()).toEqual([[5 * CLUSTER, pte(1)], [high, pte(2)], [high + 1, pte(3)]]);
    });
  }

  it('a lookup reads the bucket, then each node of its chain; an empty table reads nothing; a miss is -1', () => {
    const { pt } = table(8);
    const steps: string[] = [];
    expect(pt.find(3)).toBe(-1);
    expect(pt.reads).toBe(0);
    pt.set(3, pte(1));
    expect(pt.find(3, { step: (label) => steps.push(label) })).toBeGreaterThan(0);
    expect(pt.reads).toBe(2);
    expect(steps).toEqual([`bucket[${vpnHash(3, 0, HASH_BUCKET_BITS)}]`, 'node tag 3 (match)']);
    expect(pt.find(4)).toBe(-1);
    // vpns whose hashes collide chain in one bucket: the newest first
    const h = vpnHash(3, 0, HASH_BUCKET_BITS);
    let other = 4;
    while (vpnHash(other, 0, HASH_BUCKET_BITS) !== h) other++;
    pt.set(other, pte(2));
    steps.length = 0;
    pt.find(3, { step: (label) => steps.push(label) });
    expect(steps).toEqual([`bucket[${h}]`, `node tag ${other}`, 'node tag 3 (match)']);
    expect(pt.reads).toBe(3);
  });

  it('clustered: a node stays while any of its pages has an entry, and is reused once all are cleared', () => {
    const { pt, entry, mem } = table(8, true);
    pt.set(0, pte(1));
    pt.set(CLUSTER - 1, pte(2));
    const w = pt.find(0);
    expect(pt.clear(0)).toBe(pte(1));
    expect(entry(CLUSTER - 1)).toBe(pte(2));
    expect(pt.find(0)).toBe(w);
    expect(pt.clear(CLUSTER - 1)).toBe(pte(2));
    expect(pt.find(0)).toBe(-1);
    expect(pt.clear(0)).toBe(0);
    const bytes = pt.tableBytes();
    pt.set(7 * CLUSTER, pte(3));
    expect(pt.find(7 * CLUSTER)).toBe(w);
    expect(mem.load(w + 1)).toBe(0);
    expect(pt.tableBytes()).toBe(bytes);
  });

  it('hashed: one node frame holds 255 nodes; then -ENOMEM; with no frame for the buckets, -ENOMEM at once', () => {
    const { pt, entry } = table(2);
    for (let v = 0; v < 255; v++) expect(pt.set(v, pte(1))).toBe(0);
    expect(pt.set(255, pte(1))).toBe(-ENOMEM);
    expect(entry(254)).toBe(pte(1));
    expect(pt.tableBytes()).toBe(2 * 4096);
    pt.clear(17);
    expect(pt.set(255, pte(1))).toBe(0);
    const none = table(0);
    expect(none.pt.set(1, pte(1))).toBe(-ENOMEM);
    expect(none.pt.find(1)).toBe(-1);
    const one = table(1);
    expect(one.pt.set(1, pte(1))).toBe(-ENOMEM);
    expect(one.pt.tableBytes()).toBe(4096);
  });

  it('release gives every frame back, an empty table\'s too, and leaves a table that works again', () => {
    const { pt, frames, entry } = table(8);
    pt.release();
    expect(frames.freeFrames()).toBe(8);
    for (let v = 0; v < 300; v++) pt.set(v, pte(1));
    expect(frames.freeFrames()).toBe(5);
    pt.release();
    expect(frames.freeFrames()).toBe(8);
    expect([pt.tableBytes(), pt.find(1)]).toEqual([0, -1]);
    expect(pt.set(9, pte(4))).toBe(0);
    expect(entry(9)).toBe(pte(4));
  });
});
