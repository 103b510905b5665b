import { describe, expect, it } from 'vitest';
import { EEXIST, ENOMEM } from '../src/errors.js';
import { InvertedPageTable, InvertedTable } from '../src/paging/inverted.js';
import { vpnHash } from '../src/paging/pagetable.js';
import { PTE_P, PTE_SWAP, PTE_VALID, mkPte } from '../src/paging/pte.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { entriesOf, pteOf } from './paging-helpers.js';

/**
 * The inverted page table (src/paging/inverted.ts): one entry per frame naming (pid, vpn),
 * found through the hash anchor table; what is not resident goes to the process's private
 * side table. Two processes on one system table, tested entry by entry.
 */
const NFRAMES = 16;

function system(sideFrames = 4) {
  const arena = Arena.create(InvertedTable.bytes(NFRAMES, sideFrames) + 4096);
  const mem = new AtomicsMem(arena.sab);
  const ipt = InvertedTable.create(arena, mem, NFRAMES, sideFrames);
  const open = (pid: number) => {
    const header = arena.allocWords(`pt.${pid}`, 8);
    InvertedPageTable.initHeader(mem, header);
    const pt = new InvertedPageTable(mem, ipt, header, pid, 0);
    const entry = (vpn: number) => pteOf(pt, mem, vpn);
    const all = () => entriesOf(pt);
    return { pt, entry, all };
  };
  return { mem, ipt, open };
}

const present = (pfn: number) => mkPte(pfn, PTE_P);
const swapped = (slot: number) => mkPte(slot, PTE_SWAP | PTE_VALID);

describe('inverted page table', () => {
  it('sizes its anchor table to twice the frames (at least 16 anchors), all empty, every entry free', () => {
    expect([InvertedTable.bitsFor(1), InvertedTable.bitsFor(8), InvertedTable.bitsFor(9), InvertedTable.bitsFor(64)]).toEqual([4, 4, 5, 7]);
    expect(InvertedTable.tableBytes(64)).toBe(64 * 8 * 4 + 128 * 4);
    const { open } = system();
    const p0 = open(0);
    expect([p0.pt.find(0), p0.pt.find(1)]).toEqual([-1, -1]);
    expect(p0.all()).toEqual([]);
    expect([p0.pt.kind, p0.pt.canShare]).toEqual(['inverted', false]);
  });

  it('two processes map one vpn to their own frames; a frame has one entry, so a second mapper is -EEXIST', () => {
    const { open } = system();
    const a = open(1);
    const b = open(2);
    const high = 2 ** 33 + 3;
    expect([a.pt.set(3, present(5)), b.pt.set(3, present(6)), a.pt.set(high, present(7))]).toEqual([0, 0, 0]);
    expect([a.entry(3), b.entry(3), a.entry(high), b.entry(high)]).toEqual([present(5), present(6), present(7), 0]);
    expect(b.pt.set(9, present(5))).toBe(-EEXIST);
    expect(a.all()).toEqual([[3, present(5)], [high, present(7)]]);
    expect(b.all()).toEqual([[3, present(6)]]);
    // frame = entry index: the entry word is the frame's own
    expect(a.pt.find(3)).not.toBe(b.pt.find(3));
  });

  it('a non-present entry lives in the side table and frees the frame\'s entry; a present one comes back resident', () => {
    const { open } = system();
    const a = open(1);
    const b = open(2);
    a.pt.set(3, present(5));
    expect(a.pt.set(3, swapped(9))).toBe(0);
    expect(a.entry(3)).toBe(swapped(9));
    expect(a.all()).toEqual([[3, swapped(9)]]);
    expect(b.pt.set(4, present(5))).toBe(0); // frame 5 is free to map again
    expect(a.pt.set(3, present(6))).toBe(0);
    expect(a.entry(3)).toBe(present(6));
    expect(a.all()).toEqual([[3, present(6)]]);
    expect(a.pt.tableBytes()).toBeGreaterThan(0);
  });

  it('clear returns the resident entry, else the side entry, else 0, and leaves the rest of the anchor chain', () => {
    const { open, ipt } = system();
    const a = open(1);
    const h = vpnHash(3, 1, ipt.bits);
    const same: number[] = [];
    for (let v = 4; same.length < 2; v++) if (vpnHash(v, 1, ipt.bits) === h) same.push(v);
    a.pt.set(3, present(2));
    a.pt.set(same[0], present(3));
    a.pt.set(same[1], present(4));
    a.pt.set(50, swapped(1));
    expect(a.pt.clear(same[0])).toBe(present(3));
    expect([a.entry(3), a.entry(same[0]), a.entry(same[1])]).toEqual([present(2), 0, present(4)]);
    expect(a.pt.clear(50)).toBe(swapped(1));
    expect(a.pt.clear(50)).toBe(0);
    expect(a.pt.clear(3)).toBe(present(2));
    expect(a.entry(same[1])).toBe(present(4));
  });

  it('a lookup reads the anchor, then each entry of its chain; a miss reads the side table too; the trace names them', () => {
    const { open, ipt } = system();
    const a = open(1);
    a.pt.set(3, present(5));
    const steps: string[] = [];
    a.pt.find(3, { step: (label) => steps.push(label) });
    expect(a.pt.reads).toBe(2);
    const h = vpnHash(3, 1, ipt.bits);
    expect(steps).toEqual([`anchor[${h}] (hash of pid 1, vpn)`, 'entry[5] pid 1 vpn 3 (match: frame = entry index)']);
    a.pt.set(60, swapped(2));
    a.pt.find(60);
    // the anchor and its chain (frame 5's entry if vpn 3 hashes there too), then the side table's bucket and node
    expect(a.pt.reads).toBe(1 + (vpnHash(60, 1, ipt.bits) === h ? 1 : 0) + 2);
  });

  it('when the side table has no frame for a swap entry: -ENOMEM, and the resident entry stays', () => {
    const { open } = system(1);
    const a = open(1);
    a.pt.set(3, present(5));
    expect(a.pt.set(3, swapped(1))).toBe(-ENOMEM);
    expect(a.entry(3)).toBe(present(5));
  });
});
