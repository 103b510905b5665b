import { BAG_GET, BAG_PUT, bagSpec } from '../lab/history/specs/bag.js';
import type { Op } from '../lab/history/recorder.js';
import { ConfigError } from '../errors.js';
import type { Params } from '../lab/params.js';
import { type OracleResult, type Violation, Violations, defineScenario } from '../lab/scenario.js';
import type { ActorContext } from '../runtime/context.js';
import { Memblock } from '../kernel/memblock.js';
import { F_NONE, auditKernel } from '../kernel/audit.js';
import { boot, kernelImageBytes } from '../kernel/boot.js';
import { type BootConfig, bootConfig, parseZones } from '../kernel/bootconfig.js';
import { H_BAD_PAGE, Kernel, type KernelRef } from '../kernel/kernel.js';
import { kswapd } from '../kernel/kswapd.js';
import { MAX_NR_ZONES, MAX_ORDER, N_KSWAPD_WAKEUPS, PAGE_SIZE, WMARK_MIN } from '../kernel/mmzone.js';
import { PG_reserved } from '../kernel/page.js';
import { ALLOC_FAIL_REASONS, PageAlloc } from '../kernel/page_alloc.js';
import { S_NUMA_FOREIGN, S_NUMA_HIT, S_NUMA_MISS, S_PCP_DRAIN, S_PCP_HIT, S_PCP_REFILL } from '../kernel/pcp.js';
import { MIXED_GFP } from '../kernel/workload.js';
import { gfp_migratetype } from '../kernel/gfp.js';

/**
 * CPUs of every NUMA node allocate and free blocks of mixed orders and migrate types
 * through their own pagesets, hold them a random while, write a pattern into every frame
 * they own and check it before freeing; one kswapd per node sleeps until woken. An
 * ownership word per frame (claimed by CAS) catches a frame handed to two CPUs; the
 * pattern catches a frame written by another owner; the kernel's own page checks
 * (check_new_pages, free_pages_prepare) report bad pages. At the end every CPU frees what
 * it holds and the audit proves the free lists, the pagesets and the conservation of
 * every zone: free + pageset pages = managed.
 */
const OP_ALLOC = 1;
const OP_WRITE = 2;
const OP_VERIFY = 3;
const OP_FREE = 4;
const OP_DRAIN = 5;
const OP_KSWAPD = 6;

const O_OK = 0;
const O_FAILED = 1;
const O_REMOTE = 2;
const O_DOUBLE = 3;
const O_CORRUPT = 4;
const O_BAD_PAGE = 5;
const O_MISALIGNED = 6;

const K_ALLOCS = 0;
const K_FREES = 1;
const K_FAILED = 2;
const K_REMOTE = 3;
const K_DRAINS = 4;
const K_BAD = 5;

type P = Params & {
  nodes: number; cpusPerNode: number; mem: number; zones: string; orders: string; pcp: boolean; mobility: boolean;
  hold: number; remote: number; kswapd: boolean; touch: boolean; drain: number; variant: string;
};

interface State {
  kernel: KernelRef;
  /** One word per frame from memmap.start_pfn: 0 free, else the owning actor + 1. */
  owner: number;
  /** One word per block head: the pattern its owner wrote. */
  tag: number;
  /** One word per zone: the lowest NR_FREE_PAGES a CPU saw right after an allocation from it. */
  lowFree: number;
  /** One word per zone: blocks handed out from a pageblock of another migrate type than asked. */
  foreign: number;
  /** One word per zone: mm_page_alloc_extfrag events (fallbacks), summed over the CPUs. */
  extfrag: number;
  minOrder: number;
  maxOrder: number;
}

export function parseOrders(text: string): [number, number] {
  const m = /^(\d+)(?:-(\d+))?$/.exec(text.trim());
  const lo = m ? Number(m[1]) : NaN;
  const hi = m ? Number(m[2] ?? m[1]) : NaN;
  if (!m || lo > hi || hi > MAX_ORDER) throw new ConfigError('--orders', `'${text}' is not an order range within 0..${MAX_ORDER}`, `N or LO-HI with 0 <= LO <= HI <= ${MAX_ORDER}, e.g. 0-3`);
  return [lo, hi];
}

function configOf(p: P): BootConfig {
  return bootConfig({
    nodes: p.nodes, cpusPerNode: p.cpusPerNode, mem: p.mem, ...parseZones(p.zones), pcp: p.pcp, mobility: p.mobility,
    zoneLock: p.variant !== 'no-zone-lock', ignoreMigratetype: p.variant === 'ignore-migratetype', kernelSize: 2 ** 20,
  });
}

function cpu(ctx: ActorContext<P, State>): unknown {
  const { mem, state: s, params: p, rng } = ctx;
  const k = new Kernel(mem, s.kernel);
  const pa = new PageAlloc(k, ctx.actor);
  const pages = k.pages;
  const start = pages.start_pfn;
  const i32 = mem.i32;
  const me = ctx.actor + 1;
  const heldPfn = new Int32Array(p.hold);
  const heldOrder = new Int32Array(p.hold);
  let held = 0;
  let seq = 0;
  let bad = 0;
  let ok = 0;
  const nodes = s.kernel.nodes.length;
  const foreign = new Int32Array(k.zones.length);

  const release = (j: number) => {
    const pfn = heldPfn[j];
    const order = heldOrder[j];
    if (p.touch) {
      ctx.op(OP_VERIFY);
      const tag = mem.load(s.tag + pfn - start);
      const w0 = pages.page_address(pfn) >> 2;
      const words = (PAGE_SIZE >> 2) << order;
      let intact = true;
      for (let w = 0; w < words; w += 127) if (i32[w0 + w] !== tag) intact = false;
      if (i32[w0 + words - 1] !== tag) intact = false;
      if (!intact) ctx.outcome(O_CORRUPT);
      else ok++;
    } else ok++;
    // Outcome counts of all actors share cache lines: count the common one in batches.
    if (ok === 256) {
      ctx.outcome(O_OK, ok);
      ok = 0;
    }
    for (let i = 0; i < 1 << order; i++) mem.compareExchange(s.owner + pfn - start + i, me, 0);
    ctx.op(OP_FREE);
    ctx.history?.invoke1(BAG_PUT, pfn);
    pa.__free_pages(pfn, order);
    ctx.history?.respond1(order);
    ctx.count(K_FREES);
    heldPfn[j] = heldPfn[held - 1];
    heldOrder[j] = heldOrder[held - 1];
    held--;
  };

  // bad_page() reports (check_new_pages, free_pages_prepare) since the last look, as outcomes.
  const noteBadPages = () => {
    if (pa.badPages === bad) return;
    ctx.outcome(O_BAD_PAGE, pa.badPages - bad);
    ctx.count(K_BAD, pa.badPages - bad);
    bad = pa.badPages;
  };
  while (!ctx.stopped()) {
    const r = rng.below(1024);
    if (r < p.drain) {
      ctx.op(OP_DRAIN);
      if (rng.below(4) === 0) pa.drain_all_pages();
      else pa.drain_local_pages();
      ctx.count(K_DRAINS);
    } else if (held > 0 && (held === p.hold || r < 384)) {
      // Allocate 5 times in 8 below --hold: a CPU fills up to it, then hovers there.

      release(rng.below(held));
    } else {
      const order = rng.between(s.minOrder, s.maxOrder);
      const nid = nodes > 1 && rng.below(100) < p.remote ? rng.below(nodes) : -1;
      ctx.op(OP_ALLOC);
      ctx.begin();
      ctx.history?.invoke1(BAG_GET, order);
      const gfp = MIXED_GFP[rng.below(MIXED_GFP.length)];
      const pfn = pa.alloc_pages(gfp, order, nid);
      ctx.history?.respond1(pfn);
      ctx.end();
      noteBadPages();
      if (pfn < 0) {
        ctx.outcome(O_FAILED);
        ctx.count(K_FAILED);
      } else {
        ctx.count(K_ALLOCS);
        const zone = k.page_zone(pfn);
        const zi = zone.nid * MAX_NR_ZONES + zone.idx;
        for (let f = zone.nr_free_pages(), low = mem.load(s.lowFree + zi); f < low; low = mem.load(s.lowFree + zi)) {
          if (mem.compareExchange(s.lowFree + zi, low, f) === low) break;
        }
        if (pages.page_to_nid(pfn) !== (nid < 0 ? pa.nid : nid)) {
          ctx.outcome(O_REMOTE);
          ctx.count(K_REMOTE);
        }
        if (pfn & ((1 << order) - 1)) ctx.outcome(O_MISALIGNED);
        if (pages.get_pageblock_migratetype(pfn) !== gfp_migratetype(gfp, p.mobility)) foreign[zi]++;
        let mine = true;
        for (let i = 0; i < 1 << order; i++) {
          if (mem.compareExchange(s.owner + pfn - start + i, 0, me) !== 0) mine = false;
        }
        if (!mine || pages.page_count(pfn) !== 1) {
          // Handed out while another CPU owns (part of) it: count it and leave the block alone.
          ctx.outcome(O_DOUBLE);
          for (let i = 0; i < 1 << order; i++) mem.compareExchange(s.owner + pfn - start + i, me, 0);
        } else {
          if (p.touch) {
            ctx.op(OP_WRITE);
            const tag = (Math.imul(me, 0x9e3779b1) ^ ++seq) | 1;
            mem.store(s.tag + pfn - start, tag);
            const w0 = pages.page_address(pfn) >> 2;
            i32.fill(tag, w0, w0 + ((PAGE_SIZE >> 2) << order));
          }
          heldPfn[held] = pfn;
          heldOrder[held] = order;
          held++;
        }
      }
    }
    ctx.done(1);
  }
  while (held > 0) release(held - 1);
  noteBadPages();
  for (let zi = 0; zi < foreign.length; zi++) {
    mem.add(s.foreign + zi, foreign[zi]);
    mem.add(s.extfrag + zi, k.buddy.extfrag[zi]);
  }
  ctx.outcome(O_OK, ok);
  // Zone lock contention, as this CPU saw it.
  ctx.contention(0, k.zones.reduce((n, z) => n + z.lockStats.spins, 0), k.zones.reduce((n, z) => n + z.lockStats.waits, 0));
  return { reason: pa.reason ? ALLOC_FAIL_REASONS[pa.reason] : '' };
}

function kswapdRole(ctx: ActorContext<P, State>): unknown {
  const k = new Kernel(ctx.mem, ctx.state.kernel);
  const nid = ctx.actorsOf('kswapd').indexOf(ctx.actor);
  ctx.op(OP_KSWAPD);
  const report = kswapd(k, nid, () => ctx.stopFlag());
  ctx.done(report.runs);
  return report;
}

/**
 * The frames an allocation or a free moves: alloc_pages(order) -> pfn records the order as its
 * input and the pfn as its result; __free_pages(pfn) records the order as its result.
 */
function framesOf(op: Op): number[] {
  const [pfn, order] = op.op === BAG_GET ? [op.result[0], op.args[0]] : [op.args[0], op.result[0]];
  if (!(pfn >= 0)) return [];
  return Array.from({ length: 1 << order }, (_, i) => pfn + i);
}

export const pageAllocStress = defineScenario<P, State>({
  name: 'page-alloc-stress',
  summary: 'Linux 6.6 page allocator: CPUs of NUMA nodes allocate, pattern, check and free mixed-order blocks through pagesets; kswapd per node',
  subsystem: 'kernel',
  omit: ['workers'],
  actorParam: 'cpusPerNode',
  params: [
    { name: 'nodes', type: 'int', default: 2, min: 1, max: 8, help: 'NUMA nodes' },
    { name: 'cpusPerNode', type: 'int', default: 1, min: 1, max: 8, help: 'CPUs (worker threads) per node' },
    { name: 'mem', type: 'size', default: 64 * 2 ** 20, help: 'DRAM over all nodes' },
    { name: 'zones', type: 'string', default: 'DMA=16M', help: 'zone limits: DMA=SIZE[,DMA32=SIZE]' },
    { name: 'orders', type: 'string', default: '0-3', help: 'orders to allocate, N or LO-HI (0..10)' },
    { name: 'pcp', type: 'bool', default: true, help: 'per-CPU pagesets (off: every page through the zone lock)' },
    { name: 'mobility', type: 'bool', default: true, help: 'group pages by mobility' },
    { name: 'hold', type: 'int', default: 64, min: 1, max: 4096, help: 'blocks a CPU holds at most' },
    { name: 'remote', type: 'int', default: 10, min: 0, max: 100, help: 'percent of allocations asking for a random node' },
    { name: 'kswapd', type: 'bool', default: true, help: 'a kswapd actor per node' },
    { name: 'drain', type: 'int', default: 1, min: 0, max: 1024, help: 'pageset drains per 1024 operations of a CPU (one in four drains every CPU\'s: drain_all_pages)' },
    { name: 'touch', type: 'bool', default: true, help: 'write and check a pattern in every frame (off: allocator cost alone, for benchmarks)' },
  ],
  variants: [
    { name: 'correct', summary: 'Linux 6.6: free_area changes under the zone lock' },
    // Two CPUs of one node share its zones' locks; the default two nodes of one CPU each mostly take their own node's zone.
    {
      name: 'no-zone-lock',
      summary: 'buddy lists mutated without the zone lock: frames lost and handed out twice',
      defaults: { nodes: 1, cpusPerNode: 2 },
      cannotShow: [{
        flag: '--cpus-per-node', when: (p) => p.nodes * p.cpusPerNode < 2, why: () => "no-zone-lock races two CPUs on a zone's free lists, but 1 CPU cannot race",
        allowed: '2 or more CPUs (--nodes x --cpus-per-node)', example: { cpusPerNode: 1 },
      }],
    },
    { name: 'ignore-migratetype', summary: '__rmqueue_smallest takes a free block of any migrate type, never falling back: unmovable pages scattered over movable pageblocks, no fallback counted' },
  ],
  outcomes: [
    { id: 'ok', grade: 'ACCEPTABLE', description: 'block owned by one CPU, its pattern intact when freed' },
    { id: 'alloc-failed', grade: 'ACCEPTABLE_INTERESTING', description: 'alloc_pages returned -1: every zone below its watermark' },
    { id: 'numa-miss', grade: 'ACCEPTABLE_INTERESTING', description: 'the block came from another node than asked (zonelist fallback)' },
    { id: 'double-alloc', grade: 'FORBIDDEN', description: 'a frame was handed out while another CPU owned it' },
    { id: 'corrupted', grade: 'FORBIDDEN', description: "a held frame's pattern was overwritten: someone else owned it too" },
    { id: 'bad-page', grade: 'FORBIDDEN', description: 'the kernel\'s page checks found a page in a bad state (refcount, mapcount, PageBuddy)' },
    { id: 'misaligned', grade: 'FORBIDDEN', description: 'a block not aligned to its order' },
    { id: 'lost', grade: 'FORBIDDEN', description: 'at the end, a frame neither free, on a pageset, nor reserved' },
  ],
  counters: ['allocs', 'frees', 'failed', 'remote', 'drains', 'bad_pages'],
  opNames: ['start', 'alloc', 'write', 'verify', 'free', 'drain', 'kswapd'],
  validate(p) {
    parseOrders(p.orders);
    configOf(p);
  },
  imageBytes(p) {
    const c = configOf(p);
    return kernelImageBytes(c) + 2 * 4 * ((c.mem >> 12) + 1024) + 4096;
  },
  actors(p) {
    const cpus = Array<string>(p.nodes * p.cpusPerNode).fill('cpu');
    return p.kswapd ? [...cpus, ...Array<string>(p.nodes).fill('kswapd')] : cpus;
  },
  setup(arena, mem, p) {
    const { kernel } = boot(arena, mem, configOf(p));
    const n = kernel.ref.memmap.nr_pages;
    const [minOrder, maxOrder] = parseOrders(p.orders);
    const lowFree = arena.allocWords('page-alloc-stress.lowFree', kernel.zones.length);
    kernel.zones.forEach((z, i) => mem.store(lowFree + i, z.managed_pages));
    const zoneWords = (name: string) => arena.allocWords(`page-alloc-stress.${name}`, kernel.zones.length);
    return {
      kernel: kernel.ref, owner: arena.allocWords('page-alloc-stress.owner', n), tag: arena.allocWords('page-alloc-stress.tag', n), lowFree,
      foreign: zoneWords('foreign'), extfrag: zoneWords('extfrag'), minOrder, maxOrder,
    };
  },
  roles: { cpu, kswapd: kswapdRole },
  serves: ['kswapd'],
  history: { spec: () => bagSpec('the page allocator', framesOf, 'frame') },
  check({ mem, state: s, counter, roles }) {
    const k = new Kernel(mem, s.kernel);
    const audit = auditKernel(k);
    const conservation = new Violations();
    const ownership = new Violations();
    let lost = 0;
    for (const z of k.zones) {
      let free = z.nr_free_pages();
      for (let cpu = 0; cpu < s.kernel.nr_cpus; cpu++) free += k.pageset(cpu, s.kernel.zones.indexOf(z.ref)).count;
      if (free !== z.managed_pages) conservation.add(`node ${z.nid} ${z.name}: free ${z.nr_free_pages()} + pageset pages ${free - z.nr_free_pages()} = ${free}, but ${z.managed_pages} pages are managed and every CPU freed what it held`);
      for (let pfn = z.zone_start_pfn; pfn < z.zone_end_pfn(); pfn++) {
        if (audit.where[pfn - k.pages.start_pfn] === F_NONE && !k.pages.test(pfn, PG_reserved)) {
          lost++;
          conservation.add('frame neither free, on a pageset, nor reserved after every CPU freed its blocks: lost', `pfn 0x${pfn.toString(16)}`);
        }
      }
    }
    for (let i = 0; i < s.kernel.memmap.nr_pages; i++) {
      const o = mem.load(s.owner + i);
      if (o) ownership.add(`still owned by actor ${o - 1} after it freed everything`, `pfn 0x${(i + s.kernel.memmap.start_pfn).toString(16)}`);
    }
    // Every request here is unprivileged (no __GFP_HIGH, no __GFP_MEMALLOC): a zone goes below
    // its min watermark only by what CPUs that passed the check together took in one refill each.
    const watermarks: Violation[] = [];
    k.zones.forEach((z, i) => {
      if (!z.managed_pages) return;
      const batch = k.pageset(0, i).batch;
      let refill = 1 << s.maxOrder;
      for (let o = s.minOrder; o <= s.maxOrder; o++) refill = Math.max(refill, (batch > 1 ? Math.max(batch >> o, 2) : 1) << o);
      const floor = z.wmark(WMARK_MIN) - s.kernel.nr_cpus * refill;
      const low = mem.load(s.lowFree + i);
      if (low < floor) watermarks.push({ message: `node ${z.nid} ${z.name}: NR_FREE_PAGES fell to ${low} after an unprivileged allocation, below min ${z.wmark(WMARK_MIN)} less ${s.kernel.nr_cpus} CPUs x ${refill} pages of refill` });
    });
    // Boot marks every pageblock MOVABLE and frees every page to the MOVABLE lists: only a
    // fallback (__rmqueue_fallback, which the kernel traces as mm_page_alloc_extfrag) moves free
    // pages to another type's lists or claims a pageblock for another type.
    const migratetypes = new Violations();
    let foreignBlocks = 0;
    let extfrag = 0;
    k.zones.forEach((z, i) => {
      const f = mem.load(s.foreign + i);
      const e = mem.load(s.extfrag + i);
      foreignBlocks += f;
      extfrag += e;
      if (f > 0 && e === 0) migratetypes.add(`node ${z.nid} ${z.name}: ${f} block(s) handed out from a pageblock of another migrate type than asked, and no fallback in this zone moved or claimed one`);
    });
    const badPages = mem.load(s.kernel.header + H_BAD_PAGE);
    let allocs = 0;
    let failed = 0;
    roles.forEach((r, a) => {
      if (r !== 'cpu') return;
      allocs += counter(a, 'allocs');
      failed += counter(a, 'failed');
    });
    const hits = k.pcpStat(S_PCP_HIT);
    const refills = k.pcpStat(S_PCP_REFILL);
    const wakeups = s.kernel.nodes.reduce((n, node) => n + mem.load(node + N_KSWAPD_WAKEUPS), 0);
    const oracles: OracleResult[] = [
      { name: 'free-lists', violations: audit.violations },
      conservation.result('conservation'),
      ownership.result('ownership'),
      { name: 'watermarks', violations: watermarks },
      migratetypes.result('migratetype-fallbacks'),
      // What boot left in memblock (its ops all ran there): sorted, merged, totals right.
      { name: 'memblock', violations: new Memblock(mem, s.kernel.memblock).audit().map((message) => ({ message })) },
    ];
    return {
      oracles,
      outcomes: { lost },
      notes: [
        `${allocs} blocks allocated, ${failed} refused below the watermarks; ${badPages} bad page report(s)${badPages ? `, the last: pfn 0x${PageAlloc.badPagePfn(k).toString(16)}, ${PageAlloc.badPageReason(k)}` : ''}`,
        `migrate types: ${foreignBlocks} block(s) from a pageblock of another type than asked, ${extfrag} fallback(s) (mm_page_alloc_extfrag)`,
        `pagesets: ${hits} hits, ${refills} refills, ${k.pcpStat(S_PCP_DRAIN)} drains; NUMA: ${k.pcpStat(S_NUMA_HIT)} hit, ${k.pcpStat(S_NUMA_MISS)} miss, ${k.pcpStat(S_NUMA_FOREIGN)} foreign; kswapd woken ${wakeups} time(s)`,
      ],
    };
  },
});
