import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors.js';
import { Mempool, type MempoolConfig } from '../src/dpdk/mempool.js';
import { nodeMemory } from '../src/dpdk/mempool_pages.js';
import { allocatedPages, auditKernel } from '../src/kernel/audit.js';
import { boot, kernelImageBytes } from '../src/kernel/boot.js';
import { bootConfig } from '../src/kernel/bootconfig.js';
import { MAX_ORDER, PAGE_SIZE } from '../src/kernel/mmzone.js';
import { PageAlloc } from '../src/kernel/page_alloc.js';
import { prepareRun, runStress } from '../src/lab/stress.js';
import { Kernel, type KernelRef } from '../src/kernel/kernel.js';
import { GFP_KERNEL } from '../src/kernel/gfp.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { MiB } from './kernel-helpers.js';
import { MUTATING } from './mutating.js';

/** Two nodes, a page allocator on CPU 0 (node 0), room in the arena for pool headers. */
function machine(mem = 64 * MiB) {
  const c = bootConfig({ nodes: 2, mem, kernelSize: MiB });
  const arena = Arena.create(kernelImageBytes(c) + (1 << 20));
  const m = new AtomicsMem(arena.sab);
  const { kernel } = boot(arena, m, c);
  const pa = new PageAlloc(kernel, 0);
  return { arena, mem: m, kernel, pa, memory: nodeMemory(pa) };
}

const freePages = (k: ReturnType<typeof machine>['kernel']) => k.zones.map((z, i) => z.nr_free_pages() + Array.from({ length: k.ref.nr_cpus }, (_, cpu) => k.pageset(cpu, i).count).reduce((a, b) => a + b, 0));

// 4096 elements of 2112 bytes: 8.25 MiB, more than one order-10 block (4 MiB).
const big: MempoolConfig = { n: 4096, elt_size: 2048, cache_size: 32, max_lcore: 2 };

describe('mempools on NUMA memory (nodeMemory)', () => {
  it('a pool with socket_id 1 populates from several node-1 blocks and every object lies in node-1 frames', () => {
    const { arena, mem, kernel, memory } = machine();
    const mp = Mempool.create(arena, mem, 'n1', { ...big, socket_id: 1, memory });
    const chunks = mp.memChunks();
    expect(chunks.map((c) => c.len / PAGE_SIZE)).toEqual([1 << MAX_ORDER, 1 << MAX_ORDER, 128]);
    const nids = new Set<number>();
    mp.obj_iter((obj) => {
      nids.add(kernel.pages.page_to_nid(kernel.pages.virt_to_pfn((obj << 2) - mp.header_size)));
      nids.add(kernel.pages.page_to_nid(kernel.pages.virt_to_pfn((obj << 2) + mp.elt_size - 1)));
    });
    expect([...nids]).toEqual([1]);
    // No element straddles a chunk: all n distinct, each inside one chunk.
    const out = new Int32Array(big.n);
    expect(mp.get_bulk(out, big.n)).toBe(0);
    expect(new Set(out).size).toBe(big.n);
    for (const obj of out) expect(chunks.some((c) => (obj << 2) - mp.header_size >= c.addr && (obj << 2) + mp.elt_size + mp.trailer_size <= c.addr + c.len)).toBe(true);
    mp.put_bulk(out, big.n);
    expect(mp.audit()).toEqual([]);
    expect(auditKernel(kernel).violations).toEqual([]);
  });

  it('free() gives every block back: the zones hold what they held before the pool', () => {
    const { arena, mem, kernel, memory } = machine();
    const before = freePages(kernel);
    const mp = Mempool.create(arena, mem, 'n1', { ...big, socket_id: 1, memory });
    expect(allocatedPages(kernel, auditKernel(kernel))).toBe(2 * 1024 + 128);
    mp.free();
    mp.free(); // once only
    const audit = auditKernel(kernel);
    expect(audit.violations).toEqual([]);
    expect(allocatedPages(kernel, audit)).toBe(0);
    expect(freePages(kernel)).toEqual(before);
  });

  it('a node without room refuses the pool naming socket_id, and the blocks taken so far go back', () => {
    const { arena, mem, kernel, memory } = machine(16 * MiB);
    const before = freePages(kernel);
    expect(() => Mempool.create(arena, mem, 'huge', { ...big, socket_id: 1, memory })).toThrow(ConfigError);
    expect(() => Mempool.create(arena, mem, 'huge2', { ...big, socket_id: 1, memory })).toThrow(/socket_id: node 1 has no free block for mempool:huge2.objs.\d+ \(page allocation failure: order:0/);
    expect(() => Mempool.create(arena, mem, 'p', { n: 8, elt_size: 64, socket_id: 2, memory })).toThrow(/socket_id: socket 2 for mempool:p.objs, but the machine has 2 node/);
    expect(freePages(kernel)).toEqual(before);
  });

  it('SOCKET_ID_ANY takes the allocating CPU\'s node; the arena provider still makes one chunk', () => {
    const { arena, mem, kernel, memory } = machine();
    const any = Mempool.create(arena, mem, 'any', { n: 64, elt_size: 64, memory });
    expect(kernel.pages.page_to_nid(kernel.pages.virt_to_pfn(any.memChunks()[0].addr))).toBe(0);
    expect(Mempool.create(arena, mem, 'plain', { n: 64, elt_size: 64 }).memChunks()).toHaveLength(1);
  });
});

describe('mempool-numa oracles on a doctored image', () => {
  it('page accounting catches a leaked frame; memory on the pool\'s node catches a freed one', () => {
    const run = prepareRun('mempool-numa', { n: 512 });
    const st = run.state as { kernel: KernelRef };
    expect(run.check([]).oracles.flatMap((o) => o.violations)).toEqual([]);
    const k = new Kernel(run.mem, st.kernel);
    const pa = new PageAlloc(k, 0);
    pa.alloc_pages(GFP_KERNEL, 0); // on node 0, never freed, and no pool's
    const chunk = new Mempool(run.mem, (run.state as { pools: Array<{ name: string; base: number }> }).pools[1], -1).memChunks()[0];
    pa.__free_pages(k.pages.virt_to_pfn(chunk.addr), 0); // a pool frame back on the free lists under the pool
    const by = Object.fromEntries(run.check([]).oracles.map((o) => [o.name, o.violations.map((v) => v.message).join('\n')]));
    expect(by['page accounting (free + mempool frames = managed)']).toMatch(/node 0 Normal: free \d+ \+ mempool frames \d+ = \d+, but \d+ pages are managed\n.*node 1 Normal/);
    expect(by["memory on the pool's node"]).toMatch(/a frame of mempool node1's memory is free/);
  });
});

// Stress runs: seconds per mutant under npm run mutate, where the in-process cases above run.
describe.skipIf(MUTATING)('mempool-numa on real workers', () => {
  const params = { nodes: 2, lcoresPerNode: 1, n: 2048, duration: '1500ms' };

  it('passes: pools on their nodes, local and remote traffic, page accounting holds', async () => {
    const r = await runStress({ scenario: 'mempool-numa', params, stopOnForbidden: true });
    expect(r.failures).toEqual([]);
    expect(r.oracles.flatMap((o) => o.violations)).toEqual([]);
    expect(r.verdict).toBe('pass');
    const notes = r.notes.join('\n');
    expect(notes).toMatch(/pool node1: socket_id 1, 2048 objects .* on node 1$/m);
    expect(notes).toMatch(/node 1 numastat: numa_hit [1-9]\d*, numa_miss 0, numa_foreign 0, numa_interleave 0, numa_local 0, numa_other [1-9]/);
    expect(notes).toMatch(/lcores moved [1-9]\d* objects through local pools .* and [1-9]\d* through remote ones/);
  });

  it('catches ignore-socket: the node-1 pool lands on node 0', async () => {
    const r = await runStress({ scenario: 'mempool-numa', params: { ...params, variant: 'ignore-socket', duration: '500ms' }, stopOnForbidden: true });
    expect(r.verdict).toBe('fail');
    const onNode = r.oracles.find((o) => o.name === "memory on the pool's node");
    expect(onNode?.violations[0].message).toMatch(/object 0 lies in a frame of node 0, but its pool was created with socket_id 1/);
    expect(r.oracles.filter((o) => o.name !== "memory on the pool's node").flatMap((o) => o.violations)).toEqual([]);
  });
});
