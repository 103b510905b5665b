import { describe, expect, it } from 'vitest';
import { EINVAL, ENOMEM } from '../src/errors.js';
import { Pktmbuf } from '../src/dpdk/mbuf.js';
import { ext_free, extbuf_free_cb_register } from '../src/dpdk/mbuf_extbuf.js';
import {
  FREE_CB_PINNED_EXTMEM, MBUF_BYTES, M_BUF_ADDR, M_BUF_LEN, M_DATA_OFF, M_NB_SEGS, M_POOL, M_PORT, M_PRIV_SIZE, M_REFCNT, M_SHINFO,
  RTE_MBUF_PORT_INVALID, SH_FREE_CB, SH_OPAQUE, SH_REFCNT,
} from '../src/dpdk/mbuf_layout.js';
import type { PoolMemoryProvider } from '../src/dpdk/mempool_memory.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

/**
 * rte_pktmbuf_pool_create, rte_pktmbuf_init, rte_pktmbuf_pool_create_extbuf and
 * __rte_pktmbuf_init_extmem (lib/mbuf/rte_mbuf.c): what each mbuf holds straight out of
 * the pool (raw_alloc: no reset), on pool memory that was not zero, and the refusals.
 */
const DIRT = 0xa5;

function machine() {
  const arena = Arena.create(1 << 22);
  const mem = new AtomicsMem(arena.sab);
  /** Pool memory full of DIRT, as memory reused from an earlier pool would be. */
  const dirty: PoolMemoryProvider = (name, bytes) => {
    const addr = arena.alloc(name, bytes);
    mem.u8.fill(DIRT, addr, addr + bytes);
    return { addr, len: bytes };
  };
  return { arena, mem, dirty };
}

const word = (mem: AtomicsMem, w: number) => mem.i32[w];
const DIRT_WORD = new Int32Array(new Uint8Array(4).fill(DIRT).buffer)[0];

describe('rte_pktmbuf_init on every object of rte_pktmbuf_pool_create', () => {
  it('memset(m, 0, sizeof(struct rte_mbuf) + priv_size), then the constant fields; the data room is not touched', () => {
    const { arena, mem, dirty } = machine();
    const mp = Pktmbuf.pool_create(arena, mem, 'p', 2, { priv_size: 16, data_room_size: 1000, memory: dirty });
    const pm = new Pktmbuf(mem, [mp]);
    const m = pm.raw_alloc(mp);
    const set = new Map([
      [M_PRIV_SIZE, 16], [M_BUF_ADDR, m * 4 + MBUF_BYTES + 16], [M_BUF_LEN, 1000], [M_DATA_OFF, 128], [M_POOL, mp.base], [M_NB_SEGS, 1],
      [M_PORT, RTE_MBUF_PORT_INVALID], [M_REFCNT, 1],
    ]);
    for (let w = 0; w < (MBUF_BYTES + 16) / 4; w++) expect([w, word(mem, m + w)]).toEqual([w, set.get(w) ?? 0]);
    expect(word(mem, m + (MBUF_BYTES + 16) / 4)).toBe(DIRT_WORD);
  });

  it('data_off is RTE_MIN(RTE_PKTMBUF_HEADROOM, buf_len): 128 for 2176 bytes, 64 for 64', () => {
    const { arena, mem } = machine();
    for (const [room, off] of [[2176, 128], [64, 64]]) {
      const mp = Pktmbuf.pool_create(arena, mem, `r${room}`, 1, { data_room_size: room });
      expect(new Pktmbuf(mem, [mp]).headroom(mp.hdrOf(0) + 16)).toBe(off);
    }
  });

  it('refusals: priv_size not a multiple of RTE_MBUF_PRIV_ALIGN in 0..65528 is EINVAL; data_room_size outside a uint16_t', () => {
    const { arena, mem } = machine();
    for (const priv of [4, -8, 8.5, 65536]) {
      expect(() => Pktmbuf.pool_create(arena, mem, 'x', 1, { priv_size: priv })).toThrow(expect.objectContaining({ errno: EINVAL, message: `priv_size: ${priv} bytes (allowed: a multiple of 8 from 0 to 65528)` }));
    }
    for (const room of [-1, 1.5, 65536]) {
      expect(() => Pktmbuf.pool_create(arena, mem, 'x', 1, { data_room_size: room })).toThrow(`data_room_size: ${room} bytes (allowed: 0 to 65535 (a uint16_t))`);
    }
    const mp = Pktmbuf.pool_create(arena, mem, 'max', 1, { priv_size: 65528, data_room_size: 65535 });
    expect([mp.size, new Pktmbuf(mem, [mp]).tailroom(mp.hdrOf(0) + 16)]).toEqual([1, 65535 - 128]);
  });
});

describe('rte_pktmbuf_pool_create_extbuf', () => {
  it('buffers are cut from the descriptors in order, elt_size apart, moving on when the next one does not fit; shared info after the private area', () => {
    const { arena, mem, dirty } = machine();
    const d0 = arena.alloc('mz0', 2 * 512 + 100);
    const d1 = arena.alloc('mz1', 2 * 512);
    const ext = [{ buf_ptr: d0, buf_iova: d0, buf_len: 2 * 512 + 100, elt_size: 512 }, { buf_ptr: d1, buf_iova: d1, buf_len: 2 * 512, elt_size: 512 }];
    const mp = Pktmbuf.pool_create_extbuf(arena, mem, 'pin', 4, { priv_size: 16, data_room_size: 512, memory: dirty }, ext);
    const objs: number[] = [];
    mp.obj_iter((o) => objs.push(o));
    expect(objs.map((m) => word(mem, m + M_BUF_ADDR))).toEqual([d0, d0 + 512, d1, d1 + 512]);
    for (const m of objs) {
      const sh = m + (MBUF_BYTES + 16) / 4;
      expect([word(mem, m + M_SHINFO), word(mem, m + M_PRIV_SIZE), word(mem, m + M_BUF_LEN), word(mem, m + 23)]).toEqual([sh, 16, 512, 0]);
      expect([word(mem, sh + SH_FREE_CB), word(mem, sh + SH_OPAQUE), word(mem, sh + SH_REFCNT)]).toEqual([FREE_CB_PINNED_EXTMEM, m, 1]);
    }
    expect(mp.elt_size).toBe(MBUF_BYTES + 16 + 24);
  });

  it('refusals: a descriptor without buf_ptr, buf_len or elt_size, or with elt_size below the data room, is EINVAL; too few buffers ENOMEM', () => {
    const { arena, mem } = machine();
    const d = arena.alloc('mz', 4 * 512);
    const ok = { buf_ptr: d, buf_iova: d, buf_len: 4 * 512, elt_size: 512 };
    const cfg = { data_room_size: 512 };
    for (const bad of [{ buf_ptr: 0 }, { buf_len: 0 }, { elt_size: 0 }]) {
      const e = { ...ok, ...bad };
      expect(() => Pktmbuf.pool_create_extbuf(arena, mem, 'x', 4, cfg, [e])).toThrow(expect.objectContaining({
        errno: EINVAL,
        message: `ext_mem: descriptor {buf_ptr ${e.buf_ptr}, buf_len ${e.buf_len}, elt_size ${e.elt_size}} (allowed: non-zero buf_ptr, buf_len and elt_size)`,
      }));
    }
    expect(() => Pktmbuf.pool_create_extbuf(arena, mem, 'x', 4, cfg, [{ ...ok, elt_size: 511 }])).toThrow(expect.objectContaining({ errno: EINVAL, message: 'ext_mem: elt_size 511 below data_room_size 512 (allowed: elt_size >= 512)' }));
    expect(() => Pktmbuf.pool_create_extbuf(arena, mem, 'x', 5, cfg, [ok])).toThrow(expect.objectContaining({ errno: ENOMEM, message: 'ext_mem: 4 buffers for 5 mbufs (allowed: at least 5 buffers of elt_size)' }));
  });
});

describe('external buffer free callbacks', () => {
  it('the pinned callback id is built in and cannot be registered; an unregistered id at the last reference is a usage error', () => {
    expect(() => extbuf_free_cb_register(FREE_CB_PINNED_EXTMEM, () => {})).toThrow(`extbuf_free_cb_register: id ${FREE_CB_PINNED_EXTMEM} is rte_pktmbuf_free_pinned_extmem's (built in); use another`);
    const { arena, mem } = machine();
    const sh = arena.allocWords('sh', 8);
    mem.store(sh + SH_FREE_CB, 4242);
    expect(() => ext_free(mem, sh, 777)).toThrow('external buffer at 777: its free callback 4242 is not registered in this thread (extbuf_free_cb_register)');
  });
});
