import { ConfigError } from '../errors.js';
import { defineScenario, type OracleResult, type Violation } from '../lab/scenario.js';
import type { Params } from '../lab/params.js';
import type { ActorContext } from '../runtime/context.js';
import { Rng } from '../runtime/rng.js';
import { DebugCounters } from '../ruby/debug_counters.js';
import { roundCapa } from '../ruby/id_table.js';
import {
  DISPATCH_OK, DISPATCH_STALE, DISPATCH_UNVERIFIABLE, DISPATCH_WRONG, DefLog, type DefLogRef,
} from '../ruby/deflog.js';
import { CALL_ARGUMENT_ERROR, CALL_METHOD_MISSING } from '../ruby/call_handler.js';
import { VM_CALL_SUPER, vm_ci_flag } from '../ruby/call_info.js';
import { CC_IMEMO, EMPTY_CC, IMEMO_FREE, IMEMO_PIC, PIC_ENTRY0, PIC_MAX, S_CD_CC, S_CI, S_MID } from '../ruby/layout.js';
import { buildProgram, checkParents, hotSite, programCapacity, type ProgramSpec } from '../ruby/program.js';
import { REDEFINE_COUNTERS, redefineOne } from './method-cache-redefine.js';
import { BIND_CAPTURED, BIND_WRONG, UNBOUND_SLOTS, bindCallOp } from './method-cache-bind.js';
import { CallHistory, RedefinitionHistory, methodCacheHistorySpec } from './method-cache-history.js';
import { auditSerialCaches } from '../ruby/serial_cache.js';
import { DESIGNS, Vm, type Design, type VmConfig, type VmRef } from '../ruby/vm.js';
import { Guild } from '../ruby/vm_insnhelper.js';

/**
 * Guilds run a program's call sites in parallel against one class tree while a redefiner
 * defines, overwrites and removes methods at a set rate and, between redefinitions, plays
 * the VM's collector (reclaiming dropped call caches at a VM barrier). Every call is
 * checked against the definition log: it must have run a body that was the correct
 * lookup result at some instant during the call (SPEC.md part 5).
 */
const OP_CALL = 1;
const OP_REDEFINE = 2;
const OP_COLLECT = 3;
const OP_BIND_CALL = 4;

const O_OK = 0;
const O_METHOD_MISSING = 1;
const O_UNVERIFIABLE = 2;
const O_STALE = 3;
const O_WRONG = 4;
const O_REUSED = 5;
const O_ARGUMENT_ERROR = 6;
const O_BIND_OK = 7;
const O_BIND_WRONG = 8;

const K_CALLS = 0;
const K_COLLECTIONS = 4;
const K_FREED = 5;
/** Records the redefiner may add by include and prepend (iclasses, origins). */
const SHAPE_RESERVE = 512;

/** Outcomes are added to the shared histogram in batches: an atomic add per call would cost as much as the call. */
const FLUSH_EVERY = 1024;

interface State {
  vm: VmRef;
  deflog: DefLogRef;
  classes: number[];
  modules: number[];
  /** UNBOUND_SLOTS words: UnboundMethods shared by the guilds. */
  unbound: number;
}

type P = Params & {
  guilds: number; classes: number; depth: number; modules: number; methods: number; callsites: number;
  redefineRate: number; design: Design; negativeCache: boolean; pic: number; polymorphic: number; megamorphic: number; superSites: number; bindCalls: number;
  ccReserve: number;
  tree: string; variant: string;
  duration: number; seed: number;
};

function parents(p: P): number[] | undefined {
  if (p.tree.trim() === '') return undefined;
  const out = p.tree.split(',').map((x) => Number(x.trim()));
  checkParents(out, p.classes);
  return out;
}

function spec(p: P): ProgramSpec {
  return {
    classes: p.classes, depth: p.depth, modules: p.modules, mids: p.methods, callsites: p.callsites, parents: parents(p),
    polymorphic: p.polymorphic, megamorphic: p.megamorphic, superSites: p.superSites,
  };
}

function vmConfig(p: P): VmConfig {
  const capacity = programCapacity(spec(p)) + SHAPE_RESERVE;
  const pic = p.pic > 1 ? p.pic : 1;
  return {
    capacity,
    mids: p.methods,
    // Starting definitions, plus per redefinition the new entry, a clone and complemented copies.
    maxEntries: capacity * p.methods + 65536,
    ccSlots: 2 * p.callsites * (1 + pic) + p.ccReserve,
    sites: p.callsites,
    guilds: p.guilds,
    design: p.variant === 'inplace-imc' ? 'serial-gmc' : p.design,
    sharedSerial: p.variant === 'inplace-imc',
    negativeCache: p.negativeCache,
    pic: p.pic,
    skipInvalidation: p.variant === 'include-no-invalidate' ? 'include' : p.variant === 'prepend-no-invalidate' ? 'prepend' : undefined,
    bindCallLookup: p.variant === 'bind-call-lookup',
  };
}

function guild(ctx: ActorContext<P, State>): unknown {
  const { mem, state: s, rng } = ctx;
  const vm = new Vm(mem, s.vm, ctx.actor);
  const g = new Guild(vm, ctx.actorsOf('guild').indexOf(ctx.actor));
  const log = new DefLog(mem, s.deflog, vm.mes);
  const sites = vm.config.sites;
  let ok = 0;
  let missing = 0;
  let argError = 0;
  let batch = 0;
  const seen: string[] = [];
  const bindShare = ctx.params.bindCalls;
  const last = new Int32Array(2);
  const history = ctx.history ? new CallHistory(ctx.history) : null;
  // Under an op budget every call is an op (the budget counts calls, not batches of them).
  const flushEvery = ctx.opBounded ? 1 : FLUSH_EVERY;
  while (!ctx.stopped()) {
    // The safepoint: between calls this guild holds no cache slot.
    vm.barrier.safepoint();
    const site = hotSite(sites, rng.float());
    const klass = vm.receiver(site, rng.below(vm.receivers(site)));
    const mid = mem.load(vm.siteWord(site, S_MID));
    const ciLo = mem.load(vm.siteWord(site, S_CI));
    if (bindShare > 0 && rng.float() < bindShare) {
      ctx.op(OP_BIND_CALL);
      const r = bindCallOp(vm, g, mem, s.unbound, rng, klass, mid, ciLo, last);
      if (r === BIND_WRONG) {
        ctx.outcome(O_BIND_WRONG);
        if (seen.length < 5) seen.push(`bind_call: ${vm.tree.nameOf(klass)}#m${mid} ran ${last[0]}, the UnboundMethod holds ${last[1]}`);
      } else if (r !== BIND_CAPTURED) ctx.outcome(O_BIND_OK);
      ctx.done(1);
      continue;
    }
    ctx.op(OP_CALL);
    const v0 = log.version();
    ctx.begin();
    history?.invoke(klass, mid, ciLo);
    // A super site is `super` in a method of class klass: found in klass's origin, it searches on above it.
    const body = (vm_ci_flag(ciLo) & VM_CALL_SUPER) !== 0 ? g.callSuper(site, vm.tree.origin(klass)) : g.call(site, klass);
    history?.respond(body);
    ctx.end();
    const v1 = log.version();
    if (!g.genIntact()) ctx.outcome(O_REUSED);
    const verdict = log.check(klass, mid, ciLo, body, v0, v1);
    if (verdict === DISPATCH_OK) {
      if (body === CALL_METHOD_MISSING) missing++;
      else if (body === CALL_ARGUMENT_ERROR) argError++;
      else ok++;
    } else {
      ctx.outcome(verdict === DISPATCH_STALE ? O_STALE : verdict === DISPATCH_WRONG ? O_WRONG : O_UNVERIFIABLE);
      if (verdict !== DISPATCH_UNVERIFIABLE && seen.length < 5) {
        seen.push(`${verdict === DISPATCH_STALE ? 'stale' : 'wrong'}: site ${site} ${vm.tree.nameOf(klass)}#m${mid} returned ${body} (cc ${g.cc}) in versions ${v0}..${v1}; ${log.describe(klass, mid, ciLo)}`);
      }
    }
    if (++batch === flushEvery) {
      ctx.outcome(O_OK, ok);
      ctx.outcome(O_METHOD_MISSING, missing);
      ctx.outcome(O_ARGUMENT_ERROR, argError);
      ctx.count(K_CALLS, batch);
      ctx.done(batch);
      ok = missing = argError = batch = 0;
    }
  }
  ctx.outcome(O_OK, ok);
  ctx.outcome(O_METHOD_MISSING, missing);
  ctx.outcome(O_ARGUMENT_ERROR, argError);
  ctx.count(K_CALLS, batch);
  ctx.done(batch);
  vm.barrier.leave();
  ctx.contention(0, vm.lock.stats.spins, vm.lock.stats.waits);
  return { debug: vm.dc.toJSON(), seen };
}

/**
 * Redefines at `redefineRate` by the wall clock and, between redefinitions, collects. Under an
 * op budget (the deterministic engine, `memrace step`) a timed wait times out only when every
 * actor waits, so the clock would never let it in while the guilds run: there it makes its
 * budget's redefinitions one after another, each a scheduling point among the guilds' calls,
 * then only collects when asked until the stop flag.
 */
function redefiner(ctx: ActorContext<P, State>): unknown {
  const { mem, state: s, params: p, rng } = ctx;
  const vm = new Vm(mem, s.vm, ctx.actor);
  const log = new DefLog(mem, s.deflog, vm.mes);
  const stopWorld = p.variant !== 'no-barrier';
  const interval = p.redefineRate > 0 ? 1000 / p.redefineRate : Infinity;
  const byOps = ctx.opBounded;
  // Room a redefinition may need in the entry pool: the new entry, a clone, complemented copies.
  const margin = vm.tree.capacity + 2;
  // Room in the id_table pool: a few tables grown (a definition and the clones it makes).
  const tableMargin = 8 * (1 + 2 * roundCapa(vm.tree.mids + (vm.tree.mids >> 1)));
  let next = performance.now() + interval;
  let sinceCollect = 0;
  let gcMs = 0;
  const hasCcs = s.vm.serial === null;
  const history = ctx.history ? new RedefinitionHistory(ctx.history) : null;
  while (!ctx.stopFlag()) {
    const now = byOps ? 0 : performance.now();
    const due = byOps ? interval !== Infinity && !ctx.stopped() : now >= next;
    const redefine = due && !vm.mes.full(margin) && !vm.tree.ids.full(tableMargin);
    if (redefine) {
      ctx.op(OP_REDEFINE);
      history?.begin();
      log.begin();
      const mid = redefineOne(vm, rng, s.classes, s.modules, (k) => ctx.count(k));
      log.commit(vm.tree, vm.mes, mid, history?.changed);
      history?.end();
      ctx.done(1);
      sinceCollect++;
      // Catch up after a stall, but never in a burst longer than a second's worth.
      next = Math.max(next + interval, now - 1000);
    }
    // Collect when a guild asked, when the pool runs low, or every few redefinitions (so
    // reclamation is exercised). The serial design makes no call caches: nothing to collect.
    if (hasCcs && (vm.gcWanted || vm.ccs.free < vm.ccs.ref.capacity / 4 || sinceCollect >= (byOps ? 1 : 4))) {
      ctx.op(OP_COLLECT);
      const t0 = performance.now();
      const freed = vm.collect(stopWorld);
      gcMs += performance.now() - t0;
      if (freed >= 0) {
        ctx.count(K_COLLECTIONS);
        ctx.count(K_FREED, freed);
      }
      sinceCollect = 0;
      continue;
    }
    if (byOps && redefine) continue;
    mem.wait(vm.gcWantedWord, 0, byOps ? 5 : Math.max(0.05, Math.min(5, next - performance.now())));
  }
  return { debug: vm.dc.toJSON(), stops: vm.barrier.stops, stopWaitMs: vm.barrier.waitMs, gcMs, lockWaits: vm.lock.stats.waits };
}

export const methodCache = defineScenario<P, State>({
  name: 'method-cache',
  summary: 'Ruby Guilds: disposable call caches and per-class method caches under parallel calls and redefinitions (Feature #16614)',
  subsystem: 'ruby',
  omit: ['workers'],
  actorParam: 'guilds',
  params: [
    { name: 'guilds', type: 'int', default: 2, min: 1, max: 63, help: 'guilds (Ractors) running call sites; one more actor redefines and collects' },
    { name: 'classes', type: 'int', default: 50, min: 1, max: 2000, help: 'classes in the tree (class 1 is the root)' },
    { name: 'depth', type: 'int', default: 6, min: 1, max: 64, help: 'deepest superclass chain of the random tree' },
    { name: 'modules', type: 'int', default: 4, min: 0, max: 64, help: 'modules, each included into two classes' },
    { name: 'methods', type: 'int', default: 16, min: 1, max: 256, help: 'method ids; the root defines three quarters of them' },
    { name: 'callsites', type: 'int', default: 1000, min: 1, max: 200_000, help: 'call sites in the program' },
    { name: 'redefineRate', type: 'rate', default: 100, help: 'method definitions and removals per second (0: none)' },
    { name: 'design', type: 'choice', default: 'ccs', choices: DESIGNS, help: "ccs: the seed's disposable CCs and pCMC; serial-gmc: class serials, global method cache, in-place inline caches per guild" },
    { name: 'negativeCache', type: 'bool', default: false, help: 'cache "no such method" per class (Ruby 3.0; a TODO of the seed)' },
    { name: 'pic', type: 'int', default: 0, min: 0, max: PIC_MAX, help: `polymorphic inline cache entries per site (0: monomorphic, as CRuby; 2..${PIC_MAX})` },
    { name: 'polymorphic', type: 'number', default: 0.08, min: 0, max: 1, help: 'share of call sites that see 2..4 receiver classes' },
    { name: 'megamorphic', type: 'number', default: 0.02, min: 0, max: 1, help: 'share of call sites that see 8..12 receiver classes' },
    { name: 'superSites', type: 'number', default: 0.05, min: 0, max: 1, help: 'share of call sites that are `super` in a method of one class (vm_search_super_method)' },
    { name: 'tree', type: 'string', default: '', help: 'parents of classes 2..N, comma-separated (default: a random tree)' },
    { name: 'bindCalls', type: 'number', default: 0.02, min: 0, max: 1, help: 'share of guild operations that take instance_method into, or bind_call one from, UnboundMethods shared by the guilds' },
    { name: 'ccReserve', type: 'int', default: 4096, min: 0, max: 1 << 20, help: 'call-cache slots beyond two per call site: the pool the collector sweeps and reclaims into' },
  ],
  variants: [
    { name: 'correct', summary: 'the chosen design as it must run among parallel guilds' },
    // Few hot, polymorphic sites: guilds fill one site's shared entry at once (the defaults made 0.24M calls in 2 s and passed).
    {
      name: 'inplace-imc', summary: "the serial design's inline and global caches shared by every guild and filled in place (Ruby 2.x's order, plain stores)",
      defaults: { callsites: 200, guilds: 3, polymorphic: 0.5, megamorphic: 0.5 },
      cannotShow: [{
        flag: '--variant', when: (p) => p.pic !== 0 || p.negativeCache, why: () => 'inplace-imc is the serial design, which has no PIC or negative cache',
        allowed: 'inplace-imc without --pic and --negative-cache', example: { pic: 2 },
      }],
    },
    // A small hot program redefined often: dropped call caches are reclaimed while guilds still read them (2 s caught 14 of 20).
    {
      name: 'no-barrier', summary: 'reclaims dropped call caches without stopping the guilds at a safepoint',
      defaults: { callsites: 20, classes: 12, methods: 4, guilds: 3, redefineRate: '5000/s', duration: '6s' },
      // A guild must be inside one call (some ten accesses) while a redefinition drops its CC, the
      // other guild republishes the site and a collection sweeps the slot. With the default pool
      // the four sweeps of 4,000 slots are most of a run's turns and PCT's change points land
      // there (none in 1,000); two sites and a pool of a dozen slots put them in the calls.
      explore: { callsites: 2, classes: 2, methods: 2, guilds: 2, ccReserve: 8 },
    },
    { name: 'include-no-invalidate', summary: "include links the iclass without clearing the caches its module's methods shadow (the model's old bug)" },
    { name: 'prepend-no-invalidate', summary: 'prepend links the iclass without clearing the class\'s caches for the module\'s methods' },
    { name: 'bind-call-lookup', summary: 'bind_call looks its method up again by name at call time instead of running the entry instance_method took' },
  ],
  outcomes: [
    { id: 'ok', grade: 'ACCEPTABLE', description: 'ran a body that was the lookup result at some instant during the call' },
    { id: 'method-missing', grade: 'ACCEPTABLE', description: 'no method (or a private one without FCALL) at some instant during the call: method_missing ran' },
    { id: 'unverifiable', grade: 'ACCEPTABLE_INTERESTING', description: 'the call overlapped more redefinitions of its (class, mid) than the log keeps' },
    { id: 'stale', grade: 'FORBIDDEN', description: 'ran a body that a redefinition published before the call started had replaced' },
    { id: 'wrong-dispatch', grade: 'FORBIDDEN', description: 'ran a body that was never the lookup result for its receiver class and mid' },
    { id: 'reused-cc-read', grade: 'FORBIDDEN', description: 'read a call-cache slot that was reclaimed and reused meanwhile (its generation moved)' },
    { id: 'argument-error', grade: 'ACCEPTABLE', description: 'the method found at some instant during the call takes another number of arguments: ArgumentError' },
    { id: 'bind-call', grade: 'ACCEPTABLE', description: "bind_call of an UnboundMethod another guild took ran its entry (or raised the entry's TypeError or ArgumentError)" },
    { id: 'bind-call-wrong', grade: 'FORBIDDEN', description: 'bind_call ran something else than the entry its UnboundMethod holds (or missed its TypeError or ArgumentError)' },
  ],
  counters: [...REDEFINE_COUNTERS],
  opNames: ['start', 'call', 'redefine', 'collect', 'bind_call'],
  validate(p) {
    if (p.pic === 1) throw new ConfigError('--pic', 'a PIC of one entry is the monomorphic cache', `0, or 2 to ${PIC_MAX}`);
    if (p.design === 'serial-gmc' && (p.pic !== 0 || p.negativeCache)) {
      throw new ConfigError('--design', "serial-gmc has no PIC or negative cache (they extend the seed's design)", 'ccs with --pic or --negative-cache');
    }
    if (p.polymorphic + p.megamorphic > 1) {
      throw new ConfigError('--polymorphic', `${p.polymorphic} + --megamorphic ${p.megamorphic} is more than every call site`, 'shares that add up to at most 1');
    }
    parents(p);
  },
  imageBytes(p) {
    return (Vm.words(vmConfig(p)) + DefLog.words(vmConfig(p).capacity, p.methods) + UNBOUND_SLOTS + 16) * 4 + 65536;
  },
  actors(p) {
    return [...Array<string>(p.guilds).fill('guild'), 'redefiner'];
  },
  setup(arena, mem, p) {
    const vm = Vm.create(arena, mem, vmConfig(p));
    const info = buildProgram(vm, spec(p), new Rng(p.seed));
    const deflog = new DefLog(mem, DefLog.create(arena, vm.tree.capacity, p.methods), vm.mes);
    deflog.init(vm.tree, vm.mes);
    return { vm: vm.ref, deflog: deflog.ref, classes: info.classes, modules: info.modules, unbound: arena.allocWords('ruby.unbound_methods', UNBOUND_SLOTS) };
  },
  roles: { guild, redefiner },
  serves: ['redefiner'],
  history: { spec: (_p, s, mem) => methodCacheHistorySpec(mem, s.vm) },
  check({ mem, state: s, results, counter, roles }) {
    const vm = new Vm(mem, s.vm);
    const cached: Violation[] = [];
    const reach: Violation[] = [];
    // Quiescent: a call site's valid CC must be the answer a lookup gives now.
    for (let site = 0; site < vm.config.sites; site++) {
      const p = mem.load(vm.siteWord(site, S_CD_CC));
      if (p === EMPTY_CC) continue;
      const imemo = mem.load(vm.ccs.w(p, CC_IMEMO));
      if (imemo === IMEMO_FREE) {
        reach.push({ message: `call site holds slot ${p}, which is on the free list`, where: `site ${site}` });
        continue;
      }
      const ccsHere = imemo === IMEMO_PIC ? Array.from({ length: PIC_MAX }, (_, i) => vm.ccs.field(p, PIC_ENTRY0 + i)).filter((x) => x !== 0) : [p];
      for (const cc of ccsHere) {
        const k = vm.ccs.klass(cc);
        const cme = vm.ccs.cme(cc);
        if (k === 0 || vm.mes.invalidated(cme)) continue;
        // The entry a search finds now (ZSUPER and REFINED ones as they stand: the CC holds them so).
        const now = vm.tree.searchMethod(k, mem.load(vm.siteWord(site, S_MID)));
        if (vm.mes.body(cme) !== vm.mes.body(now) || vm.mes.visi(cme) !== vm.mes.visi(now)) {
          cached.push({ message: `valid CC ${cc} for ${vm.tree.nameOf(k)} holds definition ${vm.mes.body(cme)}, but a lookup finds ${vm.mes.body(now)} (visibility ${vm.mes.visi(cme)} / ${vm.mes.visi(now)})`, where: `site ${site}` });
        }
      }
    }
    if (s.vm.serial) {
      cached.push(...auditSerialCaches(mem, s.vm.serial, vm.tree, (site) => mem.load(vm.siteWord(site, S_MID)), (me) => vm.mes.body(me)));
    }
    const oracles: OracleResult[] = [
      { name: 'cached-dispatch', violations: cached.slice(0, 20) },
      { name: 'cc-reachability', violations: reach.slice(0, 20) },
      { name: 'pcmc-consistency', violations: vm.audit().slice(0, 20) },
    ];
    const dbg = DebugCounters.sum(results.map((r) => (r as { debug?: Record<string, number> } | null)?.debug));
    const calls = roles.reduce((n, _, a) => n + counter(a, 'calls'), 0);
    const sizes = vm.pcmc.sizes();
    const red = results[roles.indexOf('redefiner')] as { stops?: number; stopWaitMs?: number; gcMs?: number } | null;
    const per1k = (x: number | undefined) => (calls > 0 ? (((x ?? 0) * 1000) / calls).toFixed(2) : '0');
    const notes = [
      `calls ${calls}: mc_inline_hit ${dbg.mc_inline_hit ?? 0}, mc_inline_miss_klass ${dbg.mc_inline_miss_klass ?? 0}, mc_inline_miss_invalidated ${dbg.mc_inline_miss_invalidated ?? 0}, pic_hit ${dbg.pic_hit ?? 0}, serial_imc_hit ${dbg.serial_imc_hit ?? 0}, super_call ${dbg.super_call ?? 0}`,
      `cc_new ${dbg.cc_new ?? 0} (${per1k(dbg.cc_new)} per 1000 calls, ${vm.config.sites} call sites), cc_found_in_ccs ${dbg.cc_found_in_ccs ?? 0}, search_method ${dbg.search_method ?? 0}, method_missing ${dbg.method_missing ?? 0}`,
      `invalidations: leaf ${dbg.cc_invalidate_leaf ?? 0} (ccs ${dbg.cc_invalidate_leaf_ccs ?? 0}), tree ${dbg.cc_invalidate_tree ?? 0} (cme ${dbg.cc_invalidate_tree_cme ?? 0}), negative ${dbg.cc_invalidate_negative ?? 0}, serial bumps ${dbg.serial_bump ?? 0}`,
      `pCMC: ${sizes.ccs} ccs with ${sizes.entries} CC entries in ${sizes.classes} classes (most in one class: ${sizes.maxPerClass}); bounded by ${vm.tree.used - 1} records x ${vm.tree.mids} mids x 8 shapes`,
      `CC pool: ${vm.ccs.live} of ${vm.ccs.ref.capacity} slots live, ${vm.ccs.allocated} allocated in all; ${vm.gcCount} collections, ${red?.stops ?? 0} stop-the-world (${(red?.stopWaitMs ?? 0).toFixed(1)} ms waiting for guilds, ${(red?.gcMs ?? 0).toFixed(1)} ms collecting); pool exhausted ${dbg.cc_pool_exhausted ?? 0} times`,
      `method entries: ${vm.mes.used - 1} of ${vm.mes.ref.capacity}`,
    ];
    for (const r of results) for (const line of (r as { seen?: string[] } | null)?.seen ?? []) notes.push(line);
    return { oracles, outcomes: { stale: cached.length }, notes };
  },
});
