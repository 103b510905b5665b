import type { Violation } from '../core/violation.js';
import { MM_LIVE, MM_STATE, VM_SHARED, asidOf } from './mm.js';
import type { Cpu } from './mmu.js';
import { PTE_P, PTE_RW, PTE_SWAP, ptePfn } from './pte.js';
import { Tlb } from './tlb.js';

/**
 * The oracles of SPEC part 4 on a quiescent image, seen through one CPU's views:
 * - ownership: every present entry names a frame in use, mapped exactly as often as
 *   entries name it (_mapcount), and a writable entry names a frame that only its process
 *   maps (unless the VMA is shared): no translation yields a frame the process neither owns
 *   nor shares read-only;
 * - TLB coherence: every TLB entry of a live address space agrees with its page table
 *   (same frame, no write permission the entry lost): once the unmapper has moved on, no
 *   TLB keeps a translation it removed;
 * - swap: every swap entry names a slot in use.
 */
export function auditTranslations(cpu: Cpu): { ownership: Violation[]; tlb: Violation[] } {
  const { mem, sys, frames } = cpu;
  const ownership: Violation[] = [];
  const tlb: Violation[] = [...Tlb.audit(mem, sys.tlb)];
  const mapped = new Int32Array(sys.nframes);
  const live = new Map<number, Map<number, number>>();
  for (let mm = 0; mm < sys.maxProcs; mm++) {
    if (mem.load(cpu.mmBase(mm) + MM_STATE) !== MM_LIVE) continue;
    const entries = new Map<number, number>();
    live.set(asidOf(mm), entries);
    const vmas = cpu.vmas(mm);
    cpu.pt(mm).forEach((vpn, e) => {
      entries.set(vpn, e);
      if (e & PTE_SWAP) {
        if (!cpu.swap || cpu.swap.count(ptePfn(e)) <= 0) ownership.push({ message: `swap entry of vpn ${vpn} names slot ${ptePfn(e)}, which is free`, where: `mm ${mm}` });
        return;
      }
      if ((e & PTE_P) === 0) return;
      const pfn = ptePfn(e);
      if (pfn >= sys.nframes || frames.refcount(pfn) <= 0) {
        ownership.push({ message: `vpn ${vpn} maps frame ${pfn}, which is free or no frame`, where: `mm ${mm}` });
        return;
      }
      mapped[pfn]++;
      const vi = vmas.find(vpn);
      if (vi < 0) ownership.push({ message: `vpn ${vpn} is mapped outside every VMA`, where: `mm ${mm}` });
      if (e & PTE_RW && frames.mapcount(pfn) > 1 && !(vi >= 0 && vmas.flags(vi) & VM_SHARED)) {
        ownership.push({ message: `vpn ${vpn} maps frame ${pfn} writable while ${frames.mapcount(pfn)} entries map it`, where: `mm ${mm}` });
      }
    });
  }
  for (let pfn = 0; pfn < sys.nframes; pfn++) {
    // Stryker disable next-line EqualityOperator: mapcount >= 0 differs from > 0 only at mapped = mapcount = 0, which the first test excludes
    if (mapped[pfn] !== frames.mapcount(pfn) && (mapped[pfn] > 0 || frames.mapcount(pfn) > 0)) {
      ownership.push({ message: `frame ${pfn} is named by ${mapped[pfn]} entries but its _mapcount says ${frames.mapcount(pfn)}`, where: `pfn ${pfn}` });
    }
  }
  Tlb.entries(mem, sys.tlb, (c, asid, vpn, cached) => {
    const entries = live.get(asid);
    if (!entries) {
      tlb.push({ message: `TLB of cpu ${c} still holds vpn ${vpn} of asid ${asid}, whose process has exited`, where: `cpu ${c}` });
      return;
    }
    const e = entries.get(vpn) ?? 0;
    if ((e & PTE_P) === 0 || ptePfn(e) !== ptePfn(cached)) {
      tlb.push({ message: `TLB of cpu ${c} maps vpn ${vpn} (asid ${asid}) to frame ${ptePfn(cached)}, but the page table says ${e & PTE_P ? `frame ${ptePfn(e)}` : 'not present'}`, where: `cpu ${c}` });
    } else if (cached & PTE_RW && (e & PTE_RW) === 0) {
      tlb.push({ message: `TLB of cpu ${c} may still write vpn ${vpn} (asid ${asid}), which is read-only now`, where: `cpu ${c}` });
    }
  });
  return { ownership, tlb };
}

/**
 * Lost writes: on a quiescent image, the word `wordOf(vpn)` of each of the process's pages
 * from `start` holds what the process last wrote there (`last[i]`, 0 for never), whether
 * the page is in a frame or out in its swap slot. A write that went to a frame after its
 * bytes were written to swap (and before its TLB entry was shot down), or to a frame that
 * a child shared without copy on write, shows here even when no later read of the process
 * happened to look.
 */
export function auditContents(cpu: Cpu, mm: number, start: number, last: Int32Array, wordOf: (vpn: number) => number): Violation[] {
  const out: Violation[] = [];
  const pt = cpu.pt(mm);
  for (let i = 0; i < last.length; i++) {
    const vpn = start + i;
    const w = pt.find(vpn);
    const e = w < 0 ? 0 : cpu.mem.load(w);
    const byte = wordOf(vpn) * 4;
    let got = 0;
    if (e & PTE_SWAP) got = cpu.swap ? cpu.swap.peek32(ptePfn(e), byte) : 0;
    else if (e & PTE_P) got = cpu.mem.i32[(cpu.frames.frameByteOffset(ptePfn(e)) + byte) >> 2];
    if (got !== last[i]) out.push({ message: `vpn ${vpn} holds ${got}, but the process last wrote ${last[i]} there${e & PTE_SWAP ? ' (in swap)' : ''}`, where: `mm ${mm}` });
  }
  return out;
}

/**
 * After every process has exited: the kernel has every frame back (none still allocated:
 * a frame paging leaked shows here), and every swap slot is free. The kernel's own audit
 * of its lists is cpu.frames.audit().
 */
export function auditAllFree(cpu: Cpu): Violation[] {
  const out: Violation[] = [];
  const held = cpu.frames.allocated();
  if (held) out.push({ message: `${held} of ${cpu.frames.managed()} frames are still allocated after every process exited` });
  const slots = cpu.swap?.used() ?? 0;
  if (slots > 0) out.push({ message: `${slots} swap slots are still in use after every process exited` });
  return out;
}
