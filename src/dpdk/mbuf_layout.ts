/**
 * struct rte_mbuf in the image: two cache lines (32 words) at the start of each mempool
 * object, then the private area (priv_size bytes), then the data room. Fields are 32-bit
 * words here where DPDK packs 16-bit ones; the refcnt keeps DPDK's 16-bit arithmetic by
 * masking what it reads. An mbuf is named by the word index of its header; a data pointer
 * is a byte offset in the image; 0 is NULL for both (no mbuf or buffer sits at 0).
 *
 * Line 0 is what RX touches (buf_addr, data_off, refcnt, nb_segs, port, ol_flags, lengths);
 * line 1 what TX and chaining touch (next, pool, priv_size, tx_offload).
 */
export const M_BUF_ADDR = 0;
export const M_DATA_OFF = 2;
export const M_REFCNT = 3;
export const M_NB_SEGS = 4;
export const M_PORT = 5;
export const M_OL_FLAGS = 6;
export const M_PACKET_TYPE = 7;
export const M_PKT_LEN = 8;
export const M_DATA_LEN = 9;
export const M_VLAN_TCI = 10;
export const M_HASH = 11;
export const M_BUF_LEN = 12;
export const M_NEXT = 16;
export const M_POOL = 17;
export const M_PRIV_SIZE = 18;
export const M_TX_OFFLOAD = 19;
/** A dynamic field (rte_mbuf_dynfield): scenarios keep a sequence number or a timestamp here. */
export const M_DYNFIELD1 = 20;
export const M_DYNFIELD2 = 21;
/** m->shinfo: word index of the external buffer's shared info (RTE_MBUF_F_EXTERNAL only). */
export const M_SHINFO = 22;
/** sizeof(struct rte_mbuf). */
export const MBUF_BYTES = 128;

/** RTE_PKTMBUF_HEADROOM and RTE_MBUF_DEFAULT_DATAROOM. */
export const RTE_PKTMBUF_HEADROOM = 128;
export const RTE_MBUF_DEFAULT_DATAROOM = 2048;
/** RTE_MBUF_DEFAULT_BUF_SIZE: data room + headroom. */
export const RTE_MBUF_DEFAULT_BUF_SIZE = RTE_MBUF_DEFAULT_DATAROOM + RTE_PKTMBUF_HEADROOM;
/** RTE_MBUF_MAX_NB_SEGS (UINT16_MAX). */
export const RTE_MBUF_MAX_NB_SEGS = 0xffff;
/** RTE_MBUF_PRIV_ALIGN. */
export const RTE_MBUF_PRIV_ALIGN = 8;
export const RTE_MBUF_PORT_INVALID = 0xffff;

/**
 * ol_flags: DPDK keeps RTE_MBUF_F_INDIRECT at bit 62 and EXTERNAL at 61 of a 64-bit word;
 * the low 32 bits are kept here, so they move down to bits 30 and 29.
 */
export const RTE_MBUF_F_INDIRECT = 1 << 30;
export const RTE_MBUF_F_EXTERNAL = 1 << 29;

/**
 * struct rte_mbuf_ext_shared_info, where rte_pktmbuf_ext_shinfo_init_helper puts it (the
 * end of the external buffer, 8-aligned), 24 bytes as in DPDK: the free callback (its id
 * in the freeing thread's registry), its argument, the 16-bit refcnt.
 */
export const SH_FREE_CB = 0;
export const SH_OPAQUE = 2;
export const SH_REFCNT = 4;
export const SHINFO_BYTES = 24;
/** The free callback id of a pinned pool's buffers: rte_pktmbuf_free_pinned_extmem, built in (not a registered one). */
export const FREE_CB_PINNED_EXTMEM = -1;

/** struct rte_pktmbuf_pool_private, in the mempool's private area. */
export const PP_DATA_ROOM_SIZE = 0;
export const PP_PRIV_SIZE = 1;
export const PP_FLAGS = 2;
export const PP_BYTES = 16;
/** rte_pktmbuf_pool_private.flags: the pool's mbufs own pinned external buffers (rte_pktmbuf_pool_create_extbuf). */
export const RTE_PKTMBUF_POOL_F_PINNED_EXT_BUF = 1 << 0;

/** Broken variants of the mbuf code (kept in the pool's private area, word 3). */
export const PP_VARIANT = 3;
export const MBUF_VARIANT_NONE = 0;
/** refcnt updated with a plain read and write instead of an atomic add: lost updates. */
export const MBUF_VARIANT_PLAIN_REFCNT = 1;
/** rte_pktmbuf_chain adds the tail's data_len to the head's pkt_len, not its pkt_len: a multi-segment tail's later segments go uncounted. */
export const MBUF_VARIANT_CHAIN_DATA_LEN = 2;
