import type { Pktmbuf } from '../dpdk/mbuf.js';
import type { Mempool } from '../dpdk/mempool.js';

/**
 * Multi-segment packets for the mbuf scenarios (mbuf-refcnt, pktmbuf-pipeline): a tail
 * built as a chain of its own and then chained to the head with rte_pktmbuf_chain, which
 * must add the tail's pkt_len (all its segments), not its first segment's data_len; and the
 * chain oracle: a packet's nb_segs and pkt_len agree with its segments (rte_mbuf_check).
 */

/** rte_mbuf_check's reasons that are about the chain, not one segment. */
const CHAIN_REASONS = new Set(['bad data_len', 'bad nb_segs', 'bad pkt_len']);

/**
 * A chain of `segs` segments of `bytes` each (fewer when the pool runs dry), or 0. With
 * `src`, segment k carries src[from + k * bytes ..][0..bytes).
 */
export function buildTail(pm: Pktmbuf, mp: Mempool, segs: number, bytes: number, src?: Uint8Array, from = 0): number {
  let tail = 0;
  for (let k = 0; k < segs; k++) {
    const t = pm.alloc(mp);
    if (t === 0) break;
    const at = pm.append(t, bytes);
    if (src) pm.write(at, src, from + k * bytes, bytes);
    if (tail === 0) tail = t;
    else pm.chain(tail, t);
  }
  return tail;
}

/** What rte_mbuf_check (is_header) finds wrong with a packet: its chain, the mbuf itself, or nothing. */
export function checkPacket(pm: Pktmbuf, m: number): 'chain' | 'mbuf' | null {
  const reason = pm.check(m, true);
  if (reason === null) return null;
  return CHAIN_REASONS.has(reason) ? 'chain' : 'mbuf';
}

/** A packet as built: `segs` segments, `pktLen` bytes in all, and a chain that agrees with itself. */
export function chainAsBuilt(pm: Pktmbuf, m: number, segs: number, pktLen: number): boolean {
  return pm.nb_segs(m) === segs && pm.pkt_len(m) === pktLen && pm.check(m, true) === null;
}
