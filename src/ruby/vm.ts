import { MemraceError } from '../errors.js';
import type { Violation } from '../core/violation.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import { SpinLock } from '../shm/spinlock.js';
import { CI_EMBED_ARGC_MASK, CI_EMBED_FLAG_MASK, vm_ci_pack } from './call_info.js';
import { VmBarrier, type BarrierRef } from './barrier.js';
import { CallCaches, type CallCachesRef } from './call_cache.js';
import { ClassTree, type ClassTreeRef } from './class_tree.js';
import { DebugCounters } from './debug_counters.js';
import {
  CC_IMEMO, EMPTY_CC, IMEMO_PIC, MAX_RECV, PIC_ENTRY0, PIC_MAX, SITE_WORDS, S_CD_CC, S_CI, S_MID, S_NRECV, S_PIC_OVERFLOW, S_RECV, VM_ACTIVE, VM_BARRIER, VM_CLASS_SERIAL,
  VM_GC_COUNT, VM_GC_WANTED, VM_HEADER_WORDS, VM_LOCK, VM_PARKED,
} from './layout.js';
import { MethodCache, type MethodCacheRef } from './method_cache.js';
import { MethodEntries, type MethodDef, type MethodEntriesRef } from './method_entry.js';
import { SerialCache, type SerialCacheRef } from './serial_cache.js';
import { DESIGN_CCS, DESIGN_SERIAL, VmMethod } from './vm_method.js';
import { ClassInclude, SKIP_INCLUDE, SKIP_NONE, SKIP_PREPEND } from './class_include.js';
import { rb_mod_init_copy } from './class_copy.js';
import { Refinements, type RefinementsRef } from './refinement.js';
import { resolveMethod } from './method_lookup.js';

export const DESIGNS = ['ccs', 'serial-gmc'] as const;
export type Design = (typeof DESIGNS)[number];

/** The shape of a VM: capacities and the design it runs. */
export interface VmConfig {
  /** Class records (classes, modules and iclasses). */
  capacity: number;
  mids: number;
  /** Method entries the whole run may make. */
  maxEntries: number;
  /** Disposable cache slots (CCs and PICs). */
  ccSlots: number;
  sites: number;
  guilds: number;
  design: Design;
  /** The broken variant: one serial-design cache shared by every guild. */
  sharedSerial: boolean;
  negativeCache: boolean;
  /** Entries of a polymorphic inline cache; 0 or 1: none (CRuby's interpreter has none). */
  pic: number;
  /** A broken variant: include_modules_at leaves out the invalidation of an include or a prepend. */
  skipInvalidation?: 'include' | 'prepend';
  /** A broken variant: bind_call looks its method up again by name instead of running the entry it holds. */
  bindCallLookup?: boolean;
}

/** Everything a worker needs to re-attach a VM: plain numbers. */
export interface VmRef {
  config: VmConfig;
  header: number;
  sites: number;
  tree: ClassTreeRef;
  mes: MethodEntriesRef;
  ccs: CallCachesRef;
  pcmc: MethodCacheRef;
  serial: SerialCacheRef | null;
  crefs: RefinementsRef;
}

/**
 * One Ruby VM in the image: the class tree, method entries, the call-cache pool, the
 * per-class method caches, the call sites, the VM lock and barrier. `Vm.create` lays it
 * out on the main thread; each actor attaches its own view with its own debug counters.
 */
export class Vm {
  readonly tree: ClassTree;
  readonly mes: MethodEntries;
  readonly ccs: CallCaches;
  readonly pcmc: MethodCache;
  readonly method: VmMethod;
  readonly inclusion: ClassInclude;
  readonly refinements: Refinements;
  readonly lock: SpinLock;
  readonly barrier: VmBarrier;
  readonly dc = new DebugCounters();
  readonly design: number;
  readonly config: VmConfig;

  constructor(
    readonly mem: Mem,
    readonly ref: VmRef,
    /** The lock owner id (the actor's id). */
    readonly owner = 0,
  ) {
    this.config = ref.config;
    this.design = ref.config.design === 'serial-gmc' ? DESIGN_SERIAL : DESIGN_CCS;
    this.tree = new ClassTree(mem, ref.tree);
    this.mes = new MethodEntries(mem, ref.mes);
    this.ccs = new CallCaches(mem, ref.ccs);
    this.pcmc = new MethodCache(mem, ref.pcmc, this.tree, this.mes, this.ccs, this.dc);
    this.method = new VmMethod(mem, this.tree, this.mes, this.pcmc, this.dc, this.design, ref.header + VM_CLASS_SERIAL);
    const skip = ref.config.skipInvalidation === 'include' ? SKIP_INCLUDE : ref.config.skipInvalidation === 'prepend' ? SKIP_PREPEND : SKIP_NONE;
    this.inclusion = new ClassInclude(this.tree, this.method, this.dc, skip);
    this.refinements = new Refinements(mem, ref.crefs);
    // Stryker disable next-line ArithmeticOperator: VM_LOCK is word 0 of the header (an equivalent mutant)
    this.lock = new SpinLock(mem, ref.header + VM_LOCK);
    this.barrier = new VmBarrier(mem, this.barrierRef());
  }

  static create(arena: Arena, mem: Mem, config: VmConfig): Vm {
    const header = arena.allocWords('ruby.vm', VM_HEADER_WORDS);
    const tree = ClassTree.create(arena, mem, config.capacity, config.mids);
    const ref: VmRef = {
      config,
      header,
      sites: arena.allocWords('ruby.call_sites', config.sites * SITE_WORDS),
      tree: tree.ref,
      mes: MethodEntries.create(arena, mem, config.maxEntries).ref,
      ccs: CallCaches.create(arena, mem, config.ccSlots).ref,
      pcmc: MethodCache.create(arena, mem, tree, config.negativeCache),
      serial: config.design === 'serial-gmc' ? SerialCache.create(arena, config.sharedSerial ? 1 : config.guilds, config.sites) : null,
      crefs: Refinements.create(arena, config.sites),
    };
    mem.store(header + VM_CLASS_SERIAL, config.capacity + 1);
    mem.store(header + VM_ACTIVE, config.guilds);
    return new Vm(mem, ref);
  }

  /** Image words a VM of this shape takes. */
  static words(c: VmConfig): number {
    // The header and the sites are whole cache lines: no alignment slack after them.
    return (
      VM_HEADER_WORDS + c.sites * SITE_WORDS + ClassTree.words(c.capacity, c.mids) + MethodEntries.words(c.maxEntries) +
      CallCaches.words(c.ccSlots) + MethodCache.words(c.capacity, c.mids) + Refinements.words(c.sites) +
      (c.design === 'serial-gmc' ? SerialCache.words(c.sharedSerial ? 1 : c.guilds, c.sites) : 0)
    );
  }

  private barrierRef(): BarrierRef {
    const h = this.ref.header;
    return { request: h + VM_BARRIER, parked: h + VM_PARKED, active: h + VM_ACTIVE };
  }

  /** The serial design's caches for guild `copy` (its private copy, or the shared one). */
  serialCache(copy: number): SerialCache {
    const ref = this.ref.serial;
    if (!ref) throw new Error('this VM runs the disposable design; it has no serial caches');
    return new SerialCache(this.mem, ref, this.tree, this.dc, this.config.sharedSerial ? 0 : copy, this.config.sharedSerial);
  }

  /** Word of field `f` of call site `site`. */
  siteWord(site: number, f: number): number {
    return this.ref.sites + site * SITE_WORDS + f;
  }

  /**
   * Write call site `site`: it sends `mid` with the call info (argc, flag) to receivers of
   * these classes, from lexical scope `scope` (the refinements `using` activated there).
   */
  defineCallSite(site: number, mid: number, argc: number, flag: number, receivers: readonly number[], scope = 0): void {
    const mem = this.mem;
    this.tree.checkMid(mid);
    if (!Number.isInteger(site) || site < 0 || site >= this.config.sites) throw new MemraceError('E_USAGE', `call site ${site} does not exist (0..${this.config.sites - 1})`);
    if (argc < 0 || argc > CI_EMBED_ARGC_MASK || flag < 0 || flag > CI_EMBED_FLAG_MASK) {
      throw new MemraceError('E_USAGE', `argc ${argc} / flag ${flag} do not fit an embedded call info (15 and 16 bits)`);
    }
    if (receivers.length < 1 || receivers.length > MAX_RECV) throw new MemraceError('E_USAGE', `a call site takes 1..${MAX_RECV} receiver classes, not ${receivers.length}`);
    mem.store(this.siteWord(site, S_CI), vm_ci_pack(argc, flag));
    mem.store(this.siteWord(site, S_MID), mid);
    mem.store(this.siteWord(site, S_CD_CC), EMPTY_CC);
    mem.store(this.siteWord(site, S_PIC_OVERFLOW), 0);
    mem.store(this.siteWord(site, S_NRECV), receivers.length);
    receivers.forEach((k, i) => mem.store(this.siteWord(site, S_RECV + i), k));
    this.refinements.setSiteScope(site, scope);
  }

  /** Receiver class `i` of a call site (i below its count, `receivers(site)`). */
  receiver(site: number, i: number): number {
    return this.mem.load(this.siteWord(site, S_RECV + i));
  }

  receivers(site: number): number {
    return this.mem.load(this.siteWord(site, S_NRECV));
  }

  /** `def m ... end` in klass (a class or module), under the VM lock. Returns the new entry. */
  defineMethod(klass: number, mid: number, def: MethodDef): number {
    return this.underLock(() => this.method.rb_add_method(klass, mid, def));
  }

  /** `undef_method :m` in klass, under the VM lock: 0, or -ENOENT (NameError) when no ancestor defines it. */
  undefMethod(klass: number, mid: number): number {
    return this.underLock(() => this.method.rb_undef_method(klass, mid));
  }

  /** `remove_method :m` in klass, under the VM lock: 0, or -ENOENT (NameError) when klass does not define it. */
  removeMethod(klass: number, mid: number): number {
    return this.underLock(() => this.method.rb_remove_method(klass, mid));
  }

  /** `klass.include(module)` (a class or a module), under the VM lock: 0, or -EINVAL (ArgumentError: cyclic include). */
  include(klass: number, module: number): number {
    return this.underLock(() => this.inclusion.rb_include_module(klass, module));
  }

  /** `klass.prepend(module)` (a class), under the VM lock: 0, or -EINVAL (ArgumentError: cyclic prepend). */
  prepend(klass: number, module: number): number {
    return this.underLock(() => this.inclusion.rb_prepend_module(klass, module));
  }

  /** `private :m` / `protected :m` / `public :m` in klass, under the VM lock: 0, or -ENOENT (NameError). */
  setVisibility(klass: number, mid: number, visi: 'public' | 'private' | 'protected'): number {
    return this.underLock(() => this.method.rb_export_method(klass, mid, { private: visi === 'private', protected: visi === 'protected' }));
  }

  /** `alias_method new, old` in klass, under the VM lock: 0, or -ENOENT (NameError). */
  alias(klass: number, mid: number, old: number): number {
    return this.underLock(() => this.method.rb_alias(klass, mid, old));
  }

  /** `refine klass do def m ... end end` with no `using`: a REFINED entry in klass, under the VM lock. */
  refine(klass: number, mid: number): number {
    return this.underLock(() => this.method.rb_add_refined_method_entry(klass, mid));
  }

  /**
   * `klass.instance_method(mid)` (mnew_internal), under the VM lock: the entry that a call
   * would run now (ZSUPER and REFINED entries followed), which the UnboundMethod keeps
   * whatever later changes; 0 (NameError) when none.
   */
  instanceMethod(klass: number, mid: number): number {
    return this.underLock(() => {
      const { tree } = this;
      tree.check(klass, 'class');
      tree.checkMid(mid);
      // mnew(mod, ...) searches from mod itself: a module prepended to it comes first.
      const me = tree.searchMethod(klass, mid);
      // Stryker disable next-line ConditionalExpression: resolveMethod of entry 0 is 0 (an equivalent mutant)
      return me === 0 ? 0 : resolveMethod(tree, this.mes, me, tree.definedClass, mid);
    });
  }

  /** `refine klass do ... end`: a new refinement module for klass (its methods go in with defineMethod), under the VM lock. */
  newRefinement(klass: number): number {
    return this.underLock(() => this.tree.defineRefinement(klass));
  }

  /** `using` in lexical scope `scope` (1..15): these refinement modules, in priority order, ahead of those already active there. */
  using(scope: number, refinements: readonly number[]): void {
    this.underLock(() => {
      this.refinements.using(scope, refinements);
      return 0;
    });
  }

  /** `orig.dup` of a class or module (rb_mod_init_copy), under the VM lock. Returns the copy. */
  copyClass(orig: number): number {
    return this.underLock(() => rb_mod_init_copy(this.tree, this.mes, this.inclusion, orig));
  }

  /** Run a definition change holding the VM lock (released even when it throws on misuse). */
  private underLock(change: () => number): number {
    this.lock.lock(this.owner);
    try {
      return change();
    } finally {
      this.lock.unlock();
    }
  }

  get gcWanted(): boolean {
    return this.mem.load(this.ref.header + VM_GC_WANTED) !== 0;
  }

  requestGc(): void {
    this.mem.store(this.ref.header + VM_GC_WANTED, 1);
    this.mem.notify(this.ref.header + VM_GC_WANTED, 1);
  }

  /** The word a collector sleeps on between its rounds (a request wakes it). */
  get gcWantedWord(): number {
    return this.ref.header + VM_GC_WANTED;
  }

  get gcCount(): number {
    return this.mem.load(this.ref.header + VM_GC_COUNT);
  }

  /**
   * Reclaim the cache slots nothing references: mark from every call site and every pCMC
   * entry, sweep the rest (their generation moves on). With `stopTheWorld` (CRuby's way)
   * every guild is parked at a safepoint meanwhile, so none can be between loading a slot
   * index and reading the slot. Without it (the broken variant) a guild can read a slot
   * that was swept and handed to someone else. Returns slots freed; -1 when the guilds
   * could not all be stopped (nothing was reclaimed).
   */
  collect(stopTheWorld: boolean): number {
    if (stopTheWorld && !this.barrier.stopTheWorld()) return -1;
    this.lock.lock(this.owner);
    let freed: number;
    try {
      this.markRoots();
      freed = this.ccs.sweep();
      this.mem.store(this.ref.header + VM_GC_WANTED, 0);
      this.mem.add(this.ref.header + VM_GC_COUNT, 1);
    } finally {
      this.lock.unlock();
      if (stopTheWorld) this.barrier.restart();
    }
    return freed;
  }

  private markRoots(): void {
    const { mem, ccs, pcmc, tree } = this;
    for (let s = 0; s < this.config.sites; s++) {
      const p = mem.load(this.siteWord(s, S_CD_CC));
      // Stryker disable next-line ConditionalExpression: the empty CC is no PIC, and a PIC marked already has its entries marked: going on marks nothing new (an equivalent mutant)
      if (p === EMPTY_CC || !ccs.mark(p)) continue;
      if (mem.load(ccs.w(p, CC_IMEMO)) === IMEMO_PIC) {
        for (let i = 0; i < PIC_MAX; i++) {
          const cc = ccs.field(p, PIC_ENTRY0 + i);
          if (cc !== 0) ccs.mark(cc);
        }
      }
    }
    for (let k = 1; k < tree.used; k++) {
      for (let mid = 0; mid < tree.mids; mid++) {
        const e = pcmc.ccsOf(k, mid);
        // Stryker disable next-line ConditionalExpression: ccs 0 is never handed out: its length reads 0 (an equivalent mutant)
        if (e === 0) continue;
        for (let i = 0, n = pcmc.ccsLen(e); i < n; i++) ccs.mark(pcmc.ccsEntry(e, i).cc);
      }
    }
  }

  /** Invariants of a quiescent VM: the tree's shape and the pCMC's consistency. */
  audit(): Violation[] {
    return [...this.tree.audit(), ...this.pcmc.audit()];
  }
}
