import { describe, expect, it } from 'vitest';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { SimpleFrames } from '../src/paging/frames.js';
import { InvertedTable } from '../src/paging/inverted.js';
import { initPageTable, openPageTable } from '../src/paging/open.js';
import { PT_KINDS, type PtKind } from '../src/paging/pagetable.js';
import { PTE_P, PTE_RW, PTE_SWAP, PTE_VALID, mkPte, ptePfn } from '../src/paging/pte.js';
import { explainTranslation } from '../src/paging/explain.js';
import { ENOMEM, EEXIST } from '../src/errors.js';
import { pteOf } from './paging-helpers.js';

function machine(nframes = 64, kind: PtKind = 'two-level', pid = 1) {
  const arena = Arena.create(SimpleFrames.bytes(nframes) + InvertedTable.bytes(nframes, 8) + 8192);
  const mem = new AtomicsMem(arena.sab);
  const frames = new SimpleFrames(mem, SimpleFrames.create(arena, mem, nframes), 0);
  const ipt = InvertedTable.create(arena, mem, nframes, 8);
  const open = (k: PtKind, p: number) => {
    const header = arena.allocWords(`pt.${k}.${p}.${arena.layout().used}`, 8);
    initPageTable(mem, k, header);
    return openPageTable({ mem, frames, ipt, cpu: 0 }, k, header, p);
  };
  return { arena, mem, frames, pt: open(kind, pid), open };
}

describe('SimpleFrames (the inverted table side tables\' private pool)', () => {
  it('hands out each frame once with refcount 1 and _mapcount -1, and takes it back at refcount 0', () => {
    const { frames } = machine(8);
    const got = Array.from({ length: 8 }, () => frames.alloc());
    expect(new Set(got).size).toBe(8);
    expect(frames.alloc()).toBe(-1);
    expect(frames.refcount(got[0])).toBe(1);
    expect(frames.mapcount(got[0])).toBe(0);
    expect(frames.incMapcount(got[0])).toBe(1);
    expect(frames.incMapcount(got[0])).toBe(2);
    expect(frames.decMapcount(got[0])).toBe(1);
    frames.get(got[0]);
    expect(frames.free(got[0])).toBe(false);
    expect(frames.free(got[0])).toBe(true);
    expect(frames.mapcount(got[0])).toBe(0);
    expect(frames.freeFrames()).toBe(1);
    for (const f of got.slice(1)) frames.free(f);
    expect(frames.audit()).toEqual([]);
  });
});

describe.each(PT_KINDS)('%s page table', (kind) => {
  it('maps, finds, remaps, clears and frees every table frame at release', () => {
    const { frames, pt, mem } = machine(64, kind);
    const start = frames.freeFrames();
    const vpns = [0, 1, 0x403, 0x3ff, 0x400, 0xfffff, 77_777];
    const data = vpns.map(() => frames.alloc());
    vpns.forEach((v, i) => expect(pt.set(v, mkPte(data[i], PTE_P | PTE_RW | PTE_VALID))).toBe(0));
    vpns.forEach((v, i) => {
      const slot = pt.find(v);
      expect(slot).toBeGreaterThan(0);
      expect(ptePfn(mem.load(slot))).toBe(data[i]);
    });
    expect(pteOf(pt, mem, 5)).toBe(0);
    const seen = new Map<number, number>();
    pt.forEach((v, pte) => seen.set(v, ptePfn(pte)));
    expect(seen).toEqual(new Map(vpns.map((v, i) => [v, data[i]])));
    expect(ptePfn(pt.clear(0x403))).toBe(data[2]);
    expect(pteOf(pt, mem, 0x403)).toBe(0);
    // A swap entry is kept too (inverted: in its private side table).
    expect(pt.set(0x403, mkPte(9, PTE_SWAP | PTE_VALID))).toBe(0);
    expect(mem.load(pt.find(0x403)) & PTE_SWAP).toBe(PTE_SWAP);
    for (const v of vpns) pt.clear(v);
    pt.release();
    for (const f of data) frames.free(f);
    expect(frames.freeFrames()).toBe(start);
    expect(pt.tableBytes()).toBe(0);
    expect(frames.audit()).toEqual([]);
  });
});

describe('page table geometry and cost', () => {
  it('two-level walks 2 levels in 2 frames; four-level 4 in 4 (x86-64, 9/9/9/9/12)', () => {
    for (const [kind, reads, bytes] of [['two-level', 2, 8192], ['four-level', 4, 16384]] as const) {
      const { pt, frames } = machine(64, kind);
      pt.set(0x403, mkPte(frames.alloc(), PTE_P | PTE_VALID));
      pt.find(0x403);
      expect(pt.reads).toBe(reads);
      expect(pt.tableBytes()).toBe(bytes);
    }
  });

  it('a dense range costs a clustered table a sixteenth of the nodes of a hashed one', () => {
    const h = machine(256, 'hashed');
    const c = machine(256, 'clustered');
    for (let v = 0; v < 1024; v++) {
      h.pt.set(v, mkPte(1, PTE_P));
      c.pt.set(v, mkPte(1, PTE_P));
    }
    // hashed: 1024 nodes of 4 words, 255 to a frame -> 5 node frames + buckets
    expect(h.pt.tableBytes()).toBe(6 * 4096);
    // clustered: 64 nodes of 19 words, 52 to a frame -> 2 node frames + buckets
    expect(c.pt.tableBytes()).toBe(3 * 4096);
  });

  it('two-level reads its two entries at the documented indices (0x00403a7c -> p1 1, p2 3, d 0xa7c)', () => {
    const lines = explainTranslation({ pt: 'two-level', va: 0x00403a7c, pid: 1, frames: 64, unmapped: false });
    expect(lines[1]).toContain('p1 0x001 (10 bits) | p2 0x003 (10 bits) | d 0xa7c (12 bits)');
    const text = lines.join('\n');
    expect(text).toMatch(/read PDE\[1\][\s\S]*read PTE\[3\]/);
    // The frame is whatever the booted kernel's page allocator handed out; the PTE, the frame and the pa agree.
    const [, pte, frame] = /PTE 0x([0-9a-f]{8}) \[[^\]]*\] -> frame 0x([0-9a-f]{5})/.exec(text)!;
    expect(parseInt(pte, 16) >>> 12).toBe(parseInt(frame, 16));
    const pa = (parseInt(frame, 16) * 4096 + 0xa7c).toString(16).padStart(8, '0');
    expect(text).toContain(`pa = frame 0x${frame} << 12 | 0xa7c = 0x${pa}; the word there reads 0x600dcafe`);
  });

  it('an unmapped address ends its walk in a page fault', () => {
    const lines = explainTranslation({ pt: 'four-level', va: 0x7fffdeadb000, pid: 1, frames: 64, unmapped: true });
    expect(lines.join('\n')).toMatch(/page fault/);
  });

  it('inverted: one entry per frame, so a second process cannot map the same frame', () => {
    const { open, frames, mem } = machine(16, 'inverted');
    const a = open('inverted', 1);
    const b = open('inverted', 2);
    const f = frames.alloc();
    expect(a.set(7, mkPte(f, PTE_P))).toBe(0);
    expect(b.set(7, mkPte(f, PTE_P))).toBe(-EEXIST);
    expect(pteOf(b, mem, 7)).toBe(0);
    expect(a.canShare).toBe(false);
  });

  it('reports ENOMEM when no frame is left for a table', () => {
    const { pt, frames } = machine(2, 'four-level');
    frames.alloc();
    expect(pt.set(0x403, mkPte(0, PTE_P))).toBe(-ENOMEM);
  });
});
