import { ConfigError } from '../errors.js';
import { Mempool, type MempoolConfig, type MempoolRef } from '../dpdk/mempool.js';
import type { PoolMemoryProvider } from '../dpdk/mempool_memory.js';
import { nodeMemory } from '../dpdk/mempool_pages.js';
import { F_NONE, auditKernel } from '../kernel/audit.js';
import { boot, kernelImageBytes } from '../kernel/boot.js';
import { type BootConfig, bootConfig } from '../kernel/bootconfig.js';
import { Kernel, type KernelRef } from '../kernel/kernel.js';
import { PAGE_SIZE } from '../kernel/mmzone.js';
import { PG_reserved } from '../kernel/page.js';
import { PageAlloc } from '../kernel/page_alloc.js';
import { numastat } from '../kernel/proc.js';
import type { Params } from '../lab/params.js';
import { defineScenario, type Violation, Violations } from '../lab/scenario.js';
import type { ActorContext } from '../runtime/context.js';
import { BulkGetter, OBJECT_OUTCOMES, freePatternInit, objectsFree, stampOf, touchBulk } from './mempool-objects.js';

/**
 * Mempools on NUMA memory: one pool per node, its elements in that node's frames (the
 * page allocator's blocks, see nodeMemory), created by the main lcore (CPU 0) as DPDK
 * applications do. Lcores of every node get bulks from their node's pool and, --remote
 * percent of the time, from another node's; they prove they own each object as
 * mempool-stress does (mempool-objects.ts), and time each
 * bulk apart for local and remote pools. The image has one memory: node_distance orders
 * the zonelists but charges no time, so the remote/local ratio is what the model measures,
 * next to the distance the firmware table claims.
 */
const OP_GET = 1;
const OP_TOUCH = 2;
const OP_PUT = 3;

const K_LOCAL = 0;
const K_REMOTE = 1;
const K_PUT = 2;
const K_EMPTY = 3;

type P = Params & {
  nodes: number; lcoresPerNode: number; mem: number; n: number; eltSize: number; cache: number; bulk: number;
  remote: number; debug: boolean; variant: string;
};

interface State {
  kernel: KernelRef;
  /** pools[nid]: the pool created with socket_id nid. */
  pools: MempoolRef[];
  words: number;
}

/** What each lcore returns: wall time spent on bulks of local and remote pools, in ns. */
interface LcoreTimes {
  localNs: number;
  remoteNs: number;
}

/**
 * What `memrace explore` runs every variant with: pools of 256 objects of 64 bytes, caches of
 * 16, bulks up to 4, 16M of DRAM. At the stress defaults (4,096 objects of 2,048 bytes a pool,
 * cookies on) each iteration spent some 190 ms building and auditing the pools, and a first get
 * filling a 256-object cache 50,000 to 110,000 turns: 0.4 s an iteration, 30 to 60 ms now.
 */
const EXPLORE = { n: 256, cache: 16, bulk: 4, eltSize: 64, mem: '16M' };

function bootOf(p: P): BootConfig {
  return bootConfig({ nodes: p.nodes, cpusPerNode: p.lcoresPerNode, mem: p.mem, kernelSize: 2 ** 20 });
}

function poolConfig(p: P, socket: number): MempoolConfig {
  return { n: p.n, elt_size: p.eltSize, cache_size: p.cache, socket_id: socket, debug: p.debug, max_lcore: p.nodes * p.lcoresPerNode };
}

function lcoreRole(ctx: ActorContext<P, State>): LcoreTimes {
  const { mem, state: s, params: p, rng } = ctx;
  const node = s.kernel.cpu_to_node[ctx.actor];
  const pools = s.pools.map((ref) => new Mempool(mem, ref, ctx.actor, ctx.actor));
  const stamp = stampOf(ctx.actor);
  const buf = new Int32Array(p.bulk);
  const owned = new Int32Array(p.bulk);
  const words = s.words;
  const times: LcoreTimes = { localNs: 0, remoteNs: 0 };
  const getter = new BulkGetter(ctx, mem, OP_GET, K_EMPTY);
  while (!ctx.stopped()) {
    const remote = p.nodes > 1 && rng.below(100) < p.remote;
    const mp = pools[remote ? (node + 1 + rng.below(p.nodes - 1)) % p.nodes : node];
    const k = 1 + rng.below(p.bulk);
    const t0 = performance.now();
    if (!getter.get(mp, buf, k)) continue;
    ctx.op(OP_TOUCH);
    const m = touchBulk(ctx, mem, buf, k, owned, words, stamp);
    ctx.op(OP_PUT);
    mp.put_bulk(owned, m);
    const ns = (performance.now() - t0) * 1e6;
    if (remote) times.remoteNs += ns;
    else times.localNs += ns;
    ctx.count(remote ? K_REMOTE : K_LOCAL, k);
    ctx.count(K_PUT, m);
    ctx.done(k);
  }
  return times;
}

/** Every object's bytes in frames of the pool's node, and every frame of its chunks allocated (neither free nor reserved). */
function memoryOnNode(k: Kernel, mp: Mempool, where: Uint8Array, out: Violations): void {
  const pages = k.pages;
  const report = (message: string, at: string) => out.add(message, at);
  mp.obj_iter((obj, i) => {
    const first = (obj << 2) - mp.header_size;
    // An object spans at most the frames of its first and last byte (it is smaller than a block).
    const pfn = pages.page_to_nid(pages.virt_to_pfn(first)) !== mp.socket_id ? pages.virt_to_pfn(first) : pages.virt_to_pfn(first + mp.total_size - 1);
    if (pages.page_to_nid(pfn) !== mp.socket_id) report(`object ${i} lies in a frame of node ${pages.page_to_nid(pfn)}, but its pool was created with socket_id ${mp.socket_id}`, `pfn 0x${pfn.toString(16)}`);
  });
  for (const c of mp.memChunks()) {
    for (let pfn = pages.virt_to_pfn(c.addr); pfn <= pages.virt_to_pfn(c.addr + c.len - 1); pfn++) {
      if (where[pfn - pages.start_pfn] !== F_NONE || pages.test(pfn, PG_reserved)) report(`a frame of mempool ${mp.name}'s memory is ${where[pfn - pages.start_pfn] !== F_NONE ? 'free' : 'reserved'}`, `pfn 0x${pfn.toString(16)}`);
    }
  }
}

export const mempoolNuma = defineScenario<P, State>({
  name: 'mempool-numa',
  summary: 'rte_mempool on NUMA memory: a pool per node from that node\'s page allocator, lcores of every node use local and remote pools',
  subsystem: 'dpdk',
  omit: ['workers'],
  actorParam: 'lcoresPerNode',
  params: [
    { name: 'nodes', type: 'int', default: 2, min: 2, max: 8, help: 'NUMA nodes, each with one pool' },
    { name: 'lcoresPerNode', type: 'int', default: 1, min: 1, max: 8, help: 'lcores (worker threads) per node' },
    { name: 'mem', type: 'size', default: 64 * 2 ** 20, help: 'DRAM over all nodes' },
    { name: 'n', type: 'int', default: 4096, min: 1, max: 1 << 20, help: 'objects per pool' },
    { name: 'eltSize', type: 'int', default: 2048, min: 4, max: 65536, help: 'object size in bytes (2048: an mbuf data room)' },
    { name: 'cache', type: 'int', default: 256, min: 0, max: 512, help: 'per-lcore cache size of every pool (0: no caches)' },
    { name: 'bulk', type: 'int', default: 32, min: 1, max: 1024, help: 'largest bulk per get; each get takes 1..bulk' },
    { name: 'remote', type: 'int', default: 50, min: 0, max: 100, help: "percent of bulks from another node's pool" },
    { name: 'debug', type: 'bool', default: true, help: 'header and trailer cookies checked on every get and put' },
  ],
  variants: [
    { name: 'correct', summary: "each pool's memory from its socket's node (alloc_pages with __GFP_THISNODE)", explore: EXPLORE },
    { name: 'ignore-socket', summary: 'the memory provider leaves socket_id out: every pool lands on the creating CPU\'s node (0)', explore: EXPLORE },
  ],
  outcomes: OBJECT_OUTCOMES,
  counters: ['local_objs', 'remote_objs', 'put', 'empty'],
  opNames: ['start', 'get', 'touch', 'put'],
  validate(p) {
    bootOf(p);
    const names = { n: '--n', elt_size: '--elt-size', cache_size: '--cache', max_lcore: '--lcores-per-node' };
    Mempool.checkConfig(poolConfig(p, 0), names);
    if (p.bulk > p.n) throw new ConfigError('--bulk', `${p.bulk} is larger than a pool (${p.n})`, `1 to ${p.n}`);
  },
  imageBytes: (p) => kernelImageBytes(bootOf(p)) + p.nodes * Mempool.memsize(poolConfig(p, 0), false) + 4096,
  actors: (p) => Array<string>(p.nodes * p.lcoresPerNode).fill('lcore'),
  setup(arena, mem, p) {
    const { kernel } = boot(arena, mem, bootOf(p));
    // The main lcore (CPU 0, node 0) creates every pool, as rte_eal_init's caller does.
    const fromNode = nodeMemory(new PageAlloc(kernel, 0));
    const memory: PoolMemoryProvider = p.variant === 'ignore-socket' ? (name, bytes, _socket, min) => fromNode(name, bytes, -1, min) : fromNode;
    const words = Math.max(1, p.eltSize >> 2);
    const pools = Array.from({ length: p.nodes }, (_, nid) => Mempool.create(arena, mem, `node${nid}`, {
      ...poolConfig(p, nid),
      memory,
      obj_init: freePatternInit(mem, words),
    }).ref);
    return { kernel: kernel.ref, pools, words };
  },
  roles: { lcore: lcoreRole },
  check({ mem, state: s, counter, roles, results }) {
    const k = new Kernel(mem, s.kernel);
    const audit = auditKernel(k);
    const pools = s.pools.map((ref) => new Mempool(mem, ref, -1));
    const ownership = new Violations();
    const conservation: Violation[] = [];
    const poolAudit: Violation[] = [];
    const onNode = new Violations();
    for (const mp of pools) {
      objectsFree(mem, mp, s.words, ownership);
      conservation.push(...mp.conservation(0));
      poolAudit.push(...mp.audit());
      memoryOnNode(k, mp, audit.where, onNode);
    }
    let local = 0;
    let remote = 0;
    let put = 0;
    roles.forEach((_, a) => {
      local += counter(a, 'local_objs');
      remote += counter(a, 'remote_objs');
      put += counter(a, 'put');
    });
    if (local + remote !== put) conservation.push({ message: `lcores got ${local + remote} objects and put back ${put}` });
    // The page allocator's books: every zone's free pages plus the pools' frames in it are
    // what it manages, and nothing else is allocated (check_new_pages, bad_page: the audit).
    const pages: Violation[] = [...audit.violations];
    const poolFrames = new Map<number, number>();
    for (const mp of pools) {
      for (const c of mp.memChunks()) {
        for (let pfn = k.pages.virt_to_pfn(c.addr); pfn <= k.pages.virt_to_pfn(c.addr + c.len - 1); pfn++) {
          const zi = k.zones.indexOf(k.page_zone(pfn));
          poolFrames.set(zi, (poolFrames.get(zi) ?? 0) + 1);
        }
      }
    }
    k.zones.forEach((z, zi) => {
      let free = z.nr_free_pages();
      for (let cpu = 0; cpu < s.kernel.nr_cpus; cpu++) free += k.pageset(cpu, zi).count;
      const held = poolFrames.get(zi) ?? 0;
      if (free + held !== z.managed_pages) pages.push({ message: `node ${z.nid} ${z.name}: free ${free} + mempool frames ${held} = ${free + held}, but ${z.managed_pages} pages are managed` });
    });
    const times = results as LcoreTimes[];
    const localNs = times.reduce((n, t) => n + (t?.localNs ?? 0), 0);
    const remoteNs = times.reduce((n, t) => n + (t?.remoteNs ?? 0), 0);
    const perObj = (ns: number, objs: number) => (objs ? (ns / objs).toFixed(0) : '-');
    const ratio = local && remote ? (remoteNs / remote / (localNs / local)).toFixed(2) : '-';
    const distance = s.kernel.distance;
    return {
      oracles: [
        ownership.result('ownership'),
        { name: 'conservation', violations: conservation },
        { name: 'audit (caches, cookies, free exactly once)', violations: poolAudit },
        onNode.result("memory on the pool's node"),
        { name: 'page accounting (free + mempool frames = managed)', violations: pages },
      ],
      notes: [
        ...pools.map((mp) => {
          const chunks = mp.memChunks();
          const nids = [...new Set(chunks.map((c) => k.pages.page_to_nid(k.pages.virt_to_pfn(c.addr))))];
          return `pool ${mp.name}: socket_id ${mp.socket_id}, ${mp.size} objects of ${mp.total_size} bytes in ${chunks.length} chunk(s) of ${chunks.map((c) => `${c.len / PAGE_SIZE}`).join('+')} pages on node ${nids.join(',')}`;
        }),
        ...s.kernel.nodes.map((_, nid) => `node ${nid} numastat: ${numastat(k, nid).trim().split('\n').join(', ')}`),
        `lcores moved ${local} objects through local pools (${perObj(localNs, local)} ns/object) and ${remote} through remote ones (${perObj(remoteNs, remote)} ns/object): remote/local ${ratio}; node_distance(0,1) = ${distance[0][1]} against ${distance[0][0]} local, which the image does not charge (one memory)`,
      ],
    };
  },
});
