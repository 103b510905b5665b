import { ConfigError } from '../errors.js';
import { GFP_KERNEL, __GFP_THISNODE } from '../kernel/gfp.js';
import { MAX_ORDER, PAGE_SIZE } from '../kernel/mmzone.js';
import type { PageAlloc } from '../kernel/page_alloc.js';
import type { PoolMemoryProvider } from './mempool_memory.js';

/** Pool memory is asked of one node only: a memzone reserved on a socket never lands on another. */
export const POOL_GFP = GFP_KERNEL | __GFP_THISNODE;

/** get_order: the smallest order whose block holds `bytes`. */
function get_order(bytes: number): number {
  let order = 0;
  while (PAGE_SIZE << order < bytes) order++;
  return order;
}

/**
 * Pool memory from the Linux page allocator, as EAL's hugepages are DPDK's: a pool on
 * socket s populates from blocks of node s (SOCKET_ID_ANY: the allocating CPU's node).
 * Each chunk is the smallest block that holds what is still missing, at most MAX_ORDER,
 * so a large pool takes several chunks; when no such block is free, lower orders down to
 * one element's are tried, as rte_mempool_populate_default retries with smaller
 * memzones. A chunk's free_cb is __free_pages of its block, on the creating CPU.
 */
export function nodeMemory(pa: PageAlloc): PoolMemoryProvider {
  return (name, bytes, socketId, minBytes) => {
    const nodes = pa.k.nr_nodes;
    const nid = socketId < 0 ? pa.numa_node_id() : socketId;
    if (nid >= nodes) throw new ConfigError('socket_id', `socket ${socketId} for ${name}, but the machine has ${nodes} node(s)`, `-1 (SOCKET_ID_ANY) or 0 to ${nodes - 1}`);
    const minOrder = get_order(minBytes);
    if (minOrder > MAX_ORDER) throw new ConfigError('elt_size', `an element of ${minBytes} bytes is larger than one block of order MAX_ORDER (${PAGE_SIZE << MAX_ORDER} bytes)`, `at most ${PAGE_SIZE << MAX_ORDER} bytes with header and trailer`);
    for (let order = Math.min(MAX_ORDER, get_order(bytes)); order >= minOrder; order--) {
      const pfn = pa.alloc_pages(POOL_GFP, order, nid);
      if (pfn >= 0) return { addr: pa.page_address(pfn), len: PAGE_SIZE << order, free: () => pa.__free_pages(pfn, order) };
    }
    throw new ConfigError('socket_id', `node ${nid} has no free block for ${name} (${pa.warn_alloc(POOL_GFP, minOrder)})`, 'a smaller pool, or more memory on that node');
  };
}
