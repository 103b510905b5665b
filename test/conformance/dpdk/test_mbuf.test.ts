import { describe, expect, it } from 'vitest';
import { EINVAL, ENOMEM } from '../../../src/errors.js';
import { rte_errno, rte_pktmbuf_pool_create_extbuf } from '../../../src/dpdk/eal.js';
import { Pktmbuf } from '../../../src/dpdk/mbuf.js';
import { ext_shinfo_init_helper, extbuf_free_cb_register } from '../../../src/dpdk/mbuf_extbuf.js';
import {
  MBUF_BYTES, M_BUF_ADDR, M_DATA_OFF, M_NB_SEGS, M_NEXT, M_OL_FLAGS, M_PKT_LEN, M_POOL, M_REFCNT, M_SHINFO, PP_DATA_ROOM_SIZE, PP_PRIV_SIZE,
  RTE_MBUF_F_EXTERNAL, RTE_PKTMBUF_HEADROOM, SHINFO_BYTES,
} from '../../../src/dpdk/mbuf_layout.js';
import { Arena } from '../../../src/shm/arena.js';
import { AtomicsMem } from '../../../src/shm/mem.js';

/**
 * app/test/test_mbuf.c (DPDK 26.07), transcribed: each `it` names the upstream function.
 * The file's pool: NB_MBUF 128 mbufs, MEMPOOL_CACHE_SIZE 32, MBUF_DATA_SIZE 2048 of data
 * room (headroom included). test_pktmbuf_ext_pinned_buffer runs most cases again on a
 * pool made by rte_pktmbuf_pool_create_extbuf (mbufs with pinned external buffers), with
 * the standard pool as the clone pool: here the same cases run on both ('std', 'pinned').
 */
const NB_MBUF = 128;
const MEMPOOL_CACHE_SIZE = 32;
const MBUF_DATA_SIZE = 2048;
const MBUF_TEST_DATA_LEN = 1464;
const MBUF_TEST_DATA_LEN2 = 50;
const MBUF_TEST_HDR1_LEN = 20;
const MBUF_TEST_HDR2_LEN = 30;
const MBUF_TEST_ALL_HDRS_LEN = MBUF_TEST_HDR1_LEN + MBUF_TEST_HDR2_LEN;
const EXT_BUF_TEST_DATA_LEN = 1024;
const MBUF2_PRIV_SIZE = 128;
const CHAIN_LEN = 16;
const MAGIC_DATA = 0x42424242;
const UINT_MAX = 0xffffffff;
const SOCKET_ID_ANY = -1;
const STD_CFG = { cache_size: MEMPOOL_CACHE_SIZE, data_room_size: MBUF_DATA_SIZE };

type Kind = 'std' | 'pinned';

/**
 * The pools test_mbuf() makes: "test_pktmbuf_pool" (std), and for 'pinned' the pool of
 * test_pktmbuf_ext_pinned_buffer over a memzone of NB_MBUF * MBUF_DATA_SIZE bytes. `mp` is
 * the pool under test, `std` the clone pool.
 */
function setup(kind: Kind = 'std', n = NB_MBUF, name = 'test_pktmbuf_pool') {
  const arena = Arena.create(3 * Pktmbuf.pool_memsize(n, STD_CFG) + (1 << 20));
  const mem = new AtomicsMem(arena.sab);
  const std = Pktmbuf.pool_create(arena, mem, name, n, { ...STD_CFG, cache_size: n >= 48 ? MEMPOOL_CACHE_SIZE : 0 });
  let mp = std;
  if (kind === 'pinned') {
    const len = n * MBUF_DATA_SIZE;
    const mz = arena.alloc('memzone:pinned_pool', len);
    mp = Pktmbuf.pool_create_extbuf(arena, mem, 'test_pinned_pool', n, STD_CFG, [{ buf_ptr: mz, buf_iova: mz, buf_len: len, elt_size: MBUF_DATA_SIZE }]);
  }
  return { arena, mem, mp, std, pm: new Pktmbuf(mem, kind === 'pinned' ? [std, mp] : [std]) };
}

type Env = ReturnType<typeof setup>;

/** Unaligned uint32 access at a data pointer (unaligned_uint32_t *). */
const get32 = ({ mem }: Env, at: number) => new DataView(mem.u8.buffer).getUint32(at, true);
const put32 = ({ mem }: Env, at: number, v: number) => new DataView(mem.u8.buffer).setUint32(at, v, true);

/** testclone_refcnt_read: a pinned buffer's references are counted in its shared info. */
const testclone_refcnt_read = ({ pm }: Env, m: number) => (pm.has_pinned_extbuf(m) ? pm.ext_refcnt_read(pm.field(m, M_SHINFO)) : pm.refcnt_read(m));

/** m (one 4-byte segment holding MAGIC_DATA) gets a second segment holding `second`, by hand as the test does. */
function chainByHand(e: Env, m: number, second: number): void {
  const { pm, mp } = e;
  const next = pm.alloc(mp);
  expect(next).not.toBe(0);
  pm.setField(m, M_NEXT, next);
  pm.setField(m, M_NB_SEGS, 2);
  pm.append(next, 4);
  pm.setField(m, M_PKT_LEN, 8);
  put32(e, pm.mtod(next), second);
}

describe.each(['std', 'pinned'] as const)('test_mbuf.c on the %s pool (pinned: test_pktmbuf_ext_pinned_buffer)', (kind) => {
  it('test_pktmbuf_read: 50 bytes of 0xfe read back without a buffer', () => {
    const { pm, mp, mem } = setup(kind);
    const m = pm.alloc(mp);
    expect(pm.pkt_len(m)).toBe(0);
    const data = pm.append(m, MBUF_TEST_DATA_LEN2);
    mem.u8.fill(0xfe, data, data + MBUF_TEST_DATA_LEN2);
    expect([...pm.read(m, 0, MBUF_TEST_DATA_LEN2, null)!]).toEqual(Array(MBUF_TEST_DATA_LEN2).fill(0xfe));
    pm.free(m);
  });

  it('test_pktmbuf_read_from_offset: header, data after it, partial, too long, zero length, UINT_MAX (26.03 and later)', () => {
    const { pm, mp, mem } = setup(kind);
    const hdrLen = 14;
    const m = pm.alloc(mp);
    const hdr = pm.prepend(m, hdrLen);
    expect([pm.pkt_len(m), pm.data_len(m)]).toEqual([hdrLen, hdrLen]);
    mem.u8.fill(0xde, hdr, hdr + hdrLen);
    expect([...pm.read(m, 0, hdrLen, null)!]).toEqual(Array(hdrLen).fill(0xde));
    const data = pm.append(m, MBUF_TEST_DATA_LEN2);
    expect([pm.pkt_len(m), pm.data_len(m)]).toEqual([hdrLen + MBUF_TEST_DATA_LEN2, hdrLen + MBUF_TEST_DATA_LEN2]);
    mem.u8.fill(0xcc, data, data + MBUF_TEST_DATA_LEN2);
    expect([...pm.read(m, hdrLen, MBUF_TEST_DATA_LEN2, null)!]).toEqual(Array(MBUF_TEST_DATA_LEN2).fill(0xcc));
    expect([...pm.read(m, hdrLen + 5, MBUF_TEST_DATA_LEN2 - 5, null)!]).toEqual(Array(MBUF_TEST_DATA_LEN2 - 5).fill(0xcc));
    expect(pm.read(m, hdrLen, pm.data_len(m) + 1, null)).toBeNull();
    expect(pm.read(m, hdrLen, pm.pkt_len(m) + 1, null)).toBeNull();
    // Zero bytes from a valid offset: a pointer into the data (the C test reads on past it).
    const zero = pm.read(m, hdrLen, 0, null)!;
    expect([zero.length, zero.byteOffset]).toEqual([0, data]);
    expect(pm.read(m, 0, 0, null)!.byteOffset).toBe(hdr);
    expect(pm.read(m, hdrLen, UINT_MAX, null)).toBeNull();
    expect(pm.read(m, UINT_MAX, 0, null)).toBeNull();
    expect(pm.read(m, UINT_MAX, UINT_MAX, null)).toBeNull();
    expect(pm.dump(m, pm.pkt_len(m))).toMatch(/pkt_len=64, .*nb_segs=1/);
    pm.free(m);
  });

  it('test_failing_mbuf_sanity_check: NULL, no pool, no buffer, refcnt 0 and UINT16_MAX each fail', () => {
    const { pm, mp, mem } = setup(kind);
    const buf = pm.alloc(mp);
    expect(pm.check(buf, false)).toBeNull();
    expect(pm.check(0, false)).toBe('mbuf is NULL');
    const bad = (word: number, v: number, reason: string) => {
      const saved = mem.load(buf + word);
      mem.store(buf + word, v);
      expect(pm.check(buf, false)).toBe(reason);
      mem.store(buf + word, saved);
    };
    bad(M_POOL, 0, 'bad mbuf pool');
    bad(M_BUF_ADDR, 0, 'bad virt addr');
    bad(M_REFCNT, 0, 'bad ref cnt');
    bad(M_REFCNT, 0xffff, 'bad ref cnt');
    pm.free(buf);
  });

  it.each([
    [128, 1],
    [64, 64],
    [512, 10],
    [250, 11],
    [123, 8],
  ])('test_mbuf_linearize_check: pkt_len %d in %d segments becomes one contiguous segment with its bytes in order', (pktLen, nbSegs) => {
    const { pm, mp, mem } = setup(kind);
    const segLen = Math.max(1, Math.floor(pktLen / nbSegs));
    let mbuf = 0;
    for (let seg = 0, remain = pktLen; remain > 0; seg++) {
      const m = pm.alloc(mp);
      mem.u8.fill(0, pm.mtod(m), pm.mtod(m) + pm.tailroom(m));
      const len = Math.min(remain, segLen);
      const data = pm.append(m, len);
      for (let i = 0; i < len; i++) mem.u8[data + i] = (seg * segLen + i) % 0xff;
      if (seg === 0) mbuf = m;
      else pm.chain(mbuf, m);
      remain -= len;
    }
    expect(pm.linearize(mbuf)).toBe(0);
    expect(pm.is_contiguous(mbuf)).toBe(true);
    const d = pm.mtod(mbuf);
    for (let i = 0; i < pktLen; i++) if (mem.u8[d + i] !== i % 0xff) throw new Error(`byte ${i}`);
    expect(pm.check(mbuf, true)).toBeNull();
    pm.free(mbuf);
    expect(mp.full()).toBe(true);
  });

  it('rte_pktmbuf_linearize: -1, and the chain untouched, when the first segment has too little tailroom', () => {
    const { pm, mp } = setup(kind);
    const a = pm.alloc(mp);
    const b = pm.alloc(mp);
    pm.append(a, 1900);
    pm.append(b, 100);
    pm.chain(a, b);
    expect(pm.linearize(a)).toBe(-1);
    expect([pm.nb_segs(a), pm.pkt_len(a), pm.data_len(a)]).toEqual([2, 2000, 1900]);
    pm.free(a);
  });

  it.each([
    [[100, 100, 100], 'none', 0, 300],
    [[100, 125, 150], 'none', 99, 201],
    [[100, 100], 'none', 0, 100],
    [[100, 200], 'header', 14, 150],
    [[1000, 100], 'none', 0, 1000],
    [[1024, 0, 100], 'none', 100, 1001],
    [[1000, 1, 1000], 'none', 1000, 2],
    [[1464, 50, 256, 800, 10], 'neg', 1000, MBUF_DATA_SIZE],
  ] as const)('test_pktmbuf_read_from_chain: segments %j (%s), read at %d for %d', (lens, flags, off, len) => {
    const { pm, mp, mem } = setup(kind);
    // create_packet: bytes (last_index + i) % 0xffff as chars; a zero-length segment is skipped.
    let pkt = 0;
    let last = 0;
    for (const [seg, segLen] of lens.entries()) {
      const m = pm.alloc(mp);
      let hdrLen = 0;
      if (flags === 'header' && seg === 0) {
        hdrLen = 14;
        const h = pm.prepend(m, hdrLen);
        for (let i = 0; i < hdrLen; i++) mem.u8[h + i] = (last + i) % 0xffff;
        last += hdrLen;
      }
      if (segLen === 0) {
        // DPDK's create_packet leaves this mbuf allocated and unchained (a leak in the test); freed here.
        pm.free(m);
        continue;
      }
      const d = pm.append(m, segLen);
      expect(pm.pkt_len(m)).toBe(hdrLen + segLen);
      for (let i = 0; i < segLen; i++) mem.u8[d + i] = (last + i) % 0xffff;
      last += segLen;
      if (seg === 0) pkt = m;
      else expect(pm.chain(pkt, m)).toBe(0);
    }
    const buf = new Uint8Array(MBUF_DATA_SIZE);
    const got = pm.read(pkt, off, len, buf);
    if (flags === 'neg') {
      expect(got).toBeNull();
    } else {
      let bad = 0;
      for (let pos = 0; pos < len; pos++) if (got![pos] !== ((off + pos) % 0xffff & 0xff)) bad++;
      expect(bad).toBe(0);
    }
    pm.free(pkt);
    expect(mp.full()).toBe(true);
  });

  it('test_pktmbuf_alloc_bulk: counts 0, 31, 33, 48, 64, 63, 65, 32 each succeed and are freed', () => {
    const { pm, mp } = setup(kind);
    const mbufs = new Int32Array(NB_MBUF);
    for (const n of [0, MEMPOOL_CACHE_SIZE - 1, MEMPOOL_CACHE_SIZE + 1, MEMPOOL_CACHE_SIZE * 1.5, MEMPOOL_CACHE_SIZE * 2, MEMPOOL_CACHE_SIZE * 2 - 1, MEMPOOL_CACHE_SIZE * 2 + 1, MEMPOOL_CACHE_SIZE]) {
      expect(pm.alloc_bulk(mp, mbufs, n)).toBe(0);
      for (let i = 0; i < n; i++) expect([pm.nb_segs(mbufs[i]), pm.pkt_len(mbufs[i]), pm.headroom(mbufs[i])]).toEqual([1, 0, RTE_PKTMBUF_HEADROOM]);
      for (let i = 0; i < n; i++) pm.free(mbufs[i]);
    }
    expect(mp.avail_count()).toBe(NB_MBUF);
  });

  it('test_neg_pktmbuf_alloc_bulk: counts (unsigned) 32 - NB_MBUF, NB_MBUF + 1, NB_MBUF * 8, UINT_MAX all fail with none taken', () => {
    const { pm, mp } = setup(kind);
    const mbufs = new Int32Array(NB_MBUF * 8);
    for (const n of [(MEMPOOL_CACHE_SIZE - NB_MBUF) >>> 0, NB_MBUF + 1, NB_MBUF * 8, UINT_MAX]) expect(pm.alloc_bulk(mp, mbufs, n)).not.toBe(0);
    expect(mp.avail_count()).toBe(NB_MBUF);
  });

  it('test_pktmbuf_free_segment: NB_MBUF mbufs, each freed segment by segment', () => {
    const { pm, mp } = setup(kind);
    const m = Array.from({ length: NB_MBUF }, () => pm.alloc(mp));
    expect(m.includes(0)).toBe(false);
    for (let mb of m) {
      while (mb !== 0) {
        const mt = mb;
        mb = pm.next(mb);
        pm.free_seg(mt);
      }
    }
    expect(mp.full()).toBe(true);
  });

  it('test_pktmbuf_pool, run twice: NB_MBUF allocs, then the next alloc and a clone from the same pool fail; all freed', () => {
    const { pm, mp } = setup(kind);
    for (let round = 0; round < 2; round++) {
      const m = Array.from({ length: NB_MBUF }, () => pm.alloc(mp));
      expect([m.includes(0), pm.alloc(mp), pm.clone(m[0], mp)]).toEqual([false, 0, 0]);
      for (const x of m) pm.free(x);
      expect(mp.full()).toBe(true);
    }
  });

  it('test_pktmbuf_pool_ptr: data_off moved by 64 on every mbuf, freed, allocated again: data_off is RTE_PKTMBUF_HEADROOM', () => {
    const { pm, mp } = setup(kind);
    let m = Array.from({ length: NB_MBUF }, () => pm.alloc(mp));
    for (const x of m) pm.setField(x, M_DATA_OFF, pm.field(x, M_DATA_OFF) + 64);
    for (const x of m) pm.free(x);
    m = Array.from({ length: NB_MBUF }, () => pm.alloc(mp));
    expect(m.filter((x) => x === 0 || pm.field(x, M_DATA_OFF) !== RTE_PKTMBUF_HEADROOM)).toEqual([]);
    for (const x of m) pm.free(x);
  });

  it('test_pktmbuf_with_non_ascii_data: MBUF_TEST_DATA_LEN bytes of 0xff appended, contiguous, dumped', () => {
    const { pm, mp, mem } = setup(kind);
    const m = pm.alloc(mp);
    expect(pm.pkt_len(m)).toBe(0);
    const data = pm.append(m, MBUF_TEST_DATA_LEN);
    expect([data !== 0, pm.pkt_len(m), pm.data_len(m)]).toEqual([true, MBUF_TEST_DATA_LEN, MBUF_TEST_DATA_LEN]);
    mem.u8.fill(0xff, data, data + MBUF_TEST_DATA_LEN);
    expect(pm.is_contiguous(m)).toBe(true);
    const dump = pm.dump(m, MBUF_TEST_DATA_LEN).split('\n');
    expect(dump.length).toBe(3 + Math.ceil(MBUF_TEST_DATA_LEN / 16));
    expect(dump[3]).toBe(`    00000000: ${Array(16).fill('ff').join(' ')}`);
    pm.free(m);
  });

  it('testclone_testupdate_testdetach: a clone (into the std pool) shares the data and counts 2; chained, then a clone of the clone counts 3', () => {
    const e = setup(kind);
    const { pm, mp, std } = e;
    const m = pm.alloc(mp);
    expect(pm.pkt_len(m)).toBe(0);
    pm.append(m, 4);
    put32(e, pm.mtod(m), MAGIC_DATA);
    let clone = pm.clone(m, std);
    expect([get32(e, pm.mtod(clone)), testclone_refcnt_read(e, m)]).toEqual([MAGIC_DATA, 2]);
    pm.free(clone);
    chainByHand(e, m, MAGIC_DATA);
    clone = pm.clone(m, std);
    expect(clone).not.toBe(0);
    expect([get32(e, pm.mtod(clone)), get32(e, pm.mtod(pm.next(clone))), testclone_refcnt_read(e, m), testclone_refcnt_read(e, pm.next(m))]).toEqual([MAGIC_DATA, MAGIC_DATA, 2, 2]);
    const clone2 = pm.clone(clone, std);
    expect(clone2).not.toBe(0);
    expect([get32(e, pm.mtod(clone2)), get32(e, pm.mtod(pm.next(clone2))), testclone_refcnt_read(e, m), testclone_refcnt_read(e, pm.next(m))]).toEqual([MAGIC_DATA, MAGIC_DATA, 3, 3]);
    pm.free(m);
    pm.free(clone);
    pm.free(clone2);
    expect([mp.full(), std.full()]).toEqual([true, true]);
  });

  it('test_pktmbuf_copy: copies of an mbuf, of its clone (not cloned), of a chain; at an offset, at the end (empty), past it (NULL), truncated', () => {
    const e = setup(kind);
    const { pm, mp, std } = e;
    const m = pm.alloc(mp);
    pm.append(m, 4);
    put32(e, pm.mtod(m), MAGIC_DATA);
    let copy = pm.copy(m, mp, 0, UINT_MAX);
    expect([pm.pkt_len(copy), pm.data_len(copy), get32(e, pm.mtod(copy))]).toEqual([4, 4, MAGIC_DATA]);
    pm.free(copy);
    const clone = pm.clone(m, std);
    // A clone of a pinned mbuf is external (it shares the pinned buffer), not indirect.
    expect(kind === 'pinned' ? pm.has_extbuf(clone) : pm.is_cloned(clone)).toBe(true);
    copy = pm.copy(clone, mp, 0, UINT_MAX);
    expect([pm.is_cloned(copy), pm.pkt_len(copy), pm.data_len(copy), get32(e, pm.mtod(copy))]).toEqual([false, 4, 4, MAGIC_DATA]);
    pm.free(clone);
    pm.free(copy);
    chainByHand(e, m, MAGIC_DATA + 1);
    copy = pm.copy(m, mp, 0, UINT_MAX);
    expect([pm.pkt_len(copy), pm.data_len(copy), get32(e, pm.mtod(copy)), get32(e, pm.mtod(copy, 4))]).toEqual([8, 8, MAGIC_DATA, MAGIC_DATA + 1]);
    let copy2 = pm.copy(copy, mp, 4, UINT_MAX);
    expect([pm.pkt_len(copy2), pm.data_len(copy2), get32(e, pm.mtod(copy2))]).toEqual([4, 4, MAGIC_DATA + 1]);
    pm.free(copy2);
    copy2 = pm.copy(copy, mp, 8, UINT_MAX);
    expect([copy2 !== 0, pm.pkt_len(copy2), pm.data_len(copy2)]).toEqual([true, 0, 0]);
    pm.free(copy2);
    expect(pm.copy(copy, mp, 9, UINT_MAX)).toBe(0);
    copy2 = pm.copy(copy, mp, 0, 4);
    expect([pm.pkt_len(copy2), pm.data_len(copy2), get32(e, pm.mtod(copy2))]).toEqual([4, 4, MAGIC_DATA]);
    pm.free(m);
    pm.free(copy);
    pm.free(copy2);
    expect([mp.full(), std.full()]).toEqual([true, true]);
  });
});

describe('test_mbuf.c on the standard pool only', () => {
  it('test_one_pktmbuf, run twice (an allocation reinitialises the mbuf): append, a failing append, trim, a failing trim, two prepends, a failing prepend, adj, a failing adj; data intact', () => {
    const { pm, mp, mem } = setup();
    for (let round = 0; round < 2; round++) {
      const m = pm.alloc(mp);
      expect(pm.pkt_len(m)).toBe(0);
      expect(pm.dump(m, 0).split('\n')).toHaveLength(3);
      const data = pm.append(m, MBUF_TEST_DATA_LEN);
      expect([data !== 0, pm.pkt_len(m), pm.data_len(m), pm.is_contiguous(m)]).toEqual([true, MBUF_TEST_DATA_LEN, MBUF_TEST_DATA_LEN, true]);
      mem.u8.fill(0x66, data, data + MBUF_TEST_DATA_LEN);
      expect(pm.append(m, (pm.tailroom(m) + 1) & 0xffff)).toBe(0);
      expect(pm.append(m, MBUF_TEST_DATA_LEN2)).not.toBe(0);
      const both = MBUF_TEST_DATA_LEN + MBUF_TEST_DATA_LEN2;
      expect([pm.pkt_len(m), pm.data_len(m), pm.is_contiguous(m)]).toEqual([both, both, true]);
      expect(pm.trim(m, MBUF_TEST_DATA_LEN2)).toBe(0);
      expect([pm.pkt_len(m), pm.data_len(m)]).toEqual([MBUF_TEST_DATA_LEN, MBUF_TEST_DATA_LEN]);
      expect(pm.trim(m, (pm.data_len(m) + 1) & 0xffff)).not.toBe(0);
      let hdr = pm.prepend(m, MBUF_TEST_HDR1_LEN);
      expect([data - hdr, pm.pkt_len(m), pm.data_len(m)]).toEqual([MBUF_TEST_HDR1_LEN, MBUF_TEST_DATA_LEN + MBUF_TEST_HDR1_LEN, MBUF_TEST_DATA_LEN + MBUF_TEST_HDR1_LEN]);
      mem.u8.fill(0x55, hdr, hdr + MBUF_TEST_HDR1_LEN);
      hdr = pm.prepend(m, MBUF_TEST_HDR2_LEN);
      const all = MBUF_TEST_DATA_LEN + MBUF_TEST_ALL_HDRS_LEN;
      expect([data - hdr, pm.pkt_len(m), pm.data_len(m), pm.is_contiguous(m)]).toEqual([MBUF_TEST_ALL_HDRS_LEN, all, all, true]);
      mem.u8.fill(0x55, hdr, hdr + MBUF_TEST_HDR2_LEN);
      expect([pm.check(m, true), pm.check(m, false)]).toEqual([null, null]);
      expect(pm.prepend(m, (pm.headroom(m) + 1) & 0xffff)).toBe(0);
      expect(pm.adj(m, MBUF_TEST_ALL_HDRS_LEN)).toBe(data);
      expect([pm.pkt_len(m), pm.data_len(m), pm.is_contiguous(m)]).toEqual([MBUF_TEST_DATA_LEN, MBUF_TEST_DATA_LEN, true]);
      expect(pm.adj(m, (pm.data_len(m) + 1) & 0xffff)).toBe(0);
      expect(mem.u8.subarray(data, data + MBUF_TEST_DATA_LEN).every((b) => b === 0x66)).toBe(true);
      pm.free(m);
    }
    expect(mp.full()).toBe(true);
  });

  it('test_attach_from_different_pool: mbufs of a pool with data room 0 and priv 128 attach to m (refcnt 2, then 3 through the clone) and get their own data pointer back on detach', () => {
    const e = setup();
    const { arena, mem, pm: pm1, mp } = e;
    const pool2 = Pktmbuf.pool_create(arena, mem, 'test_pktmbuf_pool2', 8, { priv_size: MBUF2_PRIV_SIZE, data_room_size: 0 });
    const pm = new Pktmbuf(mem, [mp, pool2]);
    expect(pm1).not.toBe(pm);
    const m = pm.alloc(mp);
    expect(pm.pkt_len(m)).toBe(0);
    const data = pm.mtod(m);
    const clones: number[] = [];
    for (const [target, refcnt] of [[m, 2], [0, 3]] as const) {
      const c = pm.alloc(pool2);
      const pp = pool2.get_priv();
      expect([mem.load(pp + PP_DATA_ROOM_SIZE), mem.load(pp + PP_PRIV_SIZE)]).toEqual([0, MBUF2_PRIV_SIZE]);
      mem.u8.fill(0, c * 4 + MBUF_BYTES, c * 4 + MBUF_BYTES + MBUF2_PRIV_SIZE);
      const own = pm.mtod(c);
      expect([own, pm.headroom(c)]).toEqual([c * 4 + MBUF_BYTES + MBUF2_PRIV_SIZE, 0]);
      pm.attach(c, target === 0 ? clones[0] : target);
      expect([pm.mtod(c), pm.headroom(c), pm.refcnt_read(m)]).toEqual([data, RTE_PKTMBUF_HEADROOM, refcnt]);
      clones.push(c);
    }
    for (const [i, c] of clones.entries()) {
      const own = c * 4 + MBUF_BYTES + MBUF2_PRIV_SIZE;
      pm.detach(c);
      expect([pm.mtod(c), pm.refcnt_read(m)]).toEqual([own, 2 - i]);
    }
    pm.free(clones[1]);
    pm.free(clones[0]);
    pm.free(m);
    expect([mp.full(), pool2.full()]).toEqual([true, true]);
  });

  it('test_pktmbuf_pool_bulk: one bulk alloc then four bulk frees; four allocs then one free; a chain of all; chains across two pools', () => {
    const arena = Arena.create(3 * Pktmbuf.pool_memsize(NB_MBUF, STD_CFG));
    const mem = new AtomicsMem(arena.sab);
    const pool = Pktmbuf.pool_create(arena, mem, 'test_pktmbuf_bulk', NB_MBUF, { data_room_size: MBUF_DATA_SIZE });
    const pool2 = Pktmbuf.pool_create(arena, mem, 'test_pktmbuf_bulk2', NB_MBUF, { data_room_size: MBUF_DATA_SIZE });
    const pm = new Pktmbuf(mem, [pool, pool2]);
    expect([pool.full(), pool2.full(), pool.avail_count(), pool2.avail_count()]).toEqual([true, true, NB_MBUF, NB_MBUF]);
    const mbufs = new Int32Array(NB_MBUF);
    const q = NB_MBUF / 4;
    expect([pm.alloc_bulk(pool, mbufs, NB_MBUF), pool.empty()]).toEqual([0, true]);
    const avail: number[] = [];
    for (let i = 0; i < NB_MBUF; i += q) {
      pm.free_bulk(mbufs, q, i);
      avail.push(pool.avail_count());
    }
    expect(avail).toEqual([q, 2 * q, 3 * q, 4 * q]);
    for (let i = 0; i < NB_MBUF; i += q) expect(pm.alloc_bulk(pool, mbufs, q, i)).toBe(0);
    expect(pool.empty()).toBe(true);
    pm.free_bulk(mbufs, NB_MBUF);
    expect(pool.full()).toBe(true);
    expect(pm.alloc_bulk(pool, mbufs, NB_MBUF)).toBe(0);
    for (let i = 1; i < NB_MBUF; i++) {
      expect(pm.chain(mbufs[0], mbufs[i])).toBe(0);
      mbufs[i] = 0;
    }
    pm.free_bulk(mbufs, 1);
    expect(pool.full()).toBe(true);
    for (let i = 0; i < NB_MBUF * 2; i++) {
      const m = pm.alloc(i & 4 ? pool2 : pool);
      expect(m).not.toBe(0);
      if (i % CHAIN_LEN === 0) mbufs[i / CHAIN_LEN] = m;
      else pm.chain(mbufs[Math.floor(i / CHAIN_LEN)], m);
    }
    expect([pool.empty(), pool2.empty()]).toEqual([true, true]);
    pm.free_bulk(mbufs, 1);
    expect([pool.avail_count(), pool2.avail_count()]).toEqual([CHAIN_LEN / 2, CHAIN_LEN / 2]);
    pm.free_bulk(mbufs, (NB_MBUF * 2) / CHAIN_LEN - 1, 1);
    expect([pool.full(), pool2.full()]).toEqual([true, true]);
  });

  it('test_pktmbuf_ext_shinfo_init_helper: the shared info counts the clone; the last detach calls the free callback', () => {
    const { arena, pm, mp, mem } = setup();
    let freed = false;
    extbuf_free_cb_register(7, (_addr, opaque) => {
      expect(opaque).toBe(99);
      freed = true;
    });
    const m = pm.alloc(mp);
    expect(pm.pkt_len(m)).toBe(0);
    const bufLen = EXT_BUF_TEST_DATA_LEN + SHINFO_BYTES;
    const ext = arena.alloc('External buffer', bufLen);
    const sh = ext_shinfo_init_helper(mem, ext, bufLen, 7, 99)!;
    expect(sh.buf_len).toBe(EXT_BUF_TEST_DATA_LEN);
    expect(pm.ext_refcnt_read(sh.shinfo)).toBe(1);
    expect(pm.refcnt_read(m)).toBe(1);
    pm.attach_extbuf(m, ext, ext, sh.buf_len, sh.shinfo);
    expect(pm.field(m, M_OL_FLAGS)).toBe(RTE_MBUF_F_EXTERNAL);
    const clone = pm.clone(m, mp);
    expect(clone).not.toBe(0);
    expect([pm.pkt_len(clone), pm.field(clone, M_OL_FLAGS), pm.ext_refcnt_read(sh.shinfo), freed]).toEqual([0, RTE_MBUF_F_EXTERNAL, 2, false]);
    expect(pm.ext_refcnt_update(sh.shinfo, 1)).toBe(3);
    pm.ext_refcnt_set(sh.shinfo, 2);
    pm.detach(m);
    expect([pm.ext_refcnt_read(sh.shinfo), freed]).toEqual([1, false]);
    pm.detach(clone);
    expect(freed).toBe(true);
    pm.free(m);
    pm.free(clone);
    expect(mp.full()).toBe(true);
    // A buffer with no room for the shared info in front of its end.
    expect(ext_shinfo_init_helper(mem, ext, SHINFO_BYTES, 7, 0)).toBeNull();
  });

  it('test_nb_segs_and_next_reset: a chain split by hand and freed gives back mbufs with nb_segs 1 and no next', () => {
    const { pm, mp } = setup('std', 3, 'test_mbuf_reset');
    const [m0, m1, m2] = [pm.alloc(mp), pm.alloc(mp), pm.alloc(mp)];
    for (const m of [m0, m1, m2]) expect(pm.append(m, 500)).not.toBe(0);
    pm.chain(m1, m2);
    pm.chain(m0, m1);
    expect([pm.nb_segs(m0), pm.next(m0), pm.next(m1), pm.next(m2)]).toEqual([3, m1, m2, 0]);
    pm.setField(m0, M_NB_SEGS, 2);
    pm.setField(m0, M_PKT_LEN, pm.pkt_len(m0) - pm.data_len(m2));
    pm.setField(m1, M_NEXT, 0);
    pm.setField(m2, M_NB_SEGS, 1);
    pm.free(m0);
    pm.free(m2);
    const again = [pm.raw_alloc(mp), pm.raw_alloc(mp), pm.raw_alloc(mp)];
    for (const m of again) expect([pm.nb_segs(m), pm.next(m)]).toEqual([1, 0]);
  });
});

describe('rte_pktmbuf_pool_create_extbuf (rte_mbuf.c; the creation checks, not a test_mbuf.c case)', () => {
  it('pinned mbufs: EXTERNAL from the start, buffers cut from the memzone in order, shared info after the mbuf; refusals EINVAL and ENOMEM', () => {
    const { arena, mem, mp, pm } = setup('pinned');
    const mz = arena.region('memzone:pinned_pool').offset;
    const m = [pm.alloc(mp), pm.alloc(mp)];
    for (const x of m) {
      expect([pm.field(x, M_OL_FLAGS), pm.has_pinned_extbuf(x), pm.field(x, M_SHINFO)]).toEqual([RTE_MBUF_F_EXTERNAL, true, x + MBUF_BYTES / 4]);
      expect((pm.field(x, M_BUF_ADDR) - mz) % MBUF_DATA_SIZE).toBe(0);
    }
    expect(pm.field(m[0], M_BUF_ADDR)).not.toBe(pm.field(m[1], M_BUF_ADDR));
    for (const x of m) pm.free(x);
    const ext = { buf_ptr: mz, buf_iova: mz, buf_len: 4 * MBUF_DATA_SIZE, elt_size: MBUF_DATA_SIZE };
    const cfg = { cache_size: 0, data_room_size: MBUF_DATA_SIZE };
    expect(rte_pktmbuf_pool_create_extbuf(arena, mem, 'p1', 4, { ...cfg, priv_size: 4 }, [ext], SOCKET_ID_ANY)).toBeNull();
    expect(rte_errno()).toBe(EINVAL);
    expect(rte_pktmbuf_pool_create_extbuf(arena, mem, 'p2', 4, cfg, [{ ...ext, elt_size: 0 }], SOCKET_ID_ANY)).toBeNull();
    expect(rte_errno()).toBe(EINVAL);
    expect(rte_pktmbuf_pool_create_extbuf(arena, mem, 'p3', 4, cfg, [{ ...ext, elt_size: MBUF_DATA_SIZE - 1 }], SOCKET_ID_ANY)).toBeNull();
    expect(rte_errno()).toBe(EINVAL);
    expect(rte_pktmbuf_pool_create_extbuf(arena, mem, 'p4', 5, cfg, [ext], SOCKET_ID_ANY)).toBeNull();
    expect(rte_errno()).toBe(ENOMEM);
    expect(rte_pktmbuf_pool_create_extbuf(arena, mem, 'p5', 4, cfg, [ext], SOCKET_ID_ANY)).not.toBeNull();
  });

  it('a clone outliving its pinned mbuf: freeing the mbuf leaves it out of the pool until the clone goes (rte_pktmbuf_free_pinned_extmem)', () => {
    const { pm, mp, std } = setup('pinned');
    const m = pm.alloc(mp);
    const clone = pm.clone(m, std);
    expect([pm.has_extbuf(clone), pm.has_pinned_extbuf(clone), pm.ext_refcnt_read(pm.field(m, M_SHINFO))]).toEqual([true, false, 2]);
    pm.free(m);
    expect([mp.avail_count(), pm.ext_refcnt_read(pm.field(m, M_SHINFO))]).toEqual([NB_MBUF - 1, 1]);
    pm.free(clone);
    expect([mp.full(), std.full(), pm.field(m, M_OL_FLAGS), pm.ext_refcnt_read(pm.field(m, M_SHINFO))]).toEqual([true, true, RTE_MBUF_F_EXTERNAL, 1]);
  });
});
