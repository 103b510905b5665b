import { Worker } from 'node:worker_threads';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { MUTATING } from './mutating.js';
import { EOVERFLOW } from '../src/errors.js';
import { Pktmbuf } from '../src/dpdk/mbuf.js';
import { M_NB_SEGS, M_PKT_LEN, M_REFCNT, RTE_MBUF_F_INDIRECT, M_OL_FLAGS } from '../src/dpdk/mbuf_layout.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import type { Mempool } from '../src/dpdk/mempool.js';

function setup(n = 16, cfg: Parameters<typeof Pktmbuf.pool_create>[4] = {}) {
  const arena = Arena.create(Pktmbuf.pool_memsize(n, cfg) + (1 << 16));
  const mem = new AtomicsMem(arena.sab);
  const mp = Pktmbuf.pool_create(arena, mem, 'mbufs', n, cfg);
  return { arena, mem, mp, pm: new Pktmbuf(mem, [mp]) };
}

/**
 * Every object back, each exactly once: full() alone cannot say so, since avail_count
 * clamps to the size and a double free still reads full.
 */
function allBack(mp: Mempool): void {
  expect(mp.conservation(0)).toEqual([]);
  expect(mp.audit()).toEqual([]);
}

const bytes = (n: number, from = 0) => Uint8Array.from({ length: n }, (_, i) => (from + i) & 0xff);

describe('pktmbuf pool and allocation (test_mbuf.c)', () => {
  it('allocates a reset mbuf: data_off 128, lengths 0, one segment, refcnt 1, 2048 bytes of tailroom', () => {
    const { pm, mp } = setup();
    const m = pm.alloc(mp);
    expect(m).toBeGreaterThan(0);
    expect([pm.headroom(m), pm.tailroom(m), pm.pkt_len(m), pm.data_len(m), pm.nb_segs(m), pm.next(m), pm.refcnt_read(m)]).toEqual([128, 2048, 0, 0, 1, 0, 1]);
    expect(pm.check(m, true)).toBeNull();
    pm.free(m);
    allBack(mp);
  });

  it('a double free reads as full (avail_count clamps to the size), and the exact count and the audit both name it', () => {
    const { pm, mp } = setup(4);
    const a = pm.raw_alloc(mp);
    pm.raw_free(a);
    pm.raw_free(a);
    expect(mp.full()).toBe(true);
    expect(mp.conservation(0).map((v) => v.message).join('\n')).toMatch(/5/);
    expect(mp.audit().map((v) => v.message)).toContain('object 0 is free twice (again in the common pool (ring_mp_mc))');
  });

  it('alloc returns NULL (0) on an empty pool; alloc_bulk is all or nothing; raw_free puts back', () => {
    const { pm, mp } = setup(4);
    const out = new Int32Array(5);
    expect(pm.alloc_bulk(mp, out, 5)).toBeLessThan(0);
    expect(pm.alloc_bulk(mp, out, 4)).toBe(0);
    expect(pm.alloc(mp)).toBe(0);
    expect(pm.raw_alloc(mp)).toBe(0);
    pm.raw_free(out[0]);
    expect(pm.raw_alloc(mp)).toBe(out[0]);
  });

  it('refuses a private size that is not 8-aligned and a data room past 65535', () => {
    expect(() => setup(4, { priv_size: 12 })).toThrow(/priv_size: 12 bytes/);
    expect(() => setup(4, { data_room_size: 70000 })).toThrow(/data_room_size/);
  });
});

describe('pktmbuf data operations', () => {
  it('append, prepend, adj, trim move the data window and fail as DPDK does at the edges', () => {
    const { pm, mp, mem } = setup();
    const m = pm.alloc(mp);
    const tail = pm.append(m, 100);
    expect(tail).toBe(pm.mtod(m));
    pm.write(tail, bytes(100));
    const hdr = pm.prepend(m, 14);
    expect(hdr).toBe(pm.mtod(m));
    expect([pm.headroom(m), pm.data_len(m), pm.pkt_len(m)]).toEqual([114, 114, 114]);
    expect(pm.prepend(m, 115)).toBe(0);
    expect(pm.tailroom(m)).toBe(2176 - 114 - 114);
    expect(pm.append(m, 1949)).toBe(0);
    expect(pm.adj(m, 14)).toBe(tail);
    expect(pm.adj(m, 101)).toBe(0);
    expect(pm.trim(m, 10)).toBe(0);
    expect(pm.trim(m, 91)).toBe(-1);
    expect(pm.pkt_len(m)).toBe(90);
    expect([...mem.u8.subarray(pm.mtod(m), pm.mtod(m) + 4)]).toEqual([0, 1, 2, 3]);
  });

  it('chains segments, reads across them, refuses reads past pkt_len, frees the whole chain', () => {
    const { pm, mp } = setup();
    const segs = [pm.alloc(mp), pm.alloc(mp), pm.alloc(mp)];
    segs.forEach((s, i) => pm.write(pm.append(s, 10), bytes(10, i * 10)));
    expect(pm.chain(segs[0], segs[1])).toBe(0);
    expect(pm.chain(segs[0], segs[2])).toBe(0);
    expect([pm.nb_segs(segs[0]), pm.pkt_len(segs[0]), pm.lastseg(segs[0])]).toEqual([3, 30, segs[2]]);
    expect(pm.check(segs[0], true)).toBeNull();
    const buf = new Uint8Array(30);
    expect([...pm.read(segs[0], 5, 20, buf)!.subarray(0, 20)]).toEqual([...bytes(20, 5)]);
    expect(pm.read(segs[0], 25, 6, buf)).toBeNull();
    expect(pm.append(segs[0], 5)).toBe(pm.mtod(segs[2], 10));
    expect(pm.data_len(segs[2])).toBe(5 + 10);
    pm.free(segs[0]);
    allBack(mp);
    expect(mp.audit()).toEqual([]);
  });

  it('chain fails with -EOVERFLOW past 65535 segments', () => {
    const { pm, mp } = setup();
    const a = pm.alloc(mp);
    const b = pm.alloc(mp);
    pm.setField(a, M_NB_SEGS, 65535);
    expect(pm.chain(a, b)).toBe(-EOVERFLOW);
    pm.setField(a, M_NB_SEGS, 65534);
    expect(pm.chain(a, b)).toBe(0);
    expect(pm.nb_segs(a)).toBe(65535);
  });

  it('copies deeply, with offset and length across segments, chaining when one segment is not enough', () => {
    const { pm, mp, mem } = setup(16, { data_room_size: 128 + 64 });
    const a = pm.alloc(mp);
    const b = pm.alloc(mp);
    pm.write(pm.append(a, 60), bytes(60));
    pm.write(pm.append(b, 60), bytes(60, 60));
    pm.chain(a, b);
    const c = pm.copy(a, mp, 10, 100);
    expect([pm.pkt_len(c), pm.nb_segs(c)]).toEqual([100, 2]);
    expect(pm.check(c, true)).toBeNull();
    const buf = new Uint8Array(100);
    expect([...pm.read(c, 0, 100, buf)!]).toEqual([...bytes(100, 10)]);
    mem.u8[pm.mtod(a, 20)] = 0xee;
    expect(pm.read(c, 10, 1, buf)![0]).toBe(20);
    expect(pm.copy(a, mp, 121, 1)).toBe(0);
    expect(pm.pkt_len(pm.copy(a, mp, 100, 1000))).toBe(20);
  });
});

describe('refcnt, clone, attach, detach', () => {
  it('a clone raises the refcnt to 2, a clone of the clone to 3; freeing them brings it back', () => {
    const { pm, mp } = setup();
    const m = pm.alloc(mp);
    pm.write(pm.append(m, 64), bytes(64));
    const c1 = pm.clone(m, mp);
    expect(pm.refcnt_read(m)).toBe(2);
    expect(pm.is_cloned(c1)).toBe(true);
    expect(pm.mtod(c1)).toBe(pm.mtod(m));
    const c2 = pm.clone(c1, mp);
    expect(pm.refcnt_read(m)).toBe(3);
    expect(pm.refcnt_read(c1)).toBe(1);
    expect(pm.from_indirect(c2)).toBe(m);
    pm.free(m);
    expect(pm.refcnt_read(m)).toBe(2);
    expect(mp.in_use_count()).toBe(3);
    pm.free(c1);
    expect(mp.in_use_count()).toBe(2);
    pm.free(c2);
    allBack(mp);
    expect(mp.audit()).toEqual([]);
  });

  it('DPDK wins over SPEC.md: a direct refcnt counts every reference (refcnt_update too), not only 1 + attached clones', () => {
    const { pm, mp } = setup();
    const m = pm.alloc(mp);
    expect(pm.refcnt_update(m, 2)).toBe(3);
    const c = pm.clone(m, mp);
    expect(pm.refcnt_read(m)).toBe(4);
    pm.free(c);
    for (let i = 0; i < 3; i++) pm.free(m);
    allBack(mp);
  });

  it('clones one indirect mbuf per segment and undoes a clone that runs out of mbufs', () => {
    const { pm, mp } = setup(5);
    const segs = [pm.alloc(mp), pm.alloc(mp), pm.alloc(mp)];
    segs.forEach((s) => pm.append(s, 10));
    pm.chain(segs[0], segs[1]);
    pm.chain(segs[0], segs[2]);
    expect(pm.clone(segs[0], mp)).toBe(0);
    expect(segs.map((s) => pm.refcnt_read(s))).toEqual([1, 1, 1]);
    expect(mp.avail_count()).toBe(2);
    const { pm: pm2, mp: mp2 } = setup(6);
    const h = pm2.alloc(mp2);
    const t = pm2.alloc(mp2);
    pm2.append(h, 10);
    pm2.append(t, 20);
    pm2.chain(h, t);
    const c = pm2.clone(h, mp2);
    expect([pm2.nb_segs(c), pm2.pkt_len(c), pm2.refcnt_read(h), pm2.refcnt_read(t)]).toEqual([2, 30, 2, 2]);
    expect(pm2.check(c, true)).toBeNull();
  });

  it('detach gives an indirect mbuf its own data room back and drops the reference', () => {
    const { pm, mp } = setup();
    const m = pm.alloc(mp);
    const mi = pm.alloc(mp);
    pm.attach(mi, m);
    expect(pm.field(mi, M_OL_FLAGS) & RTE_MBUF_F_INDIRECT).not.toBe(0);
    pm.detach(mi);
    expect(pm.refcnt_read(m)).toBe(1);
    expect([pm.is_direct(mi), pm.headroom(mi), pm.tailroom(mi)]).toEqual([true, 128, 2048]);
  });

  it('free_bulk skips nulls, walks chains and returns everything', () => {
    const { pm, mp } = setup(8);
    const out = new Int32Array(6);
    pm.alloc_bulk(mp, out, 6);
    pm.chain(out[0], out[1]);
    const list = Int32Array.of(out[0], 0, out[2], pm.clone(out[3], mp), out[3], out[4], 0, out[5]);
    pm.free_bulk(list, list.length);
    allBack(mp);
    expect(mp.audit()).toEqual([]);
  });

  it('free_bulk flushes a bulk when the pool changes and when 64 are pending, and every mbuf goes home', () => {
    const arena = Arena.create(2 * Pktmbuf.pool_memsize(100, {}) + (1 << 16));
    const mem = new AtomicsMem(arena.sab);
    const a = Pktmbuf.pool_create(arena, mem, 'a', 100, {});
    const b = Pktmbuf.pool_create(arena, mem, 'b', 100, {});
    const pm = new Pktmbuf(mem, [a, b]);
    const fromA = new Int32Array(90);
    const fromB = new Int32Array(40);
    expect([pm.alloc_bulk(a, fromA, 90), pm.alloc_bulk(b, fromB, 40)]).toEqual([0, 0]);
    // 70 of a in a row (a flush at 64), then a and b interleaved (a flush at every change of pool).
    const list = new Int32Array(130);
    list.set(fromA.subarray(0, 70), 0);
    for (let i = 0; i < 20; i++) [list[70 + 2 * i], list[71 + 2 * i]] = [fromA[70 + i], fromB[i]];
    list.set(fromB.subarray(20), 110);
    pm.free_bulk(list, list.length);
    allBack(a);
    allBack(b);
    expect([...a.audit(), ...b.audit()]).toEqual([]);
  });
});

describe('rte_mbuf_check reasons', () => {
  it('fails for refcnt 0 and 0xFFFF, a wrong segment count and a wrong pkt_len', () => {
    const { pm, mp, mem } = setup();
    const m = pm.alloc(mp);
    mem.store(m + M_REFCNT, 0);
    expect(pm.check(m, false)).toBe('bad ref cnt');
    mem.store(m + M_REFCNT, 0xffff);
    expect(pm.check(m, false)).toBe('bad ref cnt');
    pm.refcnt_set(m, 1);
    pm.append(m, 10);
    pm.setField(m, M_NB_SEGS, 2);
    expect(pm.check(m, true)).toBe('bad nb_segs');
    pm.setField(m, M_NB_SEGS, 1);
    pm.setField(m, M_PKT_LEN, 11);
    expect(pm.check(m, true)).toBe('bad pkt_len');
    pm.setField(m, M_PKT_LEN, 9);
    expect(pm.check(m, true)).toBe('bad data_len');
    expect(pm.check(0, true)).toBe('mbuf is NULL');
  });

  it('dumps the header and the segments with their bytes', () => {
    const { pm, mp } = setup();
    const m = pm.alloc(mp);
    pm.write(pm.append(m, 20), bytes(20, 0xa0));
    expect(pm.dump(m, 18)).toMatch(/pkt_len=20, ol_flags=0, nb_segs=1, port=65535\n  segment at \d+, data=\d+, len=20, off=128, refcnt=1\n    00000000: a0 a1 a2 .* af\n    00000010: b0 b1$/);
  });
});

describe.skipIf(MUTATING)('packet bytes are real bytes in the image', () => {
  it('an Ethernet/IPv4/UDP header written with prepend reads back through a clone on another worker', async () => {
    const { pm, mp, arena } = setup(8, { max_lcore: 4 });
    const m = pm.alloc(mp);
    pm.write(pm.append(m, 8), bytes(8, 0x30));
    const udp = [0x30, 0x39, 0x00, 0x35, 0x00, 16, 0, 0];
    const ipv4 = [0x45, 0, 0, 36, 0, 1, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2];
    const eth = [2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 0x08, 0x00];
    for (const h of [udp, ipv4, eth]) pm.write(pm.prepend(m, h.length), h);
    const c = pm.clone(m, mp);
    expect(pm.refcnt_read(m)).toBe(2);
    const url = pathToFileURL(resolve('dist/index.js')).href;
    const code = `
      const { workerData, parentPort } = require('node:worker_threads');
      import(workerData.url).then(({ AtomicsMem, Mempool, Pktmbuf }) => {
        const mem = new AtomicsMem(workerData.sab);
        const mp = new Mempool(mem, workerData.pool, 1);
        const pm = new Pktmbuf(mem, [mp]);
        const buf = new Uint8Array(50);
        const got = pm.read(workerData.clone, 0, 50, buf);
        pm.free(workerData.clone);
        parentPort.postMessage(Array.from(got));
      });`;
    const fromWorker = await new Promise<number[]>((res, rej) => {
      const w = new Worker(code, { eval: true, workerData: { url, sab: arena.sab, pool: mp.ref, clone: c } });
      w.once('message', (v) => res(v as number[]));
      w.once('error', rej);
    });
    expect(fromWorker).toEqual([...eth, ...ipv4, ...udp, ...bytes(8, 0x30)]);
    expect(pm.refcnt_read(m)).toBe(1);
    pm.free(m);
    allBack(mp);
  });
});
