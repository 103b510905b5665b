import { describe, expect, it } from 'vitest';
import { Mempool } from '../src/dpdk/mempool.js';
import { DBG_RECORDS, DBG_WORDS, HDR_BYTES, H_COOKIE, P_DBG } from '../src/dpdk/mempool_layout.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

/**
 * RTE_LIBRTE_MEMPOOL_DEBUG's cookie checks (rte_mempool_check_cookies): header cookie
 * COOKIE1 while allocated, COOKIE2 while free, a trailer cookie after the element. DPDK
 * panics; the model refuses the bad object, keeps the good ones of the same call, and logs
 * the error with the lcore that made the call and the one before it.
 */
function setup(n = 8, elt_size = 16) {
  const arena = Arena.create(1 << 18);
  const mem = new AtomicsMem(arena.sab);
  const main = Mempool.create(arena, mem, 'p', { n, elt_size, debug: true });
  return { mem, main, on: (lcore: number) => new Mempool(mem, main.ref, lcore) };
}

describe('mempool debug cookies', () => {
  it('a get of an object whose cookie says allocated is logged with the lcore that got it before', () => {
    const { main, on } = setup();
    const a = on(1);
    const out = new Int32Array(1);
    expect(a.get(out)).toBe(0);
    // Back into the common pool behind the checker's back: its cookie still says allocated.
    main.ops.enqueue_bulk(out, 1, 0);
    const got = new Int32Array(8);
    expect(on(4).get_bulk(got, 8)).toBe(0);
    expect(main.cookies!.errors()).toEqual({ count: 1, records: [{ kind: 'got an object not marked free', obj: out[0], lcore: 4, previous: 1 }] });
    expect(main.cookies!.state(out[0])).toBe('allocated');
  });

  it('a corrupt header cookie refuses that object only; the others of the call go back, in order', () => {
    const { mem, main, on } = setup();
    const a = on(2);
    const out = new Int32Array(3);
    expect(a.get_bulk(out, 3)).toBe(0);
    mem.store64((out[1] - HDR_BYTES / 4 + H_COOKIE) >> 1, 0x1234n);
    main.put_bulk(out, 3);
    expect(main.cookies!.state(out[1])).toBe('corrupt');
    expect(main.cookies!.errors().records).toEqual([{ kind: 'corrupt header cookie', obj: out[1], lcore: -1, previous: -1 }]);
    expect(main.avail_count()).toBe(7);
    expect(main.stats()).toMatchObject({ put_objs: 2 });
    const back = new Int32Array(7);
    expect(main.get_bulk(back, 7)).toBe(0);
    expect(back).toContain(out[0]);
    expect(back).toContain(out[2]);
    expect(back).not.toContain(out[1]);
  });

  it('a write past the element refuses the put, naming who got the object last', () => {
    const { mem, main, on } = setup();
    const out = new Int32Array(1);
    on(3).get(out);
    expect(main.cookies!.trailerOk(out[0])).toBe(true);
    mem.store(out[0] + 4, 0x41414141);
    expect(main.cookies!.trailerOk(out[0])).toBe(false);
    on(6).put(out[0]);
    expect(main.cookies!.errors().records).toEqual([{ kind: 'corrupt trailer cookie', obj: out[0], lcore: 6, previous: 3 }]);
    expect(main.avail_count()).toBe(7);
  });

  it(`counts every error but keeps the first ${DBG_RECORDS} in full`, () => {
    const { mem, main, on } = setup();
    const a = on(0);
    const out = new Int32Array(1);
    a.get(out);
    a.put(out[0]);
    const past = main.base + P_DBG + 1 + DBG_RECORDS * DBG_WORDS;
    const after = [0, 1, 2, 3].map((k) => mem.load(past + k));
    for (let i = 0; i <= DBG_RECORDS; i++) on(i).put(out[0]);
    const { count, records } = main.cookies!.errors();
    expect(count).toBe(DBG_RECORDS + 1);
    expect(records).toHaveLength(DBG_RECORDS);
    expect(records.map((r) => r.lcore)).toEqual([...Array(DBG_RECORDS).keys()]);
    expect(records.every((r) => r.kind === 'double put (object already free)' && r.previous === 0)).toBe(true);
    // Nothing written past the log.
    expect([0, 1, 2, 3].map((k) => mem.load(past + k))).toEqual(after);
  });

  it('a put of more objects than its scratch holds (64) keeps them all', () => {
    const { main } = setup(100, 8);
    const out = new Int32Array(100);
    expect(main.get_bulk(out, 100)).toBe(0);
    main.put_bulk(out, 100);
    expect(main.full()).toBe(true);
    expect(main.cookies!.errors().count).toBe(0);
    const again = new Int32Array(100);
    expect(main.get_bulk(again, 100)).toBe(0);
    expect(new Set(again).size).toBe(100);
  });
});
