import { ENOENT } from '../errors.js';
import type { Mem } from '../shm/mem.js';
import { Mempool } from './mempool.js';
import { ext_free } from './mbuf_extbuf.js';
import {
  MBUF_BYTES, MBUF_VARIANT_CHAIN_DATA_LEN, MBUF_VARIANT_PLAIN_REFCNT, M_BUF_ADDR, M_DYNFIELD1, M_DYNFIELD2, M_BUF_LEN, M_DATA_LEN, M_DATA_OFF, M_HASH, M_NB_SEGS, M_NEXT,
  M_OL_FLAGS, M_PACKET_TYPE, M_PKT_LEN, M_POOL, M_PORT, M_PRIV_SIZE, M_REFCNT, M_TX_OFFLOAD, M_VLAN_TCI,
  M_SHINFO, PP_DATA_ROOM_SIZE, PP_FLAGS, PP_PRIV_SIZE, PP_VARIANT, RTE_MBUF_F_EXTERNAL, RTE_MBUF_F_INDIRECT, RTE_MBUF_PORT_INVALID,
  RTE_PKTMBUF_HEADROOM, RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF, SH_FREE_CB, SH_OPAQUE, SH_REFCNT, FREE_CB_PINNED_EXTMEM,
} from './mbuf_layout.js';

/**
 * The mbuf life cycle: allocation, reference counting, attach/detach, clone, free. Only the
 * refcnt is shared between owners and moves atomically; every other field belongs to
 * whoever holds the mbuf and was handed over through a ring (whose atomics order it), so
 * it is read and written plainly, as DPDK does.
 */
export class MbufCore {
  /** Handles of the pools this thread frees into, by base word (one lookup per free). */
  protected readonly pools: Mempool[];
  private readonly bases: Int32Array;
  private readonly plainRefcnt: boolean;
  /** The broken rte_pktmbuf_chain (MBUF_VARIANT_CHAIN_DATA_LEN). */
  protected readonly chainDataLen: boolean;

  constructor(
    readonly mem: Mem,
    pools: readonly Mempool[],
  ) {
    this.pools = [...pools];
    this.bases = Int32Array.from(pools, (p) => p.base);
    this.plainRefcnt = pools.some((p) => mem.load(p.get_priv() + PP_VARIANT) === MBUF_VARIANT_PLAIN_REFCNT);
    this.chainDataLen = pools.some((p) => mem.load(p.get_priv() + PP_VARIANT) === MBUF_VARIANT_CHAIN_DATA_LEN);
  }

  private readonly one = new Int32Array(1);

  /** m->pool, as this thread's handle. */
  poolOf(m: number): Mempool {
    const base = this.mem.read(m + M_POOL);
    const b = this.bases;
    // Stryker disable next-line EqualityOperator: b[b.length] is undefined and never equals a base word, so `<=` ends the same
    for (let i = 0; i < b.length; i++) if (b[i] === base) return this.pools[i];
    // Freeing into a pool this thread was not given: a setup mistake, not a data-path result.
    throw new Error(`mbuf ${m} belongs to a pool (base ${base}) this Pktmbuf was not given`);
  }

  // ---- fields ------------------------------------------------------------------------

  field(m: number, f: number): number {
    return this.mem.read(m + f);
  }

  setField(m: number, f: number, v: number): void {
    this.mem.write(m + f, v);
  }

  pkt_len(m: number): number {
    return this.mem.read(m + M_PKT_LEN);
  }

  data_len(m: number): number {
    return this.mem.read(m + M_DATA_LEN);
  }

  nb_segs(m: number): number {
    return this.mem.read(m + M_NB_SEGS);
  }

  next(m: number): number {
    return this.mem.read(m + M_NEXT);
  }

  /** RTE_MBUF_DIRECT: neither indirect nor external. */
  is_direct(m: number): boolean {
    return (this.mem.read(m + M_OL_FLAGS) & (RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL)) === 0;
  }

  /** RTE_MBUF_CLONED. */
  is_cloned(m: number): boolean {
    return (this.mem.read(m + M_OL_FLAGS) & RTE_MBUF_F_INDIRECT) !== 0;
  }

  /** rte_mbuf_from_indirect: the direct mbuf whose data room an indirect one points at. */
  from_indirect(mi: number): number {
    return (this.mem.read(mi + M_BUF_ADDR) - MBUF_BYTES - this.mem.read(mi + M_PRIV_SIZE)) >> 2;
  }

  // ---- refcnt (16-bit) ------------------------------------------------------------------

  /** rte_mbuf_refcnt_read: a relaxed load in DPDK, so a plain (tear-free) read here. */
  refcnt_read(m: number): number {
    return this.mem.read(m + M_REFCNT) & 0xffff;
  }

  /** rte_mbuf_refcnt_set: a relaxed store; only the sole owner sets the count. */
  refcnt_set(m: number, v: number): void {
    this.mem.write(m + M_REFCNT, v & 0xffff);
  }

  /**
   * rte_mbuf_refcnt_update: returns the new count. At 1 the caller is the only owner, so
   * no atomic is needed (DPDK's fast path); otherwise an atomic add, unless the pool runs
   * the plain-refcnt broken variant, whose read-modify-write loses concurrent updates.
   */
  refcnt_update(m: number, v: number): number {
    return this.refcnt_update_word(m + M_REFCNT, v);
  }

  /** rte_mbuf_refcnt_update's body on any 16-bit refcnt word: an mbuf's, or an external buffer's shared info. */
  private refcnt_update_word(w: number, v: number): number {
    if ((this.mem.read(w) & 0xffff) === 1) {
      this.mem.write(w, (1 + v) & 0xffff);
      return (1 + v) & 0xffff;
    }
    return this.refcnt_add(w, v);
  }

  /** __rte_mbuf_refcnt_update: the shared case, always an atomic add (a plain one in the broken variant). */
  private refcnt_add(w: number, v: number): number {
    if (this.plainRefcnt) {
      const nv = (this.mem.read(w) + v) & 0xffff;
      this.mem.write(w, nv);
      return nv;
    }
    return (this.mem.add(w, v) + v) & 0xffff;
  }

  /** rte_mbuf_ext_refcnt_read: the shared info's count (relaxed). */
  ext_refcnt_read(shinfo: number): number {
    return this.mem.read(shinfo + SH_REFCNT) & 0xffff;
  }

  /** rte_mbuf_ext_refcnt_set. */
  ext_refcnt_set(shinfo: number, v: number): void {
    this.mem.write(shinfo + SH_REFCNT, v & 0xffff);
  }

  /** rte_mbuf_ext_refcnt_update: the same arithmetic (and broken variant) as an mbuf's refcnt. */
  ext_refcnt_update(shinfo: number, v: number): number {
    return this.refcnt_update_word(shinfo + SH_REFCNT, v);
  }

  /** rte_pktmbuf_refcnt_update: every segment of a chain. */
  pktmbuf_refcnt_update(m: number, v: number): void {
    for (; m !== 0; m = this.next(m)) this.refcnt_update(m, v);
  }

  // ---- allocation ----------------------------------------------------------------------

  /** rte_pktmbuf_reset_headroom. */
  reset_headroom(m: number): void {
    const bufLen = this.mem.read(m + M_BUF_LEN);
    // Stryker disable next-line EqualityOperator: at bufLen === RTE_PKTMBUF_HEADROOM both arms are the same value (RTE_MIN)
    this.mem.write(m + M_DATA_OFF, bufLen < RTE_PKTMBUF_HEADROOM ? bufLen : RTE_PKTMBUF_HEADROOM);
  }

  /** rte_pktmbuf_reset: a fresh single-segment packet of length 0. */
  reset(m: number): void {
    const mem = this.mem;
    mem.write(m + M_NEXT, 0);
    mem.write(m + M_PKT_LEN, 0);
    mem.write(m + M_TX_OFFLOAD, 0);
    mem.write(m + M_VLAN_TCI, 0);
    mem.write(m + M_NB_SEGS, 1);
    mem.write(m + M_PORT, RTE_MBUF_PORT_INVALID);
    mem.write(m + M_OL_FLAGS, mem.read(m + M_OL_FLAGS) & RTE_MBUF_F_EXTERNAL);
    mem.write(m + M_PACKET_TYPE, 0);
    this.reset_headroom(m);
    mem.write(m + M_DATA_LEN, 0);
  }

  /** rte_mbuf_raw_alloc: as the pool holds it (refcnt 1, one segment); 0 when the pool is empty. */
  raw_alloc(mp: Mempool): number {
    return mp.get(this.one) === 0 ? this.one[0] : 0;
  }

  /** rte_pktmbuf_alloc: raw_alloc + reset; 0 when the pool is empty. */
  alloc(mp: Mempool): number {
    const m = this.raw_alloc(mp);
    if (m !== 0) this.reset(m);
    return m;
  }

  /** rte_pktmbuf_alloc_bulk: all n reset mbufs or none (0 or -ENOENT). */
  alloc_bulk(mp: Mempool, out: Int32Array, n: number, off = 0): number {
    if (mp.get_bulk(out, n, off) !== 0) return -ENOENT;
    for (let i = 0; i < n; i++) this.reset(out[off + i]);
    return 0;
  }

  /** rte_mbuf_raw_free: a direct, single-segment mbuf with refcnt 1, straight back to its pool. */
  raw_free(m: number): void {
    this.poolOf(m).put(m);
  }

  // ---- attach / detach / clone --------------------------------------------------------

  /** RTE_MBUF_HAS_EXTBUF. */
  has_extbuf(m: number): boolean {
    return (this.mem.read(m + M_OL_FLAGS) & RTE_MBUF_F_EXTERNAL) !== 0;
  }

  /** RTE_MBUF_HAS_PINNED_EXTBUF: m's pool was made by rte_pktmbuf_pool_create_extbuf (its buffers are pinned to its mbufs). */
  has_pinned_extbuf(m: number): boolean {
    return (this.mem.read(this.poolOf(m).get_priv() + PP_FLAGS) & RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF) !== 0;
  }

  /**
   * rte_pktmbuf_attach_extbuf: m's data becomes the external buffer [buf_addr, buf_addr +
   * buf_len) (bytes in the image), empty, with its shared info `shinfo` (word index, from
   * ext_shinfo_init_helper). m must be direct with refcnt 1. buf_iova is not kept: an
   * address in the image is its own IOVA.
   */
  attach_extbuf(m: number, buf_addr: number, _buf_iova: number, buf_len: number, shinfo: number): void {
    const mem = this.mem;
    // Stryker disable next-line ArithmeticOperator: M_BUF_ADDR is 0, so m - M_BUF_ADDR is m (an equivalent mutant)
    mem.write(m + M_BUF_ADDR, buf_addr);
    mem.write(m + M_BUF_LEN, buf_len & 0xffff);
    mem.write(m + M_DATA_LEN, 0);
    mem.write(m + M_DATA_OFF, 0);
    mem.write(m + M_OL_FLAGS, mem.read(m + M_OL_FLAGS) | RTE_MBUF_F_EXTERNAL);
    mem.write(m + M_SHINFO, shinfo);
  }

  /**
   * rte_pktmbuf_attach: make mi share m's data. Over an external buffer, mi is external too
   * and the shared info counts one more reference; otherwise mi is indirect, and attaching
   * to an indirect mbuf attaches to its direct one, whose refcnt counts one more reference.
   */
  attach(mi: number, m: number): void {
    const mem = this.mem;
    if (this.has_extbuf(m)) {
      this.ext_refcnt_update(mem.read(m + M_SHINFO), 1);
      mem.write(mi + M_OL_FLAGS, mem.read(m + M_OL_FLAGS));
      mem.write(mi + M_SHINFO, mem.read(m + M_SHINFO));
    } else {
      this.refcnt_update(this.is_direct(m) ? m : this.from_indirect(m), 1);
      mem.write(mi + M_PRIV_SIZE, mem.read(m + M_PRIV_SIZE));
      mem.write(mi + M_OL_FLAGS, mem.read(m + M_OL_FLAGS) | RTE_MBUF_F_INDIRECT);
    }
    this.copy_hdr(mi, m);
    mem.write(mi + M_DATA_OFF, mem.read(m + M_DATA_OFF));
    mem.write(mi + M_DATA_LEN, mem.read(m + M_DATA_LEN));
    // Stryker disable next-line ArithmeticOperator: M_BUF_ADDR is 0, so mi - M_BUF_ADDR and m - M_BUF_ADDR are mi and m (equivalent mutants)
    mem.write(mi + M_BUF_ADDR, mem.read(m + M_BUF_ADDR));
    mem.write(mi + M_BUF_LEN, mem.read(m + M_BUF_LEN));
    mem.write(mi + M_NEXT, 0);
    mem.write(mi + M_PKT_LEN, mem.read(mi + M_DATA_LEN));
    mem.write(mi + M_NB_SEGS, 1);
  }

  /** __rte_pktmbuf_copy_hdr: the per-packet metadata a clone or copy carries over, dynamic fields included. */
  copy_hdr(mdst: number, msrc: number): void {
    const mem = this.mem;
    mem.write(mdst + M_PORT, mem.read(msrc + M_PORT));
    mem.write(mdst + M_VLAN_TCI, mem.read(msrc + M_VLAN_TCI));
    mem.write(mdst + M_TX_OFFLOAD, mem.read(msrc + M_TX_OFFLOAD));
    mem.write(mdst + M_HASH, mem.read(msrc + M_HASH));
    mem.write(mdst + M_PACKET_TYPE, mem.read(msrc + M_PACKET_TYPE));
    mem.write(mdst + M_DYNFIELD1, mem.read(msrc + M_DYNFIELD1));
    mem.write(mdst + M_DYNFIELD2, mem.read(msrc + M_DYNFIELD2));
  }

  /** __rte_pktmbuf_free_direct: drop the reference an indirect mbuf holds; free the direct one at zero. */
  private free_direct(m: number): void {
    const md = this.from_indirect(m);
    if (this.refcnt_update(md, -1) === 0) {
      this.mem.write(md + M_NEXT, 0);
      this.mem.write(md + M_NB_SEGS, 1);
      this.refcnt_set(md, 1);
      this.raw_free(md);
    }
  }

  /**
   * __rte_pktmbuf_free_extbuf: drop m's reference on its external buffer; the last one
   * calls the buffer's free callback, which for a pinned buffer is
   * rte_pktmbuf_free_pinned_extmem (its mbuf goes back to the pool).
   */
  private free_extbuf(m: number): void {
    const mem = this.mem;
    const sh = mem.read(m + M_SHINFO);
    if (this.ext_refcnt_update(sh, -1) !== 0) return;
    if (mem.read(sh + SH_FREE_CB) === FREE_CB_PINNED_EXTMEM) this.free_pinned_extmem(mem.read(sh + SH_OPAQUE));
    // Stryker disable next-line ArithmeticOperator: M_BUF_ADDR is 0, so m - M_BUF_ADDR is m (an equivalent mutant)
    else ext_free(mem, sh, mem.read(m + M_BUF_ADDR));
  }

  /** rte_pktmbuf_free_pinned_extmem: the mbuf that owns a pinned buffer, back to its pool once nothing shares the buffer. */
  private free_pinned_extmem(m: number): void {
    const mem = this.mem;
    this.ext_refcnt_set(mem.read(m + M_SHINFO), 1);
    // Stryker disable next-line ArithmeticOperator: pinned_extbuf_decref left m's flags RTE_MBUF_F_EXTERNAL when m was freed, and nothing holds m since (an equivalent mutant; DPDK sets them again all the same)
    mem.write(m + M_OL_FLAGS, RTE_MBUF_F_EXTERNAL);
    mem.write(m + M_NEXT, 0);
    mem.write(m + M_NB_SEGS, 1);
    this.raw_free(m);
  }

  /**
   * __rte_pktmbuf_pinned_extbuf_decref: an mbuf of a pinned pool is being freed; true when
   * clones still share its buffer (the last of them frees it through the callback).
   */
  private pinned_extbuf_decref(m: number): boolean {
    const mem = this.mem;
    mem.write(m + M_OL_FLAGS, RTE_MBUF_F_EXTERNAL);
    const sh = mem.read(m + M_SHINFO);
    if (this.ext_refcnt_read(sh) === 1) return false;
    if (((mem.add(sh + SH_REFCNT, -1) - 1) & 0xffff) !== 0) return true;
    this.ext_refcnt_set(sh, 1);
    return false;
  }

  /**
   * rte_pktmbuf_detach (and rte_pktmbuf_detach_extbuf): give an indirect or external mbuf
   * its own data room back, dropping the reference it held (the last one on an external
   * buffer calls its free callback). An mbuf of a pinned pool keeps its buffer.
   */
  detach(m: number): void {
    const mem = this.mem;
    if (this.has_extbuf(m)) {
      if (this.has_pinned_extbuf(m)) return;
      this.free_extbuf(m);
    } else {
      this.free_direct(m);
    }
    const poolPriv = this.poolOf(m).get_priv();
    const priv = mem.read(poolPriv + PP_PRIV_SIZE);
    mem.write(m + M_PRIV_SIZE, priv);
    mem.write(m + M_BUF_ADDR, m * 4 + MBUF_BYTES + priv);
    mem.write(m + M_BUF_LEN, mem.read(poolPriv + PP_DATA_ROOM_SIZE));
    this.reset_headroom(m);
    mem.write(m + M_DATA_LEN, 0);
    mem.write(m + M_OL_FLAGS, 0);
  }

  /**
   * rte_pktmbuf_clone: one indirect mbuf from mp per segment of md. If an allocation fails
   * part way, the segments already attached are freed (dropping their references) and the
   * result is 0.
   */
  clone(md: number, mp: Mempool): number {
    const mc = this.alloc(mp);
    if (mc === 0) return 0;
    const pktLen = this.pkt_len(md);
    let mi = mc;
    let prev = 0;
    let nseg = 0;
    for (;;) {
      nseg++;
      this.attach(mi, md);
      if (prev !== 0) this.mem.write(prev + M_NEXT, mi);
      prev = mi;
      md = this.next(md);
      if (md === 0) break;
      mi = this.alloc(mp);
      if (mi === 0) break;
    }
    this.mem.write(mc + M_NB_SEGS, nseg);
    this.mem.write(mc + M_PKT_LEN, pktLen);
    if (mi === 0) {
      this.free(mc);
      return 0;
    }
    return mc;
  }

  // ---- free ------------------------------------------------------------------------

  /**
   * rte_pktmbuf_prefree_seg: drop one reference; returns m when it was the last (reset to
   * what a free mbuf must be: refcnt 1, no next, one segment, detached), else 0.
   */
  prefree_seg(m: number): number {
    // At refcnt 1 the mbuf is ours alone and already holds the refcnt a free mbuf needs:
    // no atomic at all on the common path.
    const sole = this.refcnt_read(m) === 1;
    if (!sole && this.refcnt_add(m + M_REFCNT, -1) !== 0) return 0;
    if (!this.is_direct(m)) {
      this.detach(m);
      // Stryker disable next-line LogicalOperator: after detach only a pinned-pool mbuf is still EXTERNAL, and a pinned-pool mbuf is never attached as indirect (rte_pktmbuf_attach wants a direct mi), so `||` selects the same mbufs
      if (this.has_extbuf(m) && this.has_pinned_extbuf(m) && this.pinned_extbuf_decref(m)) return 0;
    }
    if (this.mem.read(m + M_NEXT) !== 0) this.mem.write(m + M_NEXT, 0);
    if (this.mem.read(m + M_NB_SEGS) !== 1) this.mem.write(m + M_NB_SEGS, 1);
    if (!sole) this.refcnt_set(m, 1);
    return m;
  }

  /** rte_pktmbuf_free_seg: one segment (its next is not followed). */
  free_seg(m: number): void {
    if (this.prefree_seg(m) !== 0) this.raw_free(m);
  }

  /** rte_pktmbuf_free: the whole chain; 0 is allowed and ignored. */
  free(m: number): void {
    while (m !== 0) {
      const next = this.next(m);
      this.free_seg(m);
      m = next;
    }
  }

  private pending = new Int32Array(64);

  /**
   * rte_pktmbuf_free_bulk: skips nulls, walks chains, and puts the freed segments in bulks
   * of up to 64 per pool (a bulk is flushed when the next segment's pool differs).
   */
  free_bulk(mbufs: Int32Array, count: number, off = 0): void {
    const pending = this.pending;
    let np = 0;
    let pool = 0;
    for (let i = 0; i < count; i++) {
      let m = mbufs[off + i];
      while (m !== 0) {
        const next = this.next(m);
        if (this.prefree_seg(m) !== 0) {
          const p = this.mem.read(m + M_POOL);
          if (np === pending.length || (np > 0 && p !== pool)) {
            this.poolOf(pending[0]).put_bulk(pending, np);
            np = 0;
          }
          pool = p;
          pending[np++] = m;
        }
        m = next;
      }
    }
    if (np > 0) this.poolOf(pending[0]).put_bulk(pending, np);
  }
}
