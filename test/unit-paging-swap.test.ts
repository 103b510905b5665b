import { closeSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PAGE_SIZE } from '../src/paging/pte.js';
import { SwapDevice, createSwap, frameChecksum, swapBytes } from '../src/paging/swap.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

/**
 * The swap device (src/paging/swap.ts) on its own: a real file of 4 KiB slots, swap_map
 * references (the PTE's and the writer's while a slot is written), slot states, and the
 * checksum that tells a page read back from a page that was not the one written.
 */
const dir = mkdtempSync(join(tmpdir(), 'memrace-swapdev-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

function device(slots: number) {
  const path = join(dir, `d-${files++}.img`);
  const arena = Arena.create(swapBytes(slots) + 2 * PAGE_SIZE);
  const mem = new AtomicsMem(arena.sab);
  const ref = createSwap(arena, path, slots);
  const frame = arena.allocWords('frame', PAGE_SIZE / 4, PAGE_SIZE);
  return { path, mem, ref, swap: new SwapDevice(mem, ref), frame, off: frame * 4 };
}

describe('the swap device', () => {
  it('creates a file of `slots` pages; alloc goes round from the cursor with two references, WRITING; -1 when full', () => {
    const { path, swap } = device(3);
    expect(statSync(path).size).toBe(3 * PAGE_SIZE);
    expect([swap.alloc(), swap.alloc(), swap.alloc(), swap.alloc()]).toEqual([0, 1, 2, -1]);
    expect([swap.count(0), swap.count(1), swap.used()]).toEqual([2, 2, 3]);
    expect(swap.ready(1)).toBe(false);
    for (const s of [0, 0, 2, 2]) swap.free(s);
    // the cursor is at 4: the search starts at slot 1, so 2 comes before 0
    expect([swap.alloc(), swap.alloc()]).toEqual([2, 0]);
  });

  it('free drops one reference, frees the slot at zero and says how many are left; dup adds one', () => {
    const { swap } = device(2);
    const s = swap.alloc();
    swap.dup(s);
    expect(swap.count(s)).toBe(3);
    expect([swap.free(s), swap.free(s)]).toEqual([2, 1]);
    expect(swap.used()).toBe(1);
    expect(swap.free(s)).toBe(0);
    expect([swap.count(s), swap.used(), swap.ready(s)]).toEqual([0, 0, false]);
  });

  it('write puts the page in its slot and makes it READY; read brings it back and checks it; peek32 reads one word of the file', () => {
    const { swap, mem, frame, off, path } = device(4);
    for (let w = 0; w < PAGE_SIZE / 4; w++) mem.store(frame + w, w * 7 + 1);
    const s = swap.alloc();
    swap.write(s, off);
    expect([swap.ready(s), swap.writes]).toEqual([true, 1]);
    expect([swap.peek32(s, 0), swap.peek32(s, PAGE_SIZE - 4)]).toEqual([1, (PAGE_SIZE / 4 - 1) * 7 + 1]);
    mem.u8.fill(0, off, off + PAGE_SIZE);
    expect(swap.read(s, off)).toBe(true);
    expect([mem.load(frame), mem.load(frame + PAGE_SIZE / 4 - 1), swap.reads]).toEqual([1, (PAGE_SIZE / 4 - 1) * 7 + 1, 1]);
    // another hand changes the last word of the slot in the file: the read says so
    swap.close();
    const fd = openSync(path, 'r+');
    writeSync(fd, Buffer.from([9, 9, 9, 9]), 0, 4, s * PAGE_SIZE + PAGE_SIZE - 4);
    closeSync(fd);
    expect(swap.read(s, off)).toBe(false);
    expect(mem.load(frame + PAGE_SIZE / 4 - 1)).toBe(0x09090909);
    expect(swap.stateWord(s)).toBe(swap.ref.state + s);
  });

  it('the checksum sees a change in the first and in the last word of a frame', () => {
    const { mem, frame, off } = device(1);
    const sums = [frameChecksum(mem, off)];
    mem.store(frame, 1);
    sums.push(frameChecksum(mem, off));
    mem.store(frame, 0);
    mem.store(frame + PAGE_SIZE / 4 - 1, 1);
    sums.push(frameChecksum(mem, off));
    expect(new Set(sums).size).toBe(3);
    mem.store(frame + PAGE_SIZE / 4 - 1, 0);
    expect(frameChecksum(mem, off)).toBe(sums[0]);
  });
});
