import { describe, expect, it } from 'vitest';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { FLUSH_CEILING, TLB_ENTRY_WORDS, Tlb, createTlbs } from '../src/paging/tlb.js';

/** The boundaries tlb.ts's mutation run left alive (docs/testing.md, "Mutation testing"). */
function image(cpus: number, entries: number) {
  const arena = Arena.create(1 << 16);
  const mem = new AtomicsMem(arena.sab);
  const ref = createTlbs(arena, mem, cpus, entries);
  return { arena, mem, ref };
}

function entries(mem: AtomicsMem, ref: ReturnType<typeof createTlbs>) {
  const out: [number, number, number, number][] = [];
  Tlb.entries(mem, ref, (cpu, asid, vpn, pte) => out.push([cpu, asid, vpn, pte]));
  return out;
}

describe('TLB boundaries', () => {
  it('flushes exactly tlb_single_page_flush_ceiling (33) pages one by one, and 34 as the whole ASID (arch/x86/mm/tlb.c flush_tlb_mm_range)', () => {
    const { mem, ref } = image(1, 64);
    const tlb = new Tlb(mem, ref, 0);
    for (let v = 0; v < 50; v++) tlb.insert(1, v, v + 100);
    tlb.flushRange(1, 10, FLUSH_CEILING);
    expect(FLUSH_CEILING).toBe(33);
    expect(tlb.lookup(1, 9)).toBe(109); // just below the range
    expect(tlb.lookup(1, 10)).toBe(0);
    expect(tlb.lookup(1, 42)).toBe(0); // the range's last page
    expect(tlb.lookup(1, 43)).toBe(143); // just past it
    tlb.flushRange(1, 0, FLUSH_CEILING + 1);
    expect(tlb.lookup(1, 49)).toBe(0); // far outside the range: the whole ASID went
  });

  it('keeps vpns above 2^32 apart from their low 32 bits, in lookup, range flush and the audit walk', () => {
    const { mem, ref } = image(1, 4);
    const tlb = new Tlb(mem, ref, 0);
    const high = 2 ** 32 + 5;
    tlb.insert(1, 5, 0x55);
    tlb.insert(1, high, 0x66);
    expect(tlb.lookup(1, high)).toBe(0x66);
    expect(tlb.lookup(1, 5)).toBe(0x55);
    expect(entries(mem, ref)).toEqual([
      [0, 1, 5, 0x55],
      [0, 1, high, 0x66],
    ]);
    tlb.flushRange(1, high, 1);
    expect(tlb.lookup(1, high)).toBe(0);
    expect(tlb.lookup(1, 5)).toBe(0x55);
  });

  it('gives each CPU its own entries: a flush on one leaves the other, the audit walk visits both', () => {
    const { arena, mem, ref } = image(2, 2);
    expect(arena.has('paging.tlb')).toBe(true);
    const cpu0 = new Tlb(mem, ref, 0);
    const cpu1 = new Tlb(mem, ref, 1);
    cpu0.insert(1, 7, 0x70);
    cpu1.insert(1, 7, 0x71);
    cpu1.insert(2, 8, 0x81);
    expect(entries(mem, ref)).toEqual([
      [0, 1, 7, 0x70],
      [1, 1, 7, 0x71],
      [1, 2, 8, 0x81],
    ]);
    cpu1.flushAsid(1);
    expect(cpu0.lookup(1, 7)).toBe(0x70);
    expect(cpu1.lookup(1, 7)).toBe(0);
    expect(cpu1.lookup(2, 8)).toBe(0x81);
  });

  it('initialises exactly its own entries invalid, not the word after the TLB area', () => {
    const { arena, mem, ref } = image(2, 4);
    expect(entries(mem, ref)).toEqual([]);
    const after = arena.allocWords('after', 1);
    expect(after).toBe(ref.base + 2 * 4 * TLB_ENTRY_WORDS);
    expect(mem.load(after)).toBe(0);
  });

  it('fills a flushed entry before evicting the least recently used one', () => {
    const { mem, ref } = image(1, 3);
    const tlb = new Tlb(mem, ref, 0);
    tlb.insert(1, 10, 0x10); // least recently used
    tlb.insert(1, 11, 0x11);
    tlb.insert(1, 12, 0x12); // most recently used, then flushed
    tlb.flushRange(1, 12, 1);
    tlb.insert(1, 13, 0x13);
    expect(tlb.lookup(1, 10)).toBe(0x10);
    expect(tlb.lookup(1, 11)).toBe(0x11);
    expect(tlb.lookup(1, 13)).toBe(0x13);
  });

  it('reads a hit ratio of 0 before any lookup, and the audit names an entry cached twice', () => {
    const { mem, ref } = image(1, 2);
    const tlb = new Tlb(mem, ref, 0);
    expect(tlb.hitRatio()).toBe(0);
    tlb.insert(3, 9, 0x90);
    for (let w = 0; w < TLB_ENTRY_WORDS; w++) mem.store(ref.base + TLB_ENTRY_WORDS + w, mem.load(ref.base + w));
    expect(Tlb.audit(mem, ref)).toEqual([{ message: 'TLB of cpu 0 caches asid 3 vpn 9 twice', where: 'cpu 0' }]);
  });
});
