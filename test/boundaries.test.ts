import { describe, expect, it } from 'vitest';
import { ENOENT, ENOMEM } from '../src/errors.js';
import { Mempool } from '../src/dpdk/mempool.js';
import { Pktmbuf } from '../src/dpdk/mbuf.js';
import { MAX_NUMNODES, Memblock } from '../src/kernel/memblock.js';
import { OVERCOMMIT_NEVER, VmAccounting } from '../src/kernel/overcommit.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { GFP_ATOMIC, GFP_KERNEL, GFP_NOWAIT } from '../src/kernel/gfp.js';
import { WMARK_MIN, ZONE_NORMAL } from '../src/kernel/mmzone.js';
import { PageAlloc } from '../src/kernel/page_alloc.js';
import { MiB, bootTest } from './kernel-helpers.js';

/**
 * The real systems' boundary values themselves, not just either side of them: each test
 * names the comparison it pins, so an off-by-one in it fails here.
 */
describe('mode 2 overcommit at Committed_AS == the limit (mm/util.c: `if (committed < allowed) return 0`)', () => {
  function vm() {
    const arena = Arena.create(1 << 16);
    const v = VmAccounting.create(arena, new AtomicsMem(arena.sab), { totalramPages: 32768, swapPages: 0 });
    v.sysctl_write('vm.overcommit_memory', OVERCOMMIT_NEVER);
    return v;
  }

  it('refuses the charge that would make Committed_AS equal CommitLimit (a CAP_SYS_ADMIN task, total_vm 0: no reserves)', () => {
    const v = vm();
    expect(v.vm_commit_limit()).toBe(16384);
    expect(v.vm_enough_memory(0, 16383, true)).toBe(0);
    expect(v.committed()).toBe(16383);
    expect(v.vm_enough_memory(0, 1, true)).toBe(-ENOMEM);
    expect(v.committed()).toBe(16383);
  });

  it('refuses at exactly CommitLimit less the admin reserve and the user reserve (total_vm / 32)', () => {
    const v = vm();
    // admin reserve: 1024 pages; user reserve: min(total_vm / 32, user_reserve_kbytes) = 3200 / 32 = 100 pages.
    const allowed = 16384 - 1024 - 100;
    expect(v.vm_enough_memory(3200, allowed - 1, false)).toBe(0);
    expect(v.vm_enough_memory(3200, 1, false)).toBe(-ENOMEM);
    // A smaller mm has a smaller user reserve: the same page then fits.
    expect(v.vm_enough_memory(3168, 1, false)).toBe(0);
    expect(v.committed()).toBe(allowed);
  });
});

describe('memblock boundaries (tools/testing/memblock)', () => {
  function fresh() {
    const arena = Arena.create(1 << 16);
    return Memblock.create(arena, new AtomicsMem(arena.sab), () => {});
  }
  const region = (base: bigint, size: bigint) => ({ base, size, flags: 0, nid: MAX_NUMNODES });

  it('merges an added region with the one just below it, and with the one just above it', () => {
    const mb = fresh();
    mb.add(0x10000n, 0x1000n);
    mb.add(0x11000n, 0x2000n);
    expect(mb.memory.regions()).toEqual([region(0x10000n, 0x3000n)]);
    mb.add(0xe000n, 0x2000n);
    expect(mb.memory.regions()).toEqual([region(0xe000n, 0x5000n)]);
    // One byte of gap is not touching.
    mb.add(0x13001n, 0x1000n);
    expect(mb.memory.cnt).toBe(2);
    expect(mb.memory.total_size).toBe(0x6000n);
    expect(mb.audit()).toEqual([]);
  });

  it('allocates top-down into a hole of exactly the size asked, and then the reservations around it merge into one', () => {
    const mb = fresh();
    mb.add(0n, 0x100000n);
    mb.reserve(0x1000n, 0x4f000n);
    mb.reserve(0x52000n, 0xae000n);
    expect(mb.alloc(0x3000n, 0x1000n)).toBe(0n);
    expect(mb.alloc(0x2000n, 0x1000n)).toBe(0x50000n);
    expect(mb.reserved.regions()).toEqual([region(0x1000n, 0xff000n)]);
    expect(mb.alloc(0x1000n, 0x1000n)).toBe(0n);
    expect(mb.audit()).toEqual([]);
  });
});

describe('rte_pktmbuf_chain of two multi-segment packets', () => {
  it('links the head\'s last segment to the tail, adds nb_segs and pkt_len, and leaves the tail\'s pkt_len its data_len', () => {
    const arena = Arena.create(Pktmbuf.pool_memsize(8, {}) + (1 << 16));
    const mem = new AtomicsMem(arena.sab);
    const mp = Pktmbuf.pool_create(arena, mem, 'mbufs', 8, {});
    const pm = new Pktmbuf(mem, [mp]);
    const lens = [10, 10, 7, 5];
    const segs = lens.map(() => pm.alloc(mp));
    let from = 0;
    segs.forEach((s, i) => {
      pm.write(pm.append(s, lens[i]), Uint8Array.from({ length: lens[i] }, (_, j) => from + j));
      from += lens[i];
    });
    expect(pm.chain(segs[0], segs[1])).toBe(0);
    expect(pm.chain(segs[2], segs[3])).toBe(0);
    expect([pm.nb_segs(segs[2]), pm.pkt_len(segs[2])]).toEqual([2, 12]);
    expect(pm.chain(segs[0], segs[2])).toBe(0);
    expect([pm.nb_segs(segs[0]), pm.pkt_len(segs[0]), pm.pkt_len(segs[2]), pm.next(segs[1]), pm.lastseg(segs[0])]).toEqual([4, 32, 7, segs[2], segs[3]]);
    expect(pm.check(segs[0], true)).toBeNull();
    const buf = new Uint8Array(32);
    expect([...pm.read(segs[0], 0, 32, buf)!]).toEqual(Array.from({ length: 32 }, (_, i) => i));
    pm.free(segs[0]);
    expect(mp.conservation(0)).toEqual([]);
    expect(mp.audit()).toEqual([]);
  });
});

describe('the order > 0 watermark check through alloc_pages (__zone_watermark_ok: free - (2^order - 1) > mark)', () => {
  it('refuses an order-3 GFP_NOWAIT block at free = min + 7 and takes it at min + 8', () => {
    const { kernel } = bootTest({ mem: 64 * MiB, dmaLimit: 0, pcp: false });
    const pa = new PageAlloc(kernel, 0);
    const z = kernel.zones[ZONE_NORMAL];
    const min = z.wmark(WMARK_MIN);
    const block = pa.alloc_pages(GFP_KERNEL, 3);
    while (pa.alloc_pages(GFP_NOWAIT, 0) >= 0);
    expect(z.nr_free_pages()).toBe(min);
    const below = pa.alloc_pages(GFP_ATOMIC, 0);
    pa.__free_pages(block, 3);
    expect(z.nr_free_pages()).toBe(min + 7);
    expect(pa.alloc_pages(GFP_NOWAIT, 3)).toBe(-1);
    pa.__free_pages(below, 0);
    expect(z.nr_free_pages()).toBe(min + 8);
    expect(pa.alloc_pages(GFP_NOWAIT, 3)).toBe(block);
    expect(z.nr_free_pages()).toBe(min);
  });
});

describe('the v26 cache\'s fallback: a miss when the common pool holds less than half a cache (mempool_cache.ts v26.get)', () => {
  function setup() {
    const cfg = { n: 40, elt_size: 8, cache_size: 32, cache_algo: 'v26' as const };
    const arena = Arena.create(Mempool.memsize(cfg) * 2 + (1 << 16));
    const main = Mempool.create(arena, new AtomicsMem(arena.sab), 'p', cfg);
    const lc = new Mempool(new AtomicsMem(arena.sab), main.ref, 0);
    const held = new Int32Array(40);
    // A miss refills half a cache (16): 12 stay cached after a get of 4; the main thread then leaves the common pool `left`.
    expect(lc.get_bulk(held, 4)).toBe(0);
    expect(lc.cache!.len).toBe(12);
    return { main, lc, held, leave: (left: number) => expect(main.get_bulk(held, 24 - left, 4)).toBe(0) };
  }

  it('takes every cached object plus the rest straight from the pool when the pool has exactly the rest, and leaves the cache empty', () => {
    const { main, lc, leave } = setup();
    leave(2);
    const out = new Int32Array(14);
    expect(lc.get_bulk(out, 14)).toBe(0);
    expect(new Set(out).size).toBe(14);
    expect(lc.cache!.len).toBe(0);
    expect(main.ops.get_count()).toBe(0);
  });

  it('refuses with nothing taken when the pool has one fewer than the rest', () => {
    const { main, lc, leave } = setup();
    leave(1);
    expect(lc.get_bulk(new Int32Array(14), 14)).toBe(-ENOENT);
    expect(lc.cache!.len).toBe(12);
    expect(main.ops.get_count()).toBe(1);
  });
});
