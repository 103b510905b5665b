import { describe, expect, it } from 'vitest';
import { MemraceError } from '../../../src/errors.js';
import { Pktmbuf, READ_COPIED } from '../../../src/dpdk/mbuf.js';
import { Arena } from '../../../src/shm/arena.js';
import { BudgetMem } from './budget_mem.js';

/**
 * rte_pktmbuf_read / _copy / _adj / _trim at every boundary (offset 0, data_len, pkt_len,
 * pkt_len + 1, UINT_MAX; lengths 0, 1, data_len, pkt_len, UINT_MAX) on a one-segment and a
 * three-segment packet, each call on a port that throws after 100,000 reads, so a walk
 * that never ends fails the case instead of hanging the run. Expectations come from a flat
 * model of the packet: its bytes and segment lengths.
 */
const UINT_MAX = 0xffffffff;
const SHAPES = { 'one segment': [40], 'three segments': [20, 20, 20] } as const;

function setup() {
  const arena = Arena.create(Pktmbuf.pool_memsize(32) + (1 << 16));
  const mem = new BudgetMem(arena.sab);
  const mp = Pktmbuf.pool_create(arena, mem, 'bound', 32);
  return { mem, mp, pm: new Pktmbuf(mem, [mp]) };
}

type Env = ReturnType<typeof setup>;

/** A packet of the given segment lengths holding bytes 0, 1, 2, ... */
function build({ pm, mp }: Env, lens: readonly number[]): number {
  let head = 0;
  let at = 0;
  for (const l of lens) {
    const s = pm.alloc(mp);
    pm.write(pm.append(s, l), Uint8Array.from({ length: l }, (_, i) => (at + i) & 0xff));
    at += l;
    if (head === 0) head = s;
    else expect(pm.chain(head, s)).toBe(0);
  }
  return head;
}

/** Run one call with a fresh read budget. */
function bounded<T>(env: Env, call: () => T): T {
  env.mem.reset();
  return call();
}

describe.each(Object.entries(SHAPES))('boundaries on %s', (_, lens) => {
  const pktLen = lens.reduce((a, b) => a + b, 0);
  const dataLen = lens[0];
  const offsets = [0, dataLen, pktLen, pktLen + 1, UINT_MAX];
  const lengths = [0, 1, dataLen, pktLen, UINT_MAX];
  const flat = Uint8Array.from({ length: pktLen }, (_, i) => i & 0xff);
  /** The segment index and offset in it that DPDK's walk stops at (the last segment at pkt_len). */
  const locate = (off: number): [number, number] => {
    let s = 0;
    while (s < lens.length - 1 && off >= lens[s]) off -= lens[s++];
    return [s, off];
  };

  it.each(offsets.flatMap((o) => lengths.map((l) => [o, l])))('read(off %d, len %d)', (off, len) => {
    const env = setup();
    const m = build(env, lens);
    const buf = new Uint8Array(pktLen);
    const got = bounded(env, () => env.pm.read(m, off, len, buf));
    if (off + len > pktLen) {
      expect(got).toBeNull();
    } else {
      expect(got).not.toBeNull();
      expect([...got!.subarray(0, len)]).toEqual([...flat.subarray(off, off + len)]);
      const [s, inSeg] = locate(off);
      const contiguous = off + len <= dataLen || inSeg + len <= lens[s];
      // Contiguous: a view of the packet data itself (rte_pktmbuf_mtod_offset), buf untouched.
      expect(got!.buffer === env.mem.u8.buffer).toBe(contiguous);
      if (!contiguous) expect(got).toBe(buf);
    }
    env.pm.free(m);
    expect(env.mp.full()).toBe(true);
  });

  it.each(offsets.flatMap((o) => lengths.map((l) => [o, l])))('copy(off %d, len %d)', (off, len) => {
    const env = setup();
    const m = build(env, lens);
    const c = bounded(env, () => env.pm.copy(m, env.mp, off, len));
    if (off > pktLen) {
      expect(c).toBe(0);
    } else {
      const want = Math.min(len, pktLen - off);
      expect(env.pm.pkt_len(c)).toBe(want);
      expect(env.pm.check(c, true)).toBeNull();
      const out = bounded(env, () => env.pm.read(c, 0, want, new Uint8Array(want)));
      expect([...out!]).toEqual([...flat.subarray(off, off + want)]);
      env.pm.free(c);
    }
    env.pm.free(m);
    expect(env.mp.full()).toBe(true);
  });

  it.each(lengths.concat([0x10000, 0x10000 + dataLen]))('adj(len %d) and trim(len %d) take a uint16_t', (len) => {
    const env = setup();
    const m = build(env, lens);
    const len16 = len & 0xffff;
    const start = env.pm.mtod(m);
    const p = bounded(env, () => env.pm.adj(m, len));
    if (len16 > dataLen) {
      expect(p).toBe(0);
      expect(env.pm.pkt_len(m)).toBe(pktLen);
    } else {
      expect(p).toBe(start + len16);
      expect([env.pm.data_len(m), env.pm.pkt_len(m)]).toEqual([dataLen - len16, pktLen - len16]);
    }
    const before = env.pm.pkt_len(m);
    const lastLen = env.pm.data_len(env.pm.lastseg(m));
    const r = bounded(env, () => env.pm.trim(m, len));
    expect(r).toBe(len16 > lastLen ? -1 : 0);
    expect(env.pm.pkt_len(m)).toBe(r === 0 ? before - len16 : before);
    expect(env.pm.check(m, true)).toBeNull();
    env.pm.free(m);
    expect(env.mp.full()).toBe(true);
  });
});

describe('rte_pktmbuf_read contract', () => {
  it('contiguous data comes back without a buffer (buf NULL), as a view that writes through to the packet', () => {
    const env = setup();
    const m = build(env, [40]);
    const v = env.pm.read(m, 0, 10, null)!;
    expect(v.byteOffset).toBe(env.pm.mtod(m));
    v[0] = 0xaa;
    expect(env.mem.u8[env.pm.mtod(m)]).toBe(0xaa);
  });

  it('data that spans segments needs a buffer: NULL (or a short one) is a usage error, not a crash', () => {
    const env = setup();
    const m = build(env, [20, 20]);
    expect(() => env.pm.read(m, 15, 10, null)).toThrow(MemraceError);
    expect(() => env.pm.read(m, 15, 10, new Uint8Array(4))).toThrow(/buf holds 4/);
    expect(env.pm.read(m, 20, 10, null)!.byteOffset).toBe(env.pm.mtod(env.pm.next(m)));
  });

  it('off + len is summed in 64 bits (DPDK 26.03, "mbuf: fix packet data read"); before, off 1 + UINT_MAX wrapped to 0 and read as contiguous', () => {
    const env = setup();
    const m = build(env, [40]);
    expect(env.pm.read(m, 1, UINT_MAX, null)).toBeNull();
    expect(env.pm.read(m, UINT_MAX, 1, null)).toBeNull();
  });

  it('off == pkt_len on a chain: DPDK follows next past the last segment (NULL); the model stops there and gives the empty view at its end', () => {
    const env = setup();
    const m = build(env, [20, 20]);
    const v = env.pm.read(m, 40, 0, null)!;
    expect([v.length, v.byteOffset]).toEqual([0, env.pm.mtod(env.pm.lastseg(m), 20)]);
  });

  it('read_ptr is the same contract as the pointer DPDK returns, without a view: an address in the image, READ_COPIED, or 0 (NULL)', () => {
    const env = setup();
    const m = build(env, [20, 20]);
    const buf = new Uint8Array(10);
    expect(env.pm.read_ptr(m, 2, 10, null)).toBe(env.pm.mtod(m, 2));
    expect(env.pm.read_ptr(m, 22, 10, null)).toBe(env.pm.mtod(env.pm.next(m), 2));
    expect(env.pm.read_ptr(m, 15, 10, buf)).toBe(READ_COPIED);
    expect([...buf]).toEqual([...env.pm.read(m, 15, 10, new Uint8Array(10))!]);
    expect(env.pm.read_ptr(m, 35, 10, buf)).toBe(0);
  });
});
