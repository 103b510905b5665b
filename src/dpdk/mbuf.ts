import { EOVERFLOW, MemraceError } from '../errors.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import { MbufCore } from './mbuf_core.js';
import {
  MBUF_BYTES, M_BUF_ADDR, M_BUF_LEN, M_DATA_LEN, M_DATA_OFF, M_NB_SEGS, M_NEXT, M_OL_FLAGS, M_PKT_LEN, M_POOL, M_PORT,
  PP_BYTES, RTE_MBUF_DEFAULT_BUF_SIZE, RTE_MBUF_F_EXTERNAL, RTE_MBUF_F_INDIRECT, RTE_MBUF_MAX_NB_SEGS,
} from './mbuf_layout.js';
import { pktmbufPoolCreate, pktmbufPoolCreateExtbuf, type PktmbufExtmem, type PktmbufPoolConfig } from './mbuf_pool.js';
import { Mempool } from './mempool.js';

export type { PktmbufExtmem, PktmbufPoolConfig } from './mbuf_pool.js';

/** Pktmbuf.read_ptr's result when the bytes were copied into the caller's buffer. */
export const READ_COPIED = -1;

/**
 * rte_mbuf's pktmbuf API over mbufs in the image: data pointers are byte offsets into
 * `mem.u8`, where the packet bytes really are. One instance per thread, given the pool
 * handles (with their lcore) it allocates from and frees into.
 */
export class Pktmbuf extends MbufCore {
  /** rte_pktmbuf_pool_create: a mempool of mbufs, each initialised by rte_pktmbuf_init. */
  static pool_create(arena: Arena, mem: Mem, name: string, n: number, cfg: PktmbufPoolConfig = {}): Mempool {
    return pktmbufPoolCreate(arena, mem, name, n, cfg);
  }

  /** rte_pktmbuf_pool_create_extbuf: mbufs with pinned external buffers cut from ext_mem (mbuf_pool.ts). */
  static pool_create_extbuf(arena: Arena, mem: Mem, name: string, n: number, cfg: PktmbufPoolConfig, ext_mem: readonly PktmbufExtmem[]): Mempool {
    return pktmbufPoolCreateExtbuf(arena, mem, name, n, cfg, ext_mem);
  }

  /** Bytes a pktmbuf pool of n takes in the image. */
  static pool_memsize(n: number, cfg: PktmbufPoolConfig = {}): number {
    return Mempool.memsize({ ...cfg, n, elt_size: MBUF_BYTES + (cfg.priv_size ?? 0) + (cfg.data_room_size ?? RTE_MBUF_DEFAULT_BUF_SIZE), private_data_size: PP_BYTES });
  }

  /** rte_pktmbuf_headroom. */
  headroom(m: number): number {
    return this.mem.read(m + M_DATA_OFF);
  }

  /** rte_pktmbuf_tailroom. */
  tailroom(m: number): number {
    return this.mem.read(m + M_BUF_LEN) - this.mem.read(m + M_DATA_OFF) - this.mem.read(m + M_DATA_LEN);
  }

  /** rte_pktmbuf_mtod_offset: byte offset in the image of the data at `offset` in this segment. */
  mtod(m: number, offset = 0): number {
    return this.mem.read(m + M_BUF_ADDR) + this.mem.read(m + M_DATA_OFF) + offset;
  }

  /** rte_pktmbuf_lastseg. */
  lastseg(m: number): number {
    let n: number;
    while ((n = this.mem.read(m + M_NEXT)) !== 0) m = n;
    return m;
  }

  /** rte_pktmbuf_prepend: grow into the headroom; the new data start, or 0 (NULL) when len > headroom. len is a uint16_t, truncated as C does. */
  prepend(m: number, len: number): number {
    const mem = this.mem;
    len &= 0xffff;
    const off = mem.read(m + M_DATA_OFF);
    if (len > off) return 0;
    mem.write(m + M_DATA_OFF, off - len);
    mem.write(m + M_DATA_LEN, mem.read(m + M_DATA_LEN) + len);
    mem.write(m + M_PKT_LEN, mem.read(m + M_PKT_LEN) + len);
    return mem.read(m + M_BUF_ADDR) + off - len;
  }

  /** rte_pktmbuf_append: grow the last segment into its tailroom; the old tail, or 0 (NULL) when it does not fit. len is a uint16_t. */
  append(m: number, len: number): number {
    const mem = this.mem;
    len &= 0xffff;
    const last = this.lastseg(m);
    if (len > this.tailroom(last)) return 0;
    const tail = this.mtod(last, mem.read(last + M_DATA_LEN));
    mem.write(last + M_DATA_LEN, mem.read(last + M_DATA_LEN) + len);
    mem.write(m + M_PKT_LEN, mem.read(m + M_PKT_LEN) + len);
    return tail;
  }

  /** rte_pktmbuf_adj: drop len bytes from the front of the first segment; the new start, or 0 (NULL) when len > data_len. len is a uint16_t. */
  adj(m: number, len: number): number {
    const mem = this.mem;
    len &= 0xffff;
    const dl = mem.read(m + M_DATA_LEN);
    if (len > dl) return 0;
    mem.write(m + M_DATA_LEN, dl - len);
    mem.write(m + M_DATA_OFF, mem.read(m + M_DATA_OFF) + len);
    mem.write(m + M_PKT_LEN, mem.read(m + M_PKT_LEN) - len);
    return this.mtod(m);
  }

  /** rte_pktmbuf_trim: drop len bytes from the end of the last segment; 0, or -1 when len > its data_len. len is a uint16_t. */
  trim(m: number, len: number): number {
    len &= 0xffff;
    const last = this.lastseg(m);
    const dl = this.mem.read(last + M_DATA_LEN);
    if (len > dl) return -1;
    this.mem.write(last + M_DATA_LEN, dl - len);
    this.mem.write(m + M_PKT_LEN, this.mem.read(m + M_PKT_LEN) - len);
    return 0;
  }

  /** rte_pktmbuf_chain: link tail after head's last segment; 0, or -EOVERFLOW past 65535 segments. */
  chain(head: number, tail: number): number {
    const mem = this.mem;
    const segs = mem.read(head + M_NB_SEGS) + mem.read(tail + M_NB_SEGS);
    if (segs > RTE_MBUF_MAX_NB_SEGS) return -EOVERFLOW;
    mem.write(this.lastseg(head) + M_NEXT, tail);
    mem.write(head + M_NB_SEGS, segs);
    mem.write(head + M_PKT_LEN, mem.read(head + M_PKT_LEN) + mem.read(tail + (this.chainDataLen ? M_DATA_LEN : M_PKT_LEN)));
    // pkt_len is only meaningful in the head.
    mem.write(tail + M_PKT_LEN, mem.read(tail + M_DATA_LEN));
    return 0;
  }

  /** rte_pktmbuf_is_contiguous: one segment. */
  is_contiguous(m: number): boolean {
    return this.mem.read(m + M_NB_SEGS) === 1;
  }

  /**
   * rte_pktmbuf_linearize: move every later segment's data into the first segment's
   * tailroom and free those segments; 0, or -1 (nothing changed) when the tailroom is too
   * small for them.
   */
  linearize(m: number): number {
    const mem = this.mem;
    // Stryker disable next-line ConditionalExpression,ArithmeticOperator: on one segment the general path below moves nothing and leaves the same mbuf (pkt_len == data_len, no next, nb_segs 1): only a shortcut
    if (mem.read(m + M_NB_SEGS) === 1) return 0;
    const dl = mem.read(m + M_DATA_LEN);
    const pktLen = mem.read(m + M_PKT_LEN);
    if (pktLen - dl > this.tailroom(m)) return -1;
    let dst = this.mtod(m, dl);
    mem.write(m + M_DATA_LEN, pktLen & 0xffff);
    for (let seg = mem.read(m + M_NEXT); seg !== 0; ) {
      const next = mem.read(seg + M_NEXT);
      const len = mem.read(seg + M_DATA_LEN);
      const src = this.mtod(seg);
      mem.u8.copyWithin(dst, src, src + len);
      dst += len;
      this.free_seg(seg);
      seg = next;
    }
    mem.write(m + M_NEXT, 0);
    mem.write(m + M_NB_SEGS, 1);
    return 0;
  }

  /** Write bytes at a data pointer (the packet bytes are in the image). */
  write(at: number, bytes: ArrayLike<number>, from = 0, len = bytes.length - from): void {
    const u8 = this.mem.u8;
    for (let i = 0; i < len; i++) u8[at + i] = bytes[from + i];
  }

  /**
   * rte_pktmbuf_read: the len bytes at offset off of the packet. When they lie in one
   * segment the result is a view of the packet data itself (rte_pktmbuf_mtod_offset:
   * writing through it changes the packet, and buf is not touched); otherwise they are
   * copied into buf, which is returned. null when off + len passes pkt_len. off and len
   * are uint32_t (converted as C converts them); their sum is taken in 64 bits, as DPDK
   * does since 26.03 (before it, off + len wrapped: off 1 with len UINT_MAX read as
   * contiguous). A data path that must not allocate the view calls read_ptr.
   */
  read(m: number, off: number, len: number, buf: Uint8Array | null): Uint8Array | null {
    const at = this.read_ptr(m, off, len, buf);
    if (at === 0) return null;
    return at === READ_COPIED ? buf : this.mem.u8.subarray(at, at + (len >>> 0));
  }

  /**
   * rte_pktmbuf_read as the pointer it returns, allocating nothing: the byte address in
   * `mem.u8` where the len bytes lie when they are contiguous, READ_COPIED (-1) when they
   * were copied into buf[0..len), 0 (NULL) when off + len passes pkt_len.
   */
  read_ptr(m: number, off: number, len: number, buf: Uint8Array | null): number {
    off >>>= 0;
    len >>>= 0;
    if (off + len <= this.mem.read(m + M_DATA_LEN)) return this.mtod(m, off);
    return this.read_split(m, off, len, buf);
  }

  /**
   * __rte_pktmbuf_read. DPDK's segment walk follows next past the last segment when off
   * equals pkt_len on a chain (a NULL dereference); here the walk stops at the last
   * segment and gives the empty view at its end. A chain shorter than its pkt_len
   * (corrupt) gives NULL.
   */
  private read_split(m: number, off: number, len: number, buf: Uint8Array | null): number {
    const mem = this.mem;
    if (off + len > mem.read(m + M_PKT_LEN)) return 0;
    let seg = m;
    let next: number;
    while (off >= mem.read(seg + M_DATA_LEN) && (next = mem.read(seg + M_NEXT)) !== 0) {
      off -= mem.read(seg + M_DATA_LEN);
      seg = next;
    }
    if (off + len <= mem.read(seg + M_DATA_LEN)) return this.mtod(seg, off);
    if (buf === null || buf.length < len) {
      throw new MemraceError('E_USAGE', `rte_pktmbuf_read: ${len} bytes at offset ${off} span segments and must be copied, but buf holds ${buf?.length ?? 'nothing (NULL)'}`);
    }
    const u8 = mem.u8;
    for (let done = 0; done < len; seg = mem.read(seg + M_NEXT), off = 0) {
      if (seg === 0) return 0;
      const at = this.mtod(seg, off);
      let n = mem.read(seg + M_DATA_LEN) - off;
      if (n > len - done) n = len - done;
      for (let i = 0; i < n; i++) buf[done + i] = u8[at + i];
      done += n;
    }
    return READ_COPIED;
  }

  /**
   * rte_pktmbuf_copy: a deep copy of bytes [off, off + len) (len truncated to what the
   * packet has) into fresh mbufs from mp, chained as the data needs; 0 when off passes
   * pkt_len or mp runs out (what was allocated is freed).
   */
  copy(m: number, mp: Mempool, off: number, len: number): number {
    const mem = this.mem;
    off >>>= 0;
    len >>>= 0;
    const pktLen = mem.read(m + M_PKT_LEN);
    if (off > pktLen) return 0;
    const mc = this.alloc(mp);
    if (mc === 0) return 0;
    // Stryker disable next-line EqualityOperator: at equality the assignment stores the value len already has
    if (len > pktLen - off) len = pktLen - off;
    this.copy_hdr(mc, m);
    mem.write(mc + M_OL_FLAGS, mem.read(mc + M_OL_FLAGS) | (mem.read(m + M_OL_FLAGS) & ~(RTE_MBUF_F_INDIRECT | RTE_MBUF_F_EXTERNAL)));
    const u8 = mem.u8;
    let seg = m;
    let last = mc;
    while (len > 0) {
      while (off >= mem.read(seg + M_DATA_LEN)) {
        off -= mem.read(seg + M_DATA_LEN);
        seg = mem.read(seg + M_NEXT);
      }
      if (this.tailroom(last) === 0) {
        const nm = this.alloc(mp);
        if (nm === 0) {
          this.free(mc);
          return 0;
        }
        mem.write(mc + M_NB_SEGS, mem.read(mc + M_NB_SEGS) + 1);
        mem.write(last + M_NEXT, nm);
        last = nm;
      }
      let n = mem.read(seg + M_DATA_LEN) - off;
      // Stryker disable next-line EqualityOperator: at equality the assignment stores the value n already has
      if (n > len) n = len;
      // Stryker disable next-line EqualityOperator: at equality the assignment stores the value n already has
      if (n > this.tailroom(last)) n = this.tailroom(last);
      const dst = this.mtod(last, mem.read(last + M_DATA_LEN));
      const src = this.mtod(seg, off);
      for (let i = 0; i < n; i++) u8[dst + i] = u8[src + i];
      mem.write(last + M_DATA_LEN, mem.read(last + M_DATA_LEN) + n);
      mem.write(mc + M_PKT_LEN, mem.read(mc + M_PKT_LEN) + n);
      off += n;
      len -= n;
    }
    return mc;
  }

  /**
   * rte_mbuf_check: null when the mbuf looks sane, else DPDK's reason. A header
   * (is_header) also has its chain checked: segment count and pkt_len against the chain.
   */
  check(m: number, isHeader: boolean): string | null {
    const mem = this.mem;
    if (m === 0) return 'mbuf is NULL';
    if (mem.read(m + M_POOL) === 0) return 'bad mbuf pool';
    // Stryker disable next-line ArithmeticOperator: M_BUF_ADDR is 0, so m - M_BUF_ADDR is m (an equivalent mutant)
    if (mem.read(m + M_BUF_ADDR) === 0) return 'bad virt addr';
    const cnt = this.refcnt_read(m);
    if (cnt === 0 || cnt === 0xffff) return 'bad ref cnt';
    if (!isHeader) return null;
    if (mem.read(m + M_DATA_LEN) > mem.read(m + M_PKT_LEN)) return 'bad data_len';
    let segs = mem.read(m + M_NB_SEGS);
    let pktLen = mem.read(m + M_PKT_LEN);
    // A corrupt chain may loop: walk at most the segment limit.
    // Stryker disable next-line EqualityOperator: nb_segs is 16-bit, so a walk of 65535 or 65536 segments of a looping chain both end in 'bad nb_segs' (an equivalent mutant)
    for (let s = m, k = 0; s !== 0 && k <= RTE_MBUF_MAX_NB_SEGS; s = mem.read(s + M_NEXT), k++) {
      if (mem.read(s + M_DATA_OFF) > mem.read(s + M_BUF_LEN)) return 'data offset too big in mbuf segment';
      if (mem.read(s + M_DATA_OFF) + mem.read(s + M_DATA_LEN) > mem.read(s + M_BUF_LEN)) return 'data length too big in mbuf segment';
      segs--;
      pktLen -= mem.read(s + M_DATA_LEN);
    }
    if (segs !== 0) return 'bad nb_segs';
    if (pktLen !== 0) return 'bad pkt_len';
    return null;
  }

  /** rte_pktmbuf_dump: the header line, then each segment with up to dump_len bytes in hex. */
  dump(m: number, dumpLen: number): string {
    const mem = this.mem;
    const lines = [
      `dump mbuf at ${m * 4}, buf_len=${mem.read(m + M_BUF_LEN)}`,
      `  pkt_len=${mem.read(m + M_PKT_LEN)}, ol_flags=${mem.read(m + M_OL_FLAGS).toString(16)}, nb_segs=${mem.read(m + M_NB_SEGS)}, port=${mem.read(m + M_PORT)}`,
    ];
    for (let s = m, segs = mem.read(m + M_NB_SEGS); s !== 0 && segs > 0; s = mem.read(s + M_NEXT), segs--) {
      const dl = mem.read(s + M_DATA_LEN);
      lines.push(`  segment at ${s * 4}, data=${this.mtod(s)}, len=${dl}, off=${mem.read(s + M_DATA_OFF)}, refcnt=${this.refcnt_read(s)}`);
      const len = Math.min(dumpLen, dl);
      for (let i = 0; i < len; i += 16) {
        const row = Array.from(mem.u8.subarray(this.mtod(s, i), this.mtod(s, Math.min(i + 16, len))), (b) => b.toString(16).padStart(2, '0'));
        lines.push(`    ${i.toString(16).padStart(8, '0')}: ${row.join(' ')}`);
      }
      dumpLen -= len;
    }
    return lines.join('\n');
  }
}
