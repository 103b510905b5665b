import { describe, expect, it } from 'vitest';
import { EOVERFLOW } from '../src/errors.js';
import { Pktmbuf, READ_COPIED } from '../src/dpdk/mbuf.js';
import { ext_shinfo_init_helper, extbuf_free_cb_register } from '../src/dpdk/mbuf_extbuf.js';
import {
  MBUF_BYTES, MBUF_VARIANT_CHAIN_DATA_LEN, M_BUF_ADDR, M_BUF_LEN, M_DATA_LEN, M_DATA_OFF, M_DYNFIELD1, M_DYNFIELD2, M_HASH, M_NB_SEGS, M_NEXT,
  M_OL_FLAGS, M_PACKET_TYPE, M_PKT_LEN, M_PORT, M_PRIV_SIZE, M_REFCNT, M_SHINFO, M_TX_OFFLOAD, M_VLAN_TCI, RTE_MBUF_F_EXTERNAL, RTE_MBUF_F_INDIRECT,
  RTE_MBUF_PORT_INVALID, SHINFO_BYTES,
} from '../src/dpdk/mbuf_layout.js';
import type { Mempool } from '../src/dpdk/mempool.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { BudgetMem } from './conformance/dpdk/budget_mem.js';

/**
 * lib/mbuf/rte_mbuf.h and rte_mbuf.c field by field: what each call leaves in every field
 * it owns (rte_pktmbuf_reset, _attach, _attach_extbuf, _detach, __rte_pktmbuf_copy_hdr,
 * the free paths), each started from a header full of other values, so a call that
 * writes the wrong word, or not at all, shows. NULL (0) is never written through: the
 * first line of the image is compared before and after every call that may see it.
 */
type Cfg = Parameters<typeof Pktmbuf.pool_create>[4];

function setup(n = 8, cfg: Cfg = {}) {
  const arena = Arena.create(3 * Pktmbuf.pool_memsize(n, cfg) + (1 << 20));
  const mem = new AtomicsMem(arena.sab);
  const mp = Pktmbuf.pool_create(arena, mem, 'f', n, cfg);
  return { arena, mem, mp, pm: new Pktmbuf(mem, [mp]) };
}

const DIRTY: Array<[number, number]> = [
  [M_NEXT, 0], [M_PKT_LEN, 77], [M_DATA_LEN, 55], [M_TX_OFFLOAD, 9], [M_VLAN_TCI, 3], [M_NB_SEGS, 4], [M_PORT, 2],
  [M_OL_FLAGS, RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL | 1], [M_PACKET_TYPE, 5], [M_DATA_OFF, 7],
];

function dirty(pm: Pktmbuf, m: number): void {
  for (const [f, v] of DIRTY) pm.setField(m, f, v);
}

const fields = (pm: Pktmbuf, m: number, fs: readonly number[]) => fs.map((f) => pm.field(m, f));

/** The image's first line, where NULL would be written through. */
const nullLine = (mem: AtomicsMem) => [...mem.i32.subarray(0, 32)];

describe('rte_pktmbuf_reset through rte_pktmbuf_alloc', () => {
  it('every field reset sets, from a dirty header: no next, lengths 0, one segment, no port, only EXTERNAL kept, headroom 128', () => {
    const { pm, mp } = setup(1);
    const m = pm.raw_alloc(mp);
    dirty(pm, m);
    pm.raw_free(m);
    expect(pm.alloc(mp)).toBe(m);
    expect(fields(pm, m, [M_NEXT, M_PKT_LEN, M_DATA_LEN, M_TX_OFFLOAD, M_VLAN_TCI, M_NB_SEGS, M_PORT, M_OL_FLAGS, M_PACKET_TYPE, M_DATA_OFF]))
      .toEqual([0, 0, 0, 0, 0, 1, RTE_MBUF_PORT_INVALID, RTE_MBUF_F_EXTERNAL, 0, 128]);
  });

  it('rte_pktmbuf_reset_headroom: RTE_MIN(RTE_PKTMBUF_HEADROOM, buf_len): 100 for a 100-byte room, 128 for 128 and 129', () => {
    for (const [room, off] of [[100, 100], [128, 128], [129, 128]]) {
      const { pm, mp } = setup(1, { data_room_size: room });
      expect(pm.headroom(pm.alloc(mp))).toBe(off);
    }
  });

  it('an empty pool gives NULL and nothing is written through it', () => {
    const { pm, mp, mem } = setup(1);
    pm.alloc(mp);
    const before = nullLine(mem);
    expect(pm.alloc(mp)).toBe(0);
    expect(nullLine(mem)).toEqual(before);
  });

  it('rte_pktmbuf_alloc_bulk resets exactly out[off .. off + n)', () => {
    const { pm, mp } = setup(4);
    const all = [0, 1, 2, 3].map(() => pm.raw_alloc(mp));
    for (const m of all) dirty(pm, m);
    for (const m of all.slice(0, 3)) pm.raw_free(m);
    const out = Int32Array.from([all[3], 0, 0, 0, all[3]]);
    expect(pm.alloc_bulk(mp, out, 3, 1)).toBe(0);
    expect([...out.subarray(1, 4)].sort()).toEqual(all.slice(0, 3).sort());
    for (const m of out.subarray(1, 4)) expect([pm.pkt_len(m), pm.nb_segs(m)]).toEqual([0, 1]);
    expect([pm.pkt_len(all[3]), pm.nb_segs(all[3])]).toEqual([77, 4]);
  });
});

describe('attach, attach_extbuf, detach, copy_hdr', () => {
  it('rte_pktmbuf_attach: mi takes m\'s buffer, priv_size and flags (plus INDIRECT); one segment, pkt_len = data_len, no next', () => {
    const arena = Arena.create(4 * Pktmbuf.pool_memsize(4, { priv_size: 16 }) + (1 << 20));
    const mem = new AtomicsMem(arena.sab);
    const a = Pktmbuf.pool_create(arena, mem, 'a', 4, { priv_size: 16 });
    const b = Pktmbuf.pool_create(arena, mem, 'b', 4, { data_room_size: 1000 });
    const pm = new Pktmbuf(mem, [a, b]);
    const m = pm.alloc(a);
    pm.append(m, 10);
    pm.setField(m, M_OL_FLAGS, 1);
    const mi = pm.alloc(b);
    dirty(pm, mi);
    pm.setField(mi, M_OL_FLAGS, 0);
    pm.setField(mi, M_NEXT, pm.alloc(b));
    pm.attach(mi, m);
    expect(fields(pm, mi, [M_PRIV_SIZE, M_OL_FLAGS, M_BUF_ADDR, M_BUF_LEN, M_DATA_OFF, M_DATA_LEN, M_PKT_LEN, M_NB_SEGS, M_NEXT]))
      .toEqual([16, 1 | RTE_MBUF_F_INDIRECT, pm.field(m, M_BUF_ADDR), 2176, 128, 10, 10, 1, 0]);
    expect([pm.from_indirect(mi), pm.refcnt_read(m)]).toEqual([m, 2]);
    // rte_pktmbuf_detach: mi's own room (pool b: no private area, 1000 bytes) back, the reference dropped.
    pm.detach(mi);
    expect(fields(pm, mi, [M_PRIV_SIZE, M_BUF_ADDR, M_BUF_LEN, M_DATA_OFF, M_DATA_LEN, M_OL_FLAGS])).toEqual([0, mi * 4 + MBUF_BYTES, 1000, 128, 0, 0]);
    expect(pm.refcnt_read(m)).toBe(1);
    // And one of pool a, attached to b's: its own 16-byte private area comes back.
    const ma = pm.alloc(a);
    pm.attach(ma, pm.alloc(b));
    expect(pm.field(ma, M_PRIV_SIZE)).toBe(0);
    pm.detach(ma);
    expect(fields(pm, ma, [M_PRIV_SIZE, M_BUF_ADDR, M_BUF_LEN])).toEqual([16, ma * 4 + MBUF_BYTES + 16, 2176]);
  });

  it('__rte_pktmbuf_copy_hdr: a clone and a copy carry port, vlan_tci, tx_offload, hash, packet_type and the dynamic fields', () => {
    const { pm, mp } = setup();
    const m = pm.alloc(mp);
    pm.append(m, 8);
    const hdr = [M_PORT, M_VLAN_TCI, M_TX_OFFLOAD, M_HASH, M_PACKET_TYPE, M_DYNFIELD1, M_DYNFIELD2];
    hdr.forEach((f, i) => pm.setField(m, f, 101 + i));
    pm.setField(m, M_OL_FLAGS, 3);
    const c = pm.clone(m, mp);
    expect(fields(pm, c, hdr)).toEqual([101, 102, 103, 104, 105, 106, 107]);
    // rte_pktmbuf_copy: the header too, and m's flags without INDIRECT or EXTERNAL (a copy of the clone is direct).
    for (const src of [m, c]) {
      const d = pm.copy(src, mp, 0, 8);
      expect(fields(pm, d, hdr)).toEqual([101, 102, 103, 104, 105, 106, 107]);
      expect([pm.field(d, M_OL_FLAGS), pm.is_direct(d)]).toEqual([3, true]);
    }
  });

  it('rte_pktmbuf_attach_extbuf: buf_addr, buf_len, data_off 0, data_len 0, EXTERNAL added to the flags, shinfo', () => {
    const { arena, pm, mp, mem } = setup();
    const m = pm.alloc(mp);
    pm.append(m, 5);
    pm.setField(m, M_OL_FLAGS, 1);
    const ext = arena.alloc('ext', 256 + SHINFO_BYTES);
    const sh = ext_shinfo_init_helper(mem, ext, 256 + SHINFO_BYTES, 11, 0)!;
    pm.attach_extbuf(m, ext, ext, sh.buf_len, sh.shinfo);
    expect(fields(pm, m, [M_BUF_ADDR, M_BUF_LEN, M_DATA_OFF, M_DATA_LEN, M_OL_FLAGS, M_SHINFO])).toEqual([ext, 256, 0, 0, 1 | RTE_MBUF_F_EXTERNAL, sh.shinfo]);
  });

  it('the last reference on an external buffer calls its free callback with the buffer\'s address and the opaque argument', () => {
    const { arena, pm, mp, mem } = setup();
    const calls: number[][] = [];
    extbuf_free_cb_register(12, (addr, opaque) => calls.push([addr, opaque]));
    const m = pm.alloc(mp);
    const ext = arena.alloc('ext2', 256 + SHINFO_BYTES);
    const sh = ext_shinfo_init_helper(mem, ext, 256 + SHINFO_BYTES, 12, 34)!;
    pm.attach_extbuf(m, ext, ext, sh.buf_len, sh.shinfo);
    pm.free(m);
    expect(calls).toEqual([[ext, 34]]);
    expect(mp.full()).toBe(true);
  });

  it('rte_pktmbuf_refcnt_update: every segment of a chain', () => {
    const { pm, mp } = setup();
    const s = [pm.alloc(mp), pm.alloc(mp), pm.alloc(mp)];
    pm.chain(s[0], s[1]);
    pm.chain(s[0], s[2]);
    pm.pktmbuf_refcnt_update(s[0], 2);
    expect(s.map((x) => pm.refcnt_read(x))).toEqual([3, 3, 3]);
  });

  it('freeing into a pool the Pktmbuf was not given is a setup error that names the pool', () => {
    const { arena, pm, mem } = setup();
    const other = Pktmbuf.pool_create(arena, mem, 'other', 2);
    const m = new Pktmbuf(mem, [other]).alloc(other);
    expect(() => pm.free(m)).toThrow(`mbuf ${m} belongs to a pool (base ${other.base}) this Pktmbuf was not given`);
  });
});

/** Counts plain stores per word. */
class StoreCount extends AtomicsMem {
  readonly stores = new Map<number, number>();
  override write(i: number, v: number): void {
    this.stores.set(i, (this.stores.get(i) ?? 0) + 1);
    super.write(i, v);
  }
}

describe('the free paths', () => {
  it('rte_pktmbuf_prefree_seg of a fresh one-segment mbuf stores nothing to next, nb_segs or refcnt (DPDK spares the second cache line)', () => {
    const arena = Arena.create(Pktmbuf.pool_memsize(2) + (1 << 20));
    const mem = new StoreCount(arena.sab);
    const mp = Pktmbuf.pool_create(arena, mem, 's', 2);
    const pm = new Pktmbuf(mem, [mp]);
    const m = pm.alloc(mp);
    mem.stores.clear();
    expect(pm.prefree_seg(m)).toBe(m);
    expect([M_NEXT, M_NB_SEGS, M_REFCNT].map((f) => mem.stores.get(m + f) ?? 0)).toEqual([0, 0, 0]);
  });

  it('__rte_pktmbuf_free_direct: the direct head of a chain, freed while a clone held it, goes back with one segment and no next', () => {
    const { pm, mp } = setup();
    const h = pm.alloc(mp);
    const t = pm.alloc(mp);
    pm.chain(h, t);
    const c = pm.clone(h, mp);
    pm.free(h);
    expect([pm.nb_segs(h), pm.next(h), mp.in_use_count()]).toEqual([2, t, 4]);
    pm.free(c);
    expect([pm.nb_segs(h), pm.next(h), pm.refcnt_read(h), mp.full()]).toEqual([1, 0, 1, true]);
    expect(mp.audit()).toEqual([]);
  });

  it('rte_pktmbuf_free_bulk: a shared mbuf stays out; one pool\'s segments go back in one bulk; nothing at all is no bulk', () => {
    const { pm, mp } = setup();
    const put = () => mp.stats().put_bulk;
    const ms = [pm.alloc(mp), pm.alloc(mp), pm.alloc(mp), pm.alloc(mp)];
    pm.refcnt_update(ms[1], 1);
    const before = put();
    pm.free_bulk(Int32Array.from([ms[0], 0, ms[1], ms[2], ms[3]]), 5);
    expect([put() - before, mp.in_use_count(), pm.refcnt_read(ms[1])]).toEqual([1, 1, 1]);
    pm.free_bulk(Int32Array.from([0, 0]), 2);
    expect(put() - before).toBe(1);
    pm.free_bulk(Int32Array.from([ms[1]]), 1);
    expect(mp.full()).toBe(true);
  });
});

describe('the data-room calls at their boundaries (rte_mbuf.h, rte_mbuf.c)', () => {
  it('prepend of exactly the headroom and append of exactly the tailroom succeed; one more is NULL', () => {
    const { pm, mp } = setup();
    const m = pm.alloc(mp);
    expect(pm.prepend(m, 129)).toBe(0);
    expect(pm.prepend(m, 128)).toBe(pm.field(m, M_BUF_ADDR));
    expect(pm.append(m, 2049)).toBe(0);
    expect(pm.append(m, 2048)).toBe(pm.field(m, M_BUF_ADDR) + 128);
    expect([pm.headroom(m), pm.tailroom(m), pm.pkt_len(m)]).toEqual([0, 0, 2176]);
  });

  it('rte_pktmbuf_is_contiguous: one segment only; rte_pktmbuf_chain sums the tail\'s pkt_len, every segment of a multi-segment tail', () => {
    const { pm, mp } = setup();
    const [h, t1, t2] = [pm.alloc(mp), pm.alloc(mp), pm.alloc(mp)];
    pm.append(h, 10);
    pm.append(t1, 20);
    pm.append(t2, 30);
    expect(pm.is_contiguous(h)).toBe(true);
    pm.chain(t1, t2);
    expect(pm.chain(h, t1)).toBe(0);
    expect([pm.is_contiguous(h), pm.nb_segs(h), pm.pkt_len(h)]).toEqual([false, 3, 60]);
    expect(pm.check(h, true)).toBeNull();
  });

  it('the chain-data-len variant (broken on purpose) counts only the tail\'s first segment, and any pool of the Pktmbuf running it is enough', () => {
    const arena = Arena.create(3 * Pktmbuf.pool_memsize(4) + (1 << 20));
    const mem = new AtomicsMem(arena.sab);
    const good = Pktmbuf.pool_create(arena, mem, 'good', 4);
    const bad = Pktmbuf.pool_create(arena, mem, 'bad', 4, { mbuf_variant: MBUF_VARIANT_CHAIN_DATA_LEN });
    for (const [pools, want] of [[[good], 60], [[good, bad], 30], [[bad, good], 30]] as const) {
      const pm = new Pktmbuf(mem, pools as unknown as Mempool[]);
      const [h, t1, t2] = [pm.alloc(good), pm.alloc(good), pm.alloc(good)];
      pm.append(h, 10);
      pm.append(t1, 20);
      pm.append(t2, 30);
      pm.chain(t1, t2);
      pm.chain(h, t1);
      expect(pm.pkt_len(h)).toBe(want);
      pm.free(h);
    }
  });

  it('rte_pktmbuf_linearize: a chain whose later bytes fill the first segment\'s tailroom exactly is linearized', () => {
    const { pm, mp } = setup(4, { data_room_size: 128 + 100 });
    const a = pm.alloc(mp);
    const b = pm.alloc(mp);
    pm.write(pm.append(a, 60), Uint8Array.from({ length: 60 }, (_, i) => i));
    pm.write(pm.append(b, 40), Uint8Array.from({ length: 40 }, (_, i) => 60 + i));
    expect(pm.chain(a, b)).toBe(0);
    expect(pm.linearize(a)).toBe(0);
    expect([pm.nb_segs(a), pm.data_len(a), pm.pkt_len(a), pm.tailroom(a)]).toEqual([1, 100, 100, 0]);
    expect([...pm.read(a, 0, 100, null)!]).toEqual(Array.from({ length: 100 }, (_, i) => i));
    expect(mp.in_use_count()).toBe(1);
  });

  it('write: from `from` to the end of the bytes by default, and not one byte more', () => {
    const { pm, mp, mem } = setup();
    const m = pm.alloc(mp);
    const at = pm.mtod(m);
    mem.u8.fill(0xee, at, at + 8);
    pm.write(at, [1, 2, 3, 4, 5], 2);
    expect([...mem.u8.subarray(at, at + 5)]).toEqual([3, 4, 5, 0xee, 0xee]);
    pm.write(at, [9, 9, 9], 0, 2);
    expect([...mem.u8.subarray(at, at + 3)]).toEqual([9, 9, 5]);
  });
});

describe('rte_pktmbuf_read and _copy inside and past the segments', () => {
  function chain3(env: ReturnType<typeof setup>) {
    const { pm, mp } = env;
    const s = [pm.alloc(mp), pm.alloc(mp), pm.alloc(mp)];
    s.forEach((x, k) => pm.write(pm.append(x, 20), Uint8Array.from({ length: 20 }, (_, i) => k * 20 + i)));
    pm.chain(s[0], s[1]);
    pm.chain(s[0], s[2]);
    return s;
  }

  it('off + len == data_len of the first segment is contiguous: the pointer into the first segment, even at its very end', () => {
    const env = setup();
    const s = chain3(env);
    expect(env.pm.read_ptr(s[0], 20, 0, null)).toBe(env.pm.mtod(s[0], 20));
    expect(env.pm.read_ptr(s[0], 15, 5, null)).toBe(env.pm.mtod(s[0], 15));
  });

  it('bytes copied across segments fill exactly buf[0, len): READ_COPIED (-1), the rest of buf untouched', () => {
    const env = setup();
    const s = chain3(env);
    const buf = new Uint8Array(64).fill(0xaa);
    expect(READ_COPIED).toBe(-1);
    expect(env.pm.read_ptr(s[0], 5, 30, buf)).toBe(-1);
    expect([...buf.subarray(0, 30)]).toEqual(Array.from({ length: 30 }, (_, i) => 5 + i));
    expect([...buf.subarray(30)].every((b) => b === 0xaa)).toBe(true);
  });

  it('a copy that must be made without a buffer says how much and where', () => {
    const env = setup();
    const s = chain3(env);
    expect(() => env.pm.read(s[0], 5, 30, null)).toThrow('rte_pktmbuf_read: 30 bytes at offset 5 span segments and must be copied, but buf holds nothing (NULL)');
    expect(() => env.pm.read(s[0], 5, 30, new Uint8Array(4))).toThrow('but buf holds 4');
  });

  it('a chain shorter than its pkt_len (corrupt) reads as NULL, in bounded time', () => {
    const arena = Arena.create(Pktmbuf.pool_memsize(4) + (1 << 20));
    const mem = new BudgetMem(arena.sab);
    const mp = Pktmbuf.pool_create(arena, mem, 'c', 4);
    const pm = new Pktmbuf(mem, [mp]);
    const a = pm.alloc(mp);
    const b = pm.alloc(mp);
    pm.append(a, 20);
    pm.append(b, 20);
    pm.chain(a, b);
    pm.setField(a, M_PKT_LEN, 60);
    mem.reset();
    expect(pm.read(a, 0, 60, new Uint8Array(60))).toBeNull();
  });

  it('rte_pktmbuf_copy: NULL when the pool runs out part way, with what it took given back; nothing written through NULL', () => {
    const { pm, mp, mem } = setup(3, { data_room_size: 128 + 40 });
    const a = pm.alloc(mp);
    pm.append(a, 40);
    const b = pm.alloc(mp);
    pm.append(b, 40);
    pm.chain(a, b);
    expect(pm.copy(a, mp, 0, 80)).toBe(0);
    expect(mp.in_use_count()).toBe(2);
    pm.alloc(mp);
    const before = nullLine(mem);
    expect(pm.copy(a, mp, 0, 80)).toBe(0);
    expect(nullLine(mem)).toEqual(before);
  });

  it('rte_pktmbuf_copy writes exactly the bytes it counts: the copy\'s tailroom keeps what was there', () => {
    const { pm, mp, mem } = setup(2);
    const d = pm.alloc(mp);
    mem.u8.fill(0xee, pm.mtod(d), pm.mtod(d) + 64);
    pm.free(d);
    const m = pm.alloc(mp);
    pm.write(pm.append(m, 10), Uint8Array.from({ length: 10 }, (_, i) => i + 1));
    const c = pm.copy(m, mp, 0, 10);
    expect(c).toBe(d);
    expect([...mem.u8.subarray(pm.mtod(c), pm.mtod(c) + 12)]).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 0xee, 0xee]);
  });

  it('rte_pktmbuf_clone of a chain links every indirect segment and writes nothing through NULL', () => {
    const env = setup();
    const s = chain3(env);
    const before = nullLine(env.mem);
    const c = env.pm.clone(s[0], env.mp);
    expect(nullLine(env.mem)).toEqual(before);
    const c1 = env.pm.next(c);
    expect([env.pm.nb_segs(c), env.pm.from_indirect(c1), env.pm.from_indirect(env.pm.next(c1)), env.pm.next(env.pm.next(c1))]).toEqual([3, s[1], s[2], 0]);
  });
});

describe('rte_mbuf_check and rte_pktmbuf_dump', () => {
  it('segment checks at their boundaries: data_off == buf_len and data_off + data_len == buf_len pass, one more fails', () => {
    const { pm, mp } = setup();
    const m = pm.alloc(mp);
    pm.setField(m, M_BUF_LEN, 200);
    pm.setField(m, M_DATA_OFF, 200);
    expect(pm.check(m, true)).toBeNull();
    pm.setField(m, M_DATA_OFF, 201);
    expect(pm.check(m, true)).toBe('data offset too big in mbuf segment');
    pm.setField(m, M_DATA_OFF, 150);
    pm.setField(m, M_DATA_LEN, 50);
    pm.setField(m, M_PKT_LEN, 50);
    expect(pm.check(m, true)).toBeNull();
    pm.setField(m, M_DATA_LEN, 51);
    pm.setField(m, M_PKT_LEN, 51);
    expect(pm.check(m, true)).toBe('data length too big in mbuf segment');
  });

  it('a segment that is not a header is not checked against pkt_len; a header is', () => {
    const { pm, mp } = setup();
    const m = pm.alloc(mp);
    pm.append(m, 10);
    pm.setField(m, M_PKT_LEN, 5);
    expect([pm.check(m, false), pm.check(m, true)]).toEqual([null, 'bad data_len']);
  });

  it('a chain that loops is walked at most RTE_MBUF_MAX_NB_SEGS + 1 segments: bad nb_segs', () => {
    const arena = Arena.create(Pktmbuf.pool_memsize(4) + (1 << 20));
    const mem = new BudgetMem(arena.sab, 2_000_000);
    const mp = Pktmbuf.pool_create(arena, mem, 'l', 4);
    const pm = new Pktmbuf(mem, [mp]);
    const m = pm.alloc(mp);
    pm.setField(m, M_NEXT, m);
    mem.reset();
    expect(pm.check(m, true)).toBe('bad nb_segs');
  });

  it('rte_pktmbuf_dump: the header, each of nb_segs segments, and dump_len bytes in all', () => {
    const { pm, mp } = setup();
    const a = pm.alloc(mp);
    const b = pm.alloc(mp);
    pm.write(pm.append(a, 18), Uint8Array.from({ length: 18 }, (_, i) => i));
    pm.write(pm.append(b, 4), [0xa0, 0xa1, 0xa2, 0xa3]);
    pm.chain(a, b);
    pm.setField(a, M_OL_FLAGS, 0x1f);
    pm.setField(a, M_PORT, 3);
    const hex = (n: number, from = 0) => Array.from({ length: n }, (_, i) => (from + i).toString(16).padStart(2, '0')).join(' ');
    expect(pm.dump(a, 20).split('\n')).toEqual([
      `dump mbuf at ${a * 4}, buf_len=2176`,
      '  pkt_len=22, ol_flags=1f, nb_segs=2, port=3',
      `  segment at ${a * 4}, data=${pm.mtod(a)}, len=18, off=128, refcnt=1`,
      `    00000000: ${hex(16)}`,
      `    00000010: ${hex(2, 16)}`,
      `  segment at ${b * 4}, data=${pm.mtod(b)}, len=4, off=128, refcnt=1`,
      '    00000000: a0 a1',
    ]);
    pm.setField(a, M_NB_SEGS, 1);
    expect(pm.dump(a, 0).split('\n')).toHaveLength(3);
  });
});

describe('sizes', () => {
  it('pool_memsize counts the private area: a pool with priv_size 1024 fits in exactly that many bytes', () => {
    const cfg = { priv_size: 1024, data_room_size: 64 };
    const arena = Arena.create(Pktmbuf.pool_memsize(16, cfg));
    const mem = new AtomicsMem(arena.sab);
    expect(Pktmbuf.pool_create(arena, mem, 'p', 16, cfg).size).toBe(16);
  });

  it('chain: -EOVERFLOW exactly past RTE_MBUF_MAX_NB_SEGS', () => {
    const { pm, mp } = setup();
    const a = pm.alloc(mp);
    pm.setField(a, M_NB_SEGS, 0xfffe);
    expect(pm.chain(a, pm.alloc(mp))).toBe(0);
    expect(pm.chain(a, pm.alloc(mp))).toBe(-EOVERFLOW);
  });
});
