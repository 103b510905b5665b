import { mkdtempSync, openSync, rmSync, writeSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Arena } from '../src/shm/arena.js';
import { PT_KINDS, type PtKind } from '../src/paging/pagetable.js';
import { POLICIES, type Policy } from '../src/paging/reclaim.js';
import { exitMm, fork, mmCounters } from '../src/paging/vm.js';
import { createSwap } from '../src/paging/swap.js';
import { bootCpu, spawn, va } from './paging-helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'memrace-swap-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function boot(pt: PtKind, policy: Policy, frames = 24, slots = 256) {
  const path = join(dir, `swap-${pt}-${policy}.img`);
  return { cpu: bootCpu({ cpus: 1, frames, tlbEntries: 4, pt, maxProcs: 4, swap: { path, slots, policy } }), path };
}

describe.each(POLICIES.flatMap((p) => PT_KINDS.map((k) => [p, k] as const)))('swap with %s replacement on %s', (policy, pt) => {
  it('pages written out to the swap file come back with the same bytes', () => {
    const { cpu } = boot(pt, policy);
    const { mm: p, at } = spawn(cpu, 64);
    for (let i = 0; i < 64; i++) {
      cpu.store32(va(at + i, 0), 0x5000 + i);
      cpu.store32(va(at + i, 1023), ~i);
    }
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < 64; i++) {
        expect(cpu.load32(va(at + i, 0))).toBe(0x5000 + i);
        expect(cpu.load32(va(at + i, 1023))).toBe(~i);
      }
    }
    expect(cpu.stats.swapOuts).toBeGreaterThan(40);
    expect(cpu.stats.majorFaults).toBeGreaterThan(40);
    expect(cpu.stats.swapCorrupt).toBe(0);
    expect(mmCounters(cpu, p).swapents).toBeGreaterThan(0);
    exitMm(cpu, p);
    expect(cpu.frames.freeFrames()).toBe(24);
    expect(cpu.swap?.used()).toBe(0);
  });
});

describe('swap device', () => {
  it('catches bytes that changed in the file while the page was out', () => {
    const { cpu, path } = boot('two-level', 'fifo', 12, 64);
    const { mm: p, at } = spawn(cpu, 32);
    for (let i = 0; i < 32; i++) cpu.store32(va(at + i), i + 1);
    const fd = openSync(path, 'r+');
    for (let s = 0; s < 64; s++) writeSync(fd, Buffer.from([0xee]), 0, 1, s * 4096 + 100);
    closeSync(fd);
    for (let i = 0; i < 32; i++) cpu.load32(va(at + i));
    expect(cpu.stats.swapCorrupt).toBeGreaterThan(0);
    exitMm(cpu, p);
  });

  it('a page swapped out before fork is shared by both through the swap entry', () => {
    const { cpu } = boot('two-level', 'clock', 12, 64);
    const { mm: parent, at } = spawn(cpu, 24);
    for (let i = 0; i < 24; i++) cpu.store32(va(at + i), 100 + i);
    const child = fork(cpu, parent, 101);
    expect(child).toBeGreaterThanOrEqual(0);
    cpu.switchTo(child);
    for (let i = 0; i < 24; i++) expect(cpu.load32(va(at + i))).toBe(100 + i);
    cpu.store32(va(at), 7);
    cpu.switchTo(parent);
    for (let i = 0; i < 24; i++) expect(cpu.load32(va(at + i))).toBe(100 + i);
    exitMm(cpu, child);
    exitMm(cpu, parent);
    expect(cpu.frames.freeFrames()).toBe(12);
    expect(cpu.swap?.used()).toBe(0);
  });

  it('refuses a swap path that cannot be written, naming --swap', () => {
    const arena = Arena.create(1 << 16);
    expect(() => createSwap(arena, join(dir, 'no/such/dir/swap.img'), 4)).toThrow(/--swap: cannot create the swap file/);
  });
});
