import { describe, expect, it } from 'vitest';
import { SimpleFrames } from '../src/paging/frames.js';
import { PAGE_SIZE } from '../src/paging/pte.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

/**
 * SimpleFrames (src/paging/frames.ts), the inverted table's private pool: a free stack with
 * low pfns on top, struct page's _refcount and _mapcount (-1 when unmapped, as Linux), and
 * an audit that names each way the list and the counts can disagree. The pool's words are
 * [lock, head, count] in its header and [_refcount, _mapcount, next] per frame.
 */
function pool(n: number) {
  const arena = Arena.create(SimpleFrames.bytes(n) + 4096);
  const mem = new AtomicsMem(arena.sab);
  const ref = SimpleFrames.create(arena, mem, n, 'f');
  const f = new SimpleFrames(mem, ref, 3);
  const meta = (pfn: number, w: number) => ref.meta + pfn * 4 + w;
  return { arena, mem, ref, f, meta, messages: () => f.audit().map((v) => v.message) };
}

describe('SimpleFrames', () => {
  it('hands out 0, 1, 2... with _refcount 1, counts what is free, says -1 when empty, and takes frames back on top', () => {
    const { f, mem, ref } = pool(4);
    expect(f.freeFrames()).toBe(4);
    expect([f.alloc(), f.alloc(), f.alloc()]).toEqual([0, 1, 2]);
    expect(f.freeFrames()).toBe(1);
    expect([f.refcount(0), f.refcount(3)]).toEqual([1, 0]);
    expect(f.alloc()).toBe(3);
    expect(f.alloc()).toBe(-1);
    expect(f.freeFrames()).toBe(0);
    expect(mem.load(ref.header)).toBe(0); // the lock, released
    expect([f.free(2), f.free(0)]).toEqual([true, true]);
    expect(f.freeFrames()).toBe(2);
    expect([f.alloc(), f.alloc(), f.alloc()]).toEqual([0, 2, -1]);
    expect(f.audit()).toEqual([]);
  });

  it('free drops one reference and returns the frame only at zero; _mapcount counts PTEs and is reset on free', () => {
    const { f } = pool(2);
    const p = f.alloc();
    f.get(p);
    expect(f.refcount(p)).toBe(2);
    expect(f.free(p)).toBe(false);
    expect([f.refcount(p), f.freeFrames()]).toEqual([1, 1]);
    expect(f.mapcount(p)).toBe(0);
    expect([f.incMapcount(p), f.incMapcount(p), f.mapcount(p)]).toEqual([1, 2, 2]);
    expect([f.decMapcount(p), f.mapcount(p)]).toEqual([1, 1]);
    expect(f.free(p)).toBe(true);
    expect([f.refcount(p), f.mapcount(p), f.freeFrames()]).toEqual([0, 0, 2]);
  });

  it('frames are page-aligned pages of the image, one after another', () => {
    const { f } = pool(3);
    const offs = [0, 1, 2].map((p) => f.frameByteOffset(p));
    expect(offs[0] % PAGE_SIZE).toBe(0);
    expect([offs[1] - offs[0], offs[2] - offs[1]]).toEqual([PAGE_SIZE, PAGE_SIZE]);
    expect(f.nframes).toBe(3);
  });

  it('an empty pool has no head', () => {
    const { f } = pool(0);
    expect([f.alloc(), f.freeFrames()]).toEqual([-1, 0]);
    expect(f.audit()).toEqual([]);
  });

  it('audit names a free frame still referenced, an allocated one at refcount 0, a frame listed twice, a link to no frame, a wrong count', () => {
    const { f, mem, ref, meta, messages } = pool(4);
    const a = f.alloc();
    f.get(1);
    expect(f.audit()).toEqual([{ message: 'free frame 1 has refcount 1', where: 'pfn 1' }]);
    mem.store(meta(1, 0), 0);
    mem.store(meta(a, 0), 0);
    expect(f.audit()).toEqual([{ message: `frame ${a} has refcount 0 but is not free`, where: `pfn ${a}` }]);
    mem.store(meta(a, 0), 1);
    mem.store(meta(3, 2), 1); // 1 -> 2 -> 3 -> 1
    expect(f.audit()).toEqual([{ message: 'frame 1 is on the free list twice', where: 'pfn 1' }]);
    mem.store(meta(3, 2), 9);
    expect(messages()).toEqual(['free list links to 9, not a frame']);
    mem.store(meta(3, 2), -1);
    mem.store(ref.header + 2, 5);
    expect(messages()).toEqual(['free list holds 3 frames but counts 5']);
  });
});
