import { cpus } from 'node:os';
import { Bench } from 'tinybench';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { Rng } from '../src/runtime/rng.js';
import { VM_CALL_ARGS_SIMPLE } from '../src/ruby/call_info.js';
import { EMPTY_CC, S_CD_CC } from '../src/ruby/layout.js';
import { buildProgram, hotSite, programCapacity, type ProgramSpec } from '../src/ruby/program.js';
import { Vm, type Design, type VmConfig } from '../src/ruby/vm.js';
import { Guild } from '../src/ruby/vm_insnhelper.js';
import { measurement, type BenchSuite, type Measurement, type Target } from './suite.js';

/** Calls per tinybench iteration: one call is a few ns, far below the timer's resolution. */
const BATCH = 1000;
const PLAIN = { type: 0 as const, req: 0 };

function makeVm(over: Partial<VmConfig>): Vm {
  const config: VmConfig = {
    capacity: 64, mids: 8, maxEntries: 1 << 16, ccSlots: 1 << 12, sites: 8, guilds: 1, design: 'ccs', sharedSerial: false,
    negativeCache: false, pic: 0, ...over,
  };
  const arena = Arena.create(Vm.words(config) * 4 + 65536);
  return Vm.create(arena, new AtomicsMem(arena.sab), config);
}

function setSite(vm: Vm, s: number, mid: number, klass: number): void {
  vm.defineCallSite(s, mid, 0, VM_CALL_ARGS_SIMPLE, [klass]);
}

/**
 * ns per op of each task, from the median batch time: on a shared 2-core machine a batch
 * that lost the CPU is an outlier the mean would fold in (a 12 ns hit read 100-180 ns).
 */
async function timeTasks(quick: boolean, tasks: Record<string, { fn: () => void; ops: number }>): Promise<Record<string, number>> {
  const bench = new Bench({ time: quick ? 30 : 400, warmupTime: quick ? 10 : 100 });
  for (const [name, t] of Object.entries(tasks)) bench.add(name, t.fn);
  await bench.run();
  const out: Record<string, number> = {};
  for (const task of bench.tasks) {
    const r = task.result;
    if (r.state !== 'completed') throw new Error(`bench task ${task.name} ended ${r.state}`);
    out[task.name] = (r.latency.p50 * 1e6) / tasks[task.name].ops;
  }
  return out;
}

/**
 * Inline-cache hit against a full class-tree lookup from a class at depth 6 (method defined
 * at the root). Every class on the way has 8 methods of its own, so each level probes a
 * populated id_table (an empty table answers after one load, which would flatter the walk).
 */
async function hitVersusLookup(quick: boolean): Promise<{ m: Measurement[]; t: Target }> {
  const vm = makeVm({ mids: 64 });
  let k = vm.tree.defineClass(0);
  const root = k;
  for (let d = 0; d < 6; d++) k = vm.tree.defineClass(k);
  for (let c = root, d = 0; c !== 0; c = c === k ? 0 : c + 1, d++) {
    for (let j = 0; j < 8; j++) vm.defineMethod(c, 1 + ((d * 8 + j * 7) % 63), PLAIN);
  }
  vm.defineMethod(root, 0, PLAIN);
  setSite(vm, 0, 0, k);
  const g = new Guild(vm, 0, false);
  g.call(0, k);
  // A second site whose CC is taken away before every call: each call misses and finds its CC in the pCMC.
  setSite(vm, 1, 0, k);
  let sink = 0;
  const ns = await timeTasks(quick, {
    hit: { fn: () => { for (let i = 0; i < BATCH; i++) sink += g.call(0, k); }, ops: BATCH },
    pcmc: {
      fn: () => {
        for (let i = 0; i < BATCH; i++) {
          vm.mem.store(vm.siteWord(1, S_CD_CC), EMPTY_CC);
          sink += g.call(1, k);
        }
      },
      ops: BATCH,
    },
    lookup: { fn: () => { for (let i = 0; i < BATCH; i++) sink += vm.tree.searchMethod(k, 0); }, ops: BATCH },
  });
  if (sink === 42) console.log('');
  return {
    m: [
      measurement('inline cache hit (vm_search_method fast path + handler)', 1, ns.hit / 1e6),
      measurement('inline miss found in the pCMC (VM lock + vm_search_cc)', 1, ns.pcmc / 1e6),
      measurement('class-tree lookup from depth 6 (search_method, 7 id_tables of 8 methods)', 1, ns.lookup / 1e6),
    ],
    t: { name: 'inline hit vs class-tree lookup at depth 6', ratio: ns.lookup / ns.hit, bound: 10 },
  };
}

/** One redefinition in a class with n subclasses, plus the first call after it (which misses). */
async function invalidationCurve(quick: boolean, design: Design, n: number): Promise<number> {
  const rounds = quick ? 200 : 3000;
  const vm = makeVm({ design, capacity: n + 8, ccSlots: 2 * rounds + 64, maxEntries: 8 * rounds + 64 });
  const root = vm.tree.defineClass(0);
  const c = vm.tree.defineClass(root);
  let leaf = c;
  for (let i = 0; i < n; i++) leaf = vm.tree.defineClass(c);
  vm.defineMethod(root, 0, PLAIN);
  setSite(vm, 0, 0, leaf);
  const g = new Guild(vm, 0, false);
  // Bounded by the entry pool: each redefinition makes one entry and at most one clone.
  // Best of three passes: the machine is shared, and a pass that a neighbour preempted says nothing.
  let best = Infinity;
  for (let pass = 0; pass < 3; pass++) {
    let done = 0;
    const t0 = performance.now();
    for (; done < rounds && !vm.mes.full(4); done++) {
      vm.defineMethod(c, 0, PLAIN);
      g.call(0, leaf);
    }
    if (done > 0) best = Math.min(best, ((performance.now() - t0) * 1e6) / done);
    vm.collect(false);
  }
  return best;
}

interface Workload {
  label: string;
  design: Design;
  negativeCache: boolean;
  pic: number;
}

/** A Rails-like program: 10,000 call sites, 90% monomorphic, 8% polymorphic, 2% megamorphic; one guild. */
async function railsLike(quick: boolean, w: Workload): Promise<{ m: Measurement; ccPer1k: number; ccPerSite: number }> {
  const spec: ProgramSpec = { classes: 200, depth: 6, modules: 8, mids: 32, callsites: 10_000 };
  const capacity = programCapacity(spec);
  const vm = makeVm({
    design: w.design, negativeCache: w.negativeCache, pic: w.pic, capacity, mids: spec.mids, sites: spec.callsites,
    ccSlots: 8 * spec.callsites, maxEntries: capacity * spec.mids + 1024,
  });
  buildProgram(vm, spec, new Rng(7));
  const g = new Guild(vm, 0, false);
  const rng = new Rng(11);
  const calls = quick ? 200_000 : 3_000_000;
  const picks = new Int32Array(2 * 65536);
  for (let i = 0; i < 65536; i++) {
    const site = hotSite(spec.callsites, rng.float());
    picks[2 * i] = site;
    picks[2 * i + 1] = vm.receiver(site, rng.below(vm.receivers(site)));
  }
  let sink = 0;
  const t0 = performance.now();
  for (let i = 0; i < calls; i++) {
    const j = (i & 65535) * 2;
    sink += g.call(picks[j], picks[j + 1]);
  }
  const ms = performance.now() - t0;
  if (sink === 42) console.log('');
  const ccNew = vm.dc.get('cc_new') + vm.dc.get('pic_new');
  return {
    m: measurement(`rails-like calls, ${w.label}`, calls, ms, `cc_new ${ccNew}, search_method ${vm.dc.get('search_method')}, hits ${vm.dc.get('mc_inline_hit') + vm.dc.get('pic_hit') + vm.dc.get('serial_imc_hit')}`),
    ccPer1k: (ccNew * 1000) / calls,
    ccPerSite: ccNew / spec.callsites,
  };
}

export const methodCacheSuite: BenchSuite = {
  name: 'method-cache',
  summary: "Ruby call caches: inline hit vs lookup, invalidation cost over subclass count (seed's design vs class serials), a Rails-like workload",
  async run({ quick, log }) {
    const measurements: Measurement[] = [];
    const targets: Target[] = [];
    const hv = await hitVersusLookup(quick);
    measurements.push(...hv.m);
    targets.push(hv.t);
    log(`hit vs lookup: ${hv.t.ratio.toFixed(1)}x`);
    let ratio100 = 0;
    // A first pass warms the JIT up so that neither design pays for compiling the other's code.
    for (const d of ['ccs', 'serial-gmc'] as const) for (const n of [0, 10]) await invalidationCurve(true, d, n);
    for (const n of quick ? [0, 100] : [0, 10, 100, 1000]) {
      const ccs = await invalidationCurve(quick, 'ccs', n);
      const serial = await invalidationCurve(quick, 'serial-gmc', n);
      measurements.push(measurement(`redefine + first call, ${n} subclasses, ccs`, 1, ccs / 1e6));
      measurements.push(measurement(`redefine + first call, ${n} subclasses, serial-gmc`, 1, serial / 1e6));
      log(`${n} subclasses: ccs ${ccs.toFixed(0)} ns, serial ${serial.toFixed(0)} ns`);
      if (n === 100) ratio100 = serial / ccs;
    }
    targets.push({ name: 'invalidation with 100 subclasses: serial-gmc time / ccs time', ratio: ratio100, bound: 2 });
    await railsLike(true, { label: 'warm-up', design: 'ccs', negativeCache: false, pic: 0 });
    const base = await railsLike(quick, { label: "seed's design (ccs)", design: 'ccs', negativeCache: false, pic: 0 });
    const variants = [
      base,
      await railsLike(quick, { label: 'ccs + negative cache', design: 'ccs', negativeCache: true, pic: 0 }),
      await railsLike(quick, { label: 'ccs + PIC 4', design: 'ccs', negativeCache: false, pic: 4 }),
      await railsLike(quick, { label: 'serial-gmc (per-guild copy)', design: 'serial-gmc', negativeCache: false, pic: 0 }),
    ];
    for (const v of variants) {
      measurements.push({ ...v.m, note: `${v.m.note}; ${v.ccPer1k.toFixed(2)} CCs per 1000 calls, ${v.ccPerSite.toFixed(3)} per call site` });
      log(`${v.m.name}: ${(v.m.opsPerSec / 1e6).toFixed(2)}M calls/s`);
    }
    // The seed measured 87,759 cc_new against 131,841 call data in a Rails app: fewer CCs than sites.
    targets.push({ name: 'rails-like: CCs made per call site (seed: 0.67)', ratio: base.ccPerSite, bound: 1, atMost: true });
    return { suite: 'method-cache', cpus: cpus().length, measurements, targets };
  },
};
