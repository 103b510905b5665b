import { MemraceError } from '../errors.js';
import type { Mem } from '../shm/mem.js';
import { FREE_CB_PINNED_EXTMEM, SHINFO_BYTES, SH_FREE_CB, SH_OPAQUE, SH_REFCNT } from './mbuf_layout.js';

/** rte_mbuf_extbuf_free_callback_t: called with the buffer's byte address and the opaque argument. */
export type ExtbufFreeCallback = (buf_addr: number, opaque: number) => void;

/**
 * Free callbacks by id, per thread: a function cannot live in the image, so the shared info
 * keeps an id and every thread that may drop the last reference registers the same
 * callback under it (DPDK's function pointer is valid in every lcore of the process).
 */
const callbacks = new Map<number, ExtbufFreeCallback>();

export function extbuf_free_cb_register(id: number, fn: ExtbufFreeCallback): void {
  if (id === FREE_CB_PINNED_EXTMEM) throw new MemraceError('E_USAGE', `extbuf_free_cb_register: id ${id} is rte_pktmbuf_free_pinned_extmem's (built in); use another`);
  callbacks.set(id, fn);
}

/**
 * rte_pktmbuf_ext_shinfo_init_helper: put the shared info at the end of the buffer
 * [buf_addr, buf_addr + buf_len), aligned down to 8 bytes, with refcnt 1; returns its word
 * index and the buffer length left in front of it, or null when the buffer is too small.
 */
export function ext_shinfo_init_helper(mem: Mem, buf_addr: number, buf_len: number, free_cb_id: number, opaque: number): { shinfo: number; buf_len: number } | null {
  const at = Math.floor((buf_addr + (buf_len & 0xffff) - SHINFO_BYTES) / 8) * 8;
  if (at <= buf_addr) return null;
  const sh = at >> 2;
  // Stryker disable next-line ArithmeticOperator: SH_FREE_CB is 0, so sh - SH_FREE_CB is sh (an equivalent mutant)
  mem.store(sh + SH_FREE_CB, free_cb_id);
  mem.store(sh + SH_OPAQUE, opaque);
  mem.store(sh + SH_REFCNT, 1);
  return { shinfo: sh, buf_len: at - buf_addr };
}

/** __rte_pktmbuf_free_extbuf's second half: the last reference gone, the owner's callback frees the buffer. */
export function ext_free(mem: Mem, shinfo: number, buf_addr: number): void {
  // Stryker disable next-line ArithmeticOperator: SH_FREE_CB is 0, so shinfo - SH_FREE_CB is shinfo (an equivalent mutant)
  const id = mem.read(shinfo + SH_FREE_CB);
  const fn = callbacks.get(id);
  if (fn === undefined) throw new MemraceError('E_USAGE', `external buffer at ${buf_addr}: its free callback ${id} is not registered in this thread (extbuf_free_cb_register)`);
  fn(buf_addr, mem.read(shinfo + SH_OPAQUE));
}
