import { describe, expect, it } from 'vitest';
import { Pktmbuf } from '../../../src/dpdk/mbuf.js';
import { ext_refcnt_read, ext_refcnt_set, ext_refcnt_update, ext_shinfo_init_helper, extbuf_free_cb_register } from '../../../src/dpdk/mbuf_extbuf.js';
import { M_BUF_ADDR, M_NB_SEGS, M_NEXT, M_OL_FLAGS, M_PKT_LEN, M_POOL, M_REFCNT, RTE_MBUF_F_EXTERNAL, SHINFO_BYTES } from '../../../src/dpdk/mbuf_layout.js';
import { Arena } from '../../../src/shm/arena.js';
import { AtomicsMem } from '../../../src/shm/mem.js';

/**
 * app/test/test_mbuf.c (DPDK 26.07), transcribed: each `it` names the upstream function.
 * The file's pool: NB_MBUF 128 mbufs, MEMPOOL_CACHE_SIZE 32, MBUF_DATA_SIZE 2048 of data
 * room (headroom included).
 */
const NB_MBUF = 128;
const MBUF_DATA_SIZE = 2048;
const MBUF_TEST_DATA_LEN2 = 50;
const EXT_BUF_TEST_DATA_LEN = 1024;
const UINT_MAX = 0xffffffff;

function setup(n = NB_MBUF, name = 'test_pktmbuf_pool') {
  const arena = Arena.create(Pktmbuf.pool_memsize(n, { cache_size: 32, data_room_size: MBUF_DATA_SIZE }) + (1 << 20));
  const mem = new AtomicsMem(arena.sab);
  const mp = Pktmbuf.pool_create(arena, mem, name, n, { cache_size: n >= 48 ? 32 : 0, data_room_size: MBUF_DATA_SIZE });
  return { arena, mem, mp, pm: new Pktmbuf(mem, [mp]) };
}

describe('test_mbuf.c', () => {
  it('test_pktmbuf_read: 50 bytes of 0xfe read back without a buffer', () => {
    const { pm, mp, mem } = setup();
    const m = pm.alloc(mp);
    expect(pm.pkt_len(m)).toBe(0);
    const data = pm.append(m, MBUF_TEST_DATA_LEN2);
    mem.u8.fill(0xfe, data, data + MBUF_TEST_DATA_LEN2);
    expect([...pm.read(m, 0, MBUF_TEST_DATA_LEN2, null)!]).toEqual(Array(MBUF_TEST_DATA_LEN2).fill(0xfe));
    pm.free(m);
  });

  it('test_pktmbuf_read_from_offset: header, data after it, partial, too long, zero length, UINT_MAX (26.03 and later)', () => {
    const { pm, mp, mem } = setup();
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
    const { pm, mp, mem } = setup();
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
    const { pm, mp, mem } = setup();
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
    const { pm, mp } = setup();
    const a = pm.alloc(mp);
    const b = pm.alloc(mp);
    pm.append(a, 1900);
    pm.append(b, 100);
    pm.chain(a, b);
    expect(pm.linearize(a)).toBe(-1);
    expect([pm.nb_segs(a), pm.pkt_len(a), pm.data_len(a)]).toEqual([2, 2000, 1900]);
    pm.free(a);
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
    expect(ext_refcnt_read(mem, sh.shinfo)).toBe(1);
    expect(pm.refcnt_read(m)).toBe(1);
    pm.attach_extbuf(m, ext, ext, sh.buf_len, sh.shinfo);
    expect(pm.field(m, M_OL_FLAGS)).toBe(RTE_MBUF_F_EXTERNAL);
    const clone = pm.clone(m, mp);
    expect(clone).not.toBe(0);
    expect([pm.pkt_len(clone), pm.field(clone, M_OL_FLAGS), ext_refcnt_read(mem, sh.shinfo), freed]).toEqual([0, RTE_MBUF_F_EXTERNAL, 2, false]);
    expect(ext_refcnt_update(mem, sh.shinfo, 1)).toBe(3);
    ext_refcnt_set(mem, sh.shinfo, 2);
    pm.detach(m);
    expect([ext_refcnt_read(mem, sh.shinfo), freed]).toEqual([1, false]);
    pm.detach(clone);
    expect(freed).toBe(true);
    pm.free(m);
    pm.free(clone);
    expect(mp.full()).toBe(true);
    // A buffer with no room for the shared info in front of its end.
    expect(ext_shinfo_init_helper(mem, ext, SHINFO_BYTES, 7, 0)).toBeNull();
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
    const { pm, mp, mem } = setup();
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

  it('test_pktmbuf_alloc_bulk and test_neg_pktmbuf_alloc_bulk: MBUF_TEST_BURST reset mbufs; more than the pool holds is -ENOENT with none taken', () => {
    const { pm, mp } = setup();
    const out = new Int32Array(NB_MBUF + 1);
    expect(pm.alloc_bulk(mp, out, 8)).toBe(0);
    for (let i = 0; i < 8; i++) expect([pm.nb_segs(out[i]), pm.pkt_len(out[i]), pm.headroom(out[i])]).toEqual([1, 0, 128]);
    pm.free_bulk(out, 8);
    expect(pm.alloc_bulk(mp, out, NB_MBUF + 1)).toBeLessThan(0);
    expect(mp.avail_count()).toBe(NB_MBUF);
  });

  it('test_pktmbuf_free_segment: free_seg on each segment of a chain gives every mbuf back', () => {
    const { pm, mp } = setup();
    const segs = Array.from({ length: 5 }, () => pm.alloc(mp));
    for (const s of segs.slice(1)) pm.chain(segs[0], s);
    for (let m = segs[0]; m !== 0; ) {
      const next = pm.next(m);
      pm.free_seg(m);
      m = next;
    }
    expect(mp.full()).toBe(true);
  });

  it('test_nb_segs_and_next_reset: a chain split by hand and freed gives back mbufs with nb_segs 1 and no next', () => {
    const { pm, mp } = setup(3, 'test_mbuf_reset');
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
