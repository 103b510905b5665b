import { ConfigError, EINVAL, ENOMEM } from '../errors.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import {
  FREE_CB_PINNED_EXTMEM, MBUF_BYTES, M_BUF_ADDR, M_BUF_LEN, M_DATA_OFF, M_NB_SEGS, M_OL_FLAGS, M_POOL, M_PORT, M_PRIV_SIZE, M_REFCNT,
  M_SHINFO, PP_BYTES, PP_DATA_ROOM_SIZE, PP_FLAGS, PP_PRIV_SIZE, PP_VARIANT, RTE_MBUF_DEFAULT_BUF_SIZE, RTE_MBUF_F_EXTERNAL,
  RTE_MBUF_PORT_INVALID, RTE_MBUF_PRIV_ALIGN, RTE_PKTMBUF_HEADROOM, RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF, SHINFO_BYTES, SH_FREE_CB,
  SH_OPAQUE, SH_REFCNT,
} from './mbuf_layout.js';
import { Mempool, type MempoolConfig } from './mempool.js';
import { RteError } from './rte_errno.js';

/** rte_pktmbuf_pool_create's arguments beyond name and n. */
export interface PktmbufPoolConfig extends Omit<MempoolConfig, 'n' | 'elt_size' | 'private_data_size' | 'obj_init'> {
  /** @default 0 */
  priv_size?: number;
  /** Headroom + data room. @default RTE_MBUF_DEFAULT_BUF_SIZE (2048 + 128) */
  data_room_size?: number;
  /** MBUF_VARIANT_*: a broken variant of the mbuf code for race studies. @default 0 */
  mbuf_variant?: number;
}

/** struct rte_pktmbuf_extmem: a piece of external memory (byte addresses in the image) cut into elt_size data buffers. */
export interface PktmbufExtmem {
  buf_ptr: number;
  buf_iova: number;
  buf_len: number;
  elt_size: number;
}

function sizes(cfg: PktmbufPoolConfig): { priv: number; room: number } {
  const priv = cfg.priv_size ?? 0;
  const room = cfg.data_room_size ?? RTE_MBUF_DEFAULT_BUF_SIZE;
  // Stryker disable next-line EqualityOperator: 0xffff is no multiple of RTE_MBUF_PRIV_ALIGN, so `priv >= 0xffff` refuses the same sizes
  if (!Number.isInteger(priv) || priv < 0 || priv % RTE_MBUF_PRIV_ALIGN !== 0 || priv > 0xffff) {
    throw new RteError(EINVAL, 'priv_size', `${priv} bytes`, `a multiple of ${RTE_MBUF_PRIV_ALIGN} from 0 to 65528`);
  }
  if (!Number.isInteger(room) || room < 0 || room > 0xffff) throw new ConfigError('data_room_size', `${room} bytes`, '0 to 65535 (a uint16_t)');
  return { priv, room };
}

/** The mempool under a pktmbuf pool, its private area as rte_pktmbuf_pool_init leaves it. */
function poolOfMbufs(arena: Arena, mem: Mem, name: string, n: number, cfg: PktmbufPoolConfig, elt_size: number, flags: number, init: MempoolConfig['obj_init']): Mempool {
  const { priv_size: _p, data_room_size: _r, mbuf_variant: _v, ...poolCfg } = cfg;
  const { priv, room } = sizes(cfg);
  const mp = Mempool.create(arena, mem, name, { ...poolCfg, n, elt_size, private_data_size: PP_BYTES, obj_init: init });
  const pp = mp.get_priv();
  // Stryker disable next-line ArithmeticOperator: PP_DATA_ROOM_SIZE is 0, so pp - PP_DATA_ROOM_SIZE is pp (an equivalent mutant)
  mem.store(pp + PP_DATA_ROOM_SIZE, room);
  mem.store(pp + PP_PRIV_SIZE, priv);
  mem.store(pp + PP_FLAGS, flags);
  mem.store(pp + PP_VARIANT, cfg.mbuf_variant ?? 0);
  return mp;
}

/** rte_pktmbuf_init's fields, common to both pool kinds: header and private area zeroed (memset of mbuf_size), one segment, no port, refcnt 1. */
function initHeader(mem: Mem, m: number, pool: number, priv: number, room: number, buf_addr: number): void {
  for (let w = 0; w < (MBUF_BYTES + priv) >> 2; w++) mem.store(m + w, 0);
  mem.store(m + M_PRIV_SIZE, priv);
  mem.store(m + M_BUF_ADDR, buf_addr);
  mem.store(m + M_BUF_LEN, room);
  mem.store(m + M_DATA_OFF, Math.min(RTE_PKTMBUF_HEADROOM, room));
  mem.store(m + M_POOL, pool);
  mem.store(m + M_NB_SEGS, 1);
  mem.store(m + M_PORT, RTE_MBUF_PORT_INVALID);
  mem.store(m + M_REFCNT, 1);
}

/** rte_pktmbuf_pool_create: a mempool of mbufs, each initialised by rte_pktmbuf_init (its data room after its private area). */
export function pktmbufPoolCreate(arena: Arena, mem: Mem, name: string, n: number, cfg: PktmbufPoolConfig): Mempool {
  const { priv, room } = sizes(cfg);
  return poolOfMbufs(arena, mem, name, n, cfg, MBUF_BYTES + priv + room, 0, (pool, m) => initHeader(mem, m, pool.base, priv, room, m * 4 + MBUF_BYTES + priv));
}

/**
 * rte_pktmbuf_pool_create_extbuf: a pool whose mbufs own pinned external data buffers cut
 * from `ext_mem` in order (elt_size bytes each), with their shared info after the private
 * area; the pool's private flags say RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF. Refusals are
 * DPDK's: EINVAL for a misaligned priv_size, an empty descriptor or one whose elt_size is
 * below data_room_size; ENOMEM when the descriptors hold fewer than n buffers.
 */
export function pktmbufPoolCreateExtbuf(arena: Arena, mem: Mem, name: string, n: number, cfg: PktmbufPoolConfig, ext_mem: readonly PktmbufExtmem[]): Mempool {
  const { priv, room } = sizes(cfg);
  let elts = 0;
  for (const e of ext_mem) {
    if (!e.elt_size || !e.buf_len || !e.buf_ptr) throw new RteError(EINVAL, 'ext_mem', `descriptor {buf_ptr ${e.buf_ptr}, buf_len ${e.buf_len}, elt_size ${e.elt_size}}`, 'non-zero buf_ptr, buf_len and elt_size');
    if (room > e.elt_size) throw new RteError(EINVAL, 'ext_mem', `elt_size ${e.elt_size} below data_room_size ${room}`, `elt_size >= ${room}`);
    elts += Math.floor(e.buf_len / e.elt_size);
  }
  if (elts < n) throw new RteError(ENOMEM, 'ext_mem', `${elts} buffers for ${n} mbufs`, `at least ${n} buffers of elt_size`);
  let ext = 0;
  let off = 0;
  // __rte_pktmbuf_init_extmem, in object order.
  return poolOfMbufs(arena, mem, name, n, cfg, MBUF_BYTES + priv + SHINFO_BYTES, RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF, (pool, m) => {
    const e = ext_mem[ext];
    initHeader(mem, m, pool.base, priv, room, e.buf_ptr + off);
    off += e.elt_size;
    if (off + e.elt_size > e.buf_len) {
      off = 0;
      ext++;
    }
    mem.store(m + M_OL_FLAGS, RTE_MBUF_F_EXTERNAL);
    const sh = m + ((MBUF_BYTES + priv) >> 2);
    mem.store(m + M_SHINFO, sh);
    // Stryker disable next-line ArithmeticOperator: SH_FREE_CB is 0, so sh - SH_FREE_CB is sh (an equivalent mutant)
    mem.store(sh + SH_FREE_CB, FREE_CB_PINNED_EXTMEM);
    mem.store(sh + SH_OPAQUE, m);
    mem.store(sh + SH_REFCNT, 1);
  });
}
