import type { Mem } from '../shm/mem.js';
import { CI_EMBED_FLAG_SHFT, VM_CALL_FCALL, vm_ci_flag } from './call_info.js';
import {
  CALL_ARGUMENT_ERROR, CALL_METHOD_MISSING, CALL_TYPE_ERROR, VM_CALL_ARITY_ERROR, VM_CALL_GENERAL, VM_CALL_IVAR, VM_CALL_METHOD_MISSING, VM_CALL_PROTECTED,
  VM_CALL_REFINED, VM_CALL_ZSUPER, vm_call_arity, vm_call_handler,
} from './call_handler.js';
import {
  DC_ARGUMENT_ERROR, DC_BIND_CALL, DC_CALL_PROTECTED, DC_CALL_REFINED, DC_CALL_ZSUPER, DC_CC_POOL_EXHAUSTED, DC_MC_INLINE_HIT, DC_MC_INLINE_MISS_INVALIDATED,
  DC_MC_INLINE_MISS_KLASS, DC_METHOD_MISSING, DC_PIC_HIT, DC_PIC_MEGAMORPHIC, DC_PIC_NEW, DC_SUPER_CALL,
} from './debug_counters.js';
import {
  CC_CALL, CC_CME, CC_GEN, CC_IMEMO, CC_KLASS, CC_WORDS, EMPTY_CC, IMEMO_PIC, METHOD_ENTRY_INVALIDATED, METHOD_VISI_PRIVATE, METHOD_VISI_PROTECTED, ME_CALLED_ID, ME_DEFINED_CLASS, ME_DEF_SERIAL,
  ME_FLAGS, ME_OWNER, ME_WORDS, PIC_ENTRY0, PIC_MAX, SITE_WORDS, S_CD_CC, S_CI, S_MID, S_PIC_OVERFLOW, T_ICLASS, T_MODULE, VM_METHOD_TYPE_REFINED,
  VM_METHOD_TYPE_ZSUPER,
} from './layout.js';
import { resolveMethod, visibleEntry } from './method_lookup.js';
import { NO_CC } from './method_cache.js';
import type { SerialCache } from './serial_cache.js';
import { DESIGN_SERIAL } from './vm_method.js';
import type { Vm } from './vm.js';

/** Guild.frameAt before frame() has worked it out. */
export const FRAME_ORIGIN = -1;
export const FRAME_SEARCH = -2;

/**
 * A guild's side of a method call: vm_search_method's fast path (one load of the call
 * site's CC, a klass compare, the cme's INVALIDATED bit), the slow path under the VM lock
 * (vm_search_cc, then one store to publish), and the call handler. Allocation-free.
 *
 * `cc` and `gen` are the slot the last call read and its generation right after the
 * load: an oracle compares the generation again after the call to prove the slot was
 * not reclaimed and reused while the guild read it.
 */
export class Guild {
  cc = EMPTY_CC;
  gen = 0;
  /**
   * The frame of the last body that ran: its entry and the record it was found in (an
   * origin or an iclass for a module's method). `super` in that body searches from the
   * record's superclass (vm_search_normal_superclass). 0 after method_missing or an error.
   */
  frameMe = 0;
  /**
   * FRAME_ORIGIN: the origin of frameMe's defined class, worked out on demand (the fast
   * path does not); FRAME_SEARCH: a raw module entry of the serial design, found on demand
   * by a search from frameKlass (only `super` needs it).
   */
  frameAt = 0;
  private frameKlass = 0;
  private readonly mem: Mem;
  private readonly ccBase: number;
  private readonly meBase: number;
  private readonly serial: SerialCache | null;
  private readonly pic: number;
  private readonly sites: number;
  /** Scratch for the entries a new PIC keeps (slow path, no allocation). */
  private readonly keep = new Int32Array(PIC_MAX);

  constructor(
    private readonly vm: Vm,
    /** This guild's index among guilds: its copy of the serial design's caches. */
    copy: number,
    /** Read the generation stamp of every slot used (for the reuse oracle; benchmarks leave it off). */
    private readonly stamp = true,
  ) {
    this.mem = vm.mem;
    this.ccBase = vm.ref.ccs.base;
    this.meBase = vm.ref.mes.base;
    this.sites = vm.ref.sites;
    this.serial = vm.design === DESIGN_SERIAL ? vm.serialCache(copy) : null;
    this.pic = vm.config.pic > 1 ? vm.config.pic : 0;
  }

  /**
   * Send the call at `site` to a receiver of class `klass` from a caller whose self is an
   * instance of `self` (0: none in the tree; only the protected check reads it). Returns
   * the body that ran (def serial), CALL_METHOD_MISSING (0) or CALL_ARGUMENT_ERROR (-1).
   */
  call(site: number, klass: number, self = 0): number {
    if (this.serial !== null) return this.callSerial(site, klass, self);
    // Stryker disable next-line ConditionalExpression: with no PIC, callPic finds no PIC in the word and goes on to viaCc with the same slot (an equivalent mutant; the test spares one load)
    return this.pic !== 0 ? this.callPic(site, klass, self) : this.viaCc(this.loadCd(site), site, klass, self);
  }

  /**
   * `super` at `site` in the body of the last frame (frameAt): vm_search_super_method. The
   * site's CC is keyed by the superclass record (an iclass, an origin or a class), so a
   * super site in a module's method sees one class per ancestry it is called through.
   */
  callSuper(site: number, frameAt: number, self = 0): number {
    this.vm.dc.v[DC_SUPER_CALL]++;
    const klass = frameAt <= 0 ? 0 : this.vm.tree.superclassForSuper(frameAt);
    if (klass === 0) {
      // No superclass: nothing is read from any slot (the empty CC's generation never moves).
      this.cc = EMPTY_CC;
      if (this.stamp) this.gen = this.genOf(EMPTY_CC);
      return this.methodMissing();
    }
    return this.call(site, klass, self);
  }

  /**
   * UnboundMethod#bind_call (umethod_bind_call) of `me` (what instance_method found) on a
   * receiver of class `recv` with call info `ciLo`: TypeError unless the receiver is a kind
   * of the method's owner (convert_umethod_to_method_components; a module's method binds
   * to anything); then the
   * entry runs whatever its visibility and whatever has been redefined since (no cache is
   * involved). A module's method runs through the iclass of its module in the receiver's
   * ancestry (rb_class_search_ancestor, walked without the lock); `super` goes on from there.
   */
  bindCall(me: number, recv: number, ciLo: number): number {
    const { vm } = this;
    const { tree, mes } = vm;
    vm.dc.v[DC_BIND_CALL]++;
    this.frameMe = this.frameAt = 0;
    const methclass = mes.field(me, ME_OWNER);
    if (tree.typeOf(methclass) !== T_MODULE && !tree.kindOf(recv, methclass)) return CALL_TYPE_ERROR;
    const run = vm.config.bindCallLookup ? vm.instanceMethod(recv, mes.field(me, ME_CALLED_ID)) : me;
    if (run === 0) return this.methodMissing();
    if (vm_call_arity(mes, run, ciLo) === VM_CALL_ARITY_ERROR) {
      vm.dc.v[DC_ARGUMENT_ERROR]++;
      return CALL_ARGUMENT_ERROR;
    }
    const owner = mes.field(run, ME_OWNER);
    this.frameMe = run;
    if (tree.typeOf(owner) !== T_MODULE) this.frameAt = FRAME_ORIGIN;
    else for (let c = recv, table = tree.origin(owner); c !== 0 && this.frameAt === 0; c = tree.superOf(c)) if (tree.typeOf(c) === T_ICLASS && tree.moduleOf(c) === table) this.frameAt = c;
    return mes.field(run, ME_DEF_SERIAL);
  }

  /** The record the last body was found in (where its `super` searches on from): call right after the call. */
  frame(): number {
    const { tree, mes } = this.vm;
    if (this.frameAt === FRAME_ORIGIN) this.frameAt = tree.origin(mes.field(this.frameMe, ME_DEFINED_CLASS));
    else if (this.frameAt === FRAME_SEARCH) {
      tree.searchMethod(this.frameKlass, mes.field(this.frameMe, ME_CALLED_ID));
      this.frameAt = tree.definedClass;
    }
    return this.frameAt;
  }

  /** The replaced design: the serial-keyed caches give a raw entry; ZSUPER and REFINED ones resolve on a fresh walk. */
  private callSerial(site: number, klass: number, self: number): number {
    const mid = this.mem.load(this.vm.siteWord(site, S_MID));
    const me = this.serial!.search(site, klass, mid);
    const mes = this.vm.mes;
    if (me === 0 || mes.undefinedP(me)) return this.methodMissing();
    const ciLo = this.mem.load(this.vm.siteWord(site, S_CI));
    const call = vm_call_handler(mes, me, ciLo);
    this.frameKlass = klass;
    const at = mes.field(me, ME_DEFINED_CLASS) === 0 ? FRAME_SEARCH : FRAME_ORIGIN;
    // Stryker disable next-line ConditionalExpression,EqualityOperator,BlockStatement: callSlow ends a body handler's call the same way (frameMe = me, frameAt = at); this only spares its loads (equivalent mutants)
    if (call <= VM_CALL_IVAR) {
      this.frameMe = me;
      this.frameAt = at;
      return mes.field(me, ME_DEF_SERIAL);
    }
    const t = mes.type(me);
    if (t !== VM_METHOD_TYPE_ZSUPER && t !== VM_METHOD_TYPE_REFINED) return this.callSlow(call, me, at, site, self);
    const found = this.vm.tree.searchMethod(klass, mid);
    return this.callSlow(call, found, this.vm.tree.definedClass, site, self);
  }

  /** cd->cc: the one load of the site's cache word (and its generation, for the reuse oracle). */
  private loadCd(site: number): number {
    const cc = this.mem.load(this.sites + site * SITE_WORDS + S_CD_CC);
    this.cc = cc;
    if (this.stamp) this.gen = this.genOf(cc);
    return cc;
  }

  /**
   * A CC's klass and cme, and a cme's body, are written before the CC is published and stay
   * until it is reclaimed (after a barrier): plain reads, as CRuby's fast path makes. The
   * atomic load of cd->cc that found the CC orders them. The cme's INVALIDATED bit is set
   * while guilds call; CRuby reads it plainly too, and so may we: a redefinition sets it
   * before it publishes its new version, so a call that began after the publication (its
   * version load synchronises with it) sees the bit, and one that overlaps it may run
   * either body, which is what the linearisability oracle allows.
   */
  private viaCc(cc: number, site: number, klass: number, self: number): number {
    const mem = this.mem;
    const w = this.ccBase + cc * CC_WORDS;
    if (mem.read(w + CC_KLASS) === klass) {
      const cme = mem.read(w + CC_CME);
      // Stryker disable next-line ArithmeticOperator: ME_FLAGS is word 0 of an entry, so - ME_FLAGS reads the same word (an equivalent mutant)
      if ((mem.read(this.meBase + cme * ME_WORDS + ME_FLAGS) & METHOD_ENTRY_INVALIDATED) === 0) {
        this.vm.dc.v[DC_MC_INLINE_HIT]++;
        return this.invoke(cc, cme, site, self);
      }
      this.vm.dc.v[DC_MC_INLINE_MISS_INVALIDATED]++;
    } else {
      this.vm.dc.v[DC_MC_INLINE_MISS_KLASS]++;
    }
    return this.slowpath(site, klass, cc, self);
  }

  /** Beyond CRuby: the site's word may hold a PIC, a tuple of CCs for different classes. */
  private callPic(site: number, klass: number, self: number): number {
    const mem = this.mem;
    const p = this.loadCd(site);
    const pw = this.ccBase + p * CC_WORDS;
    if (mem.load(pw + CC_IMEMO) !== IMEMO_PIC) return this.viaCc(p, site, klass, self);
    for (let i = 0; i < this.pic; i++) {
      const cc = mem.load(pw + PIC_ENTRY0 + i);
      // Stryker disable next-line ConditionalExpression: entries are filled from the first and the rest stay 0; slot 0 is the empty CC, whose klass 0 matches no class (an equivalent mutant)
      if (cc === 0) break;
      const w = this.ccBase + cc * CC_WORDS;
      if (mem.load(w + CC_KLASS) !== klass) continue;
      const cme = mem.load(w + CC_CME);
      // Stryker disable next-line ArithmeticOperator: ME_FLAGS is word 0 of an entry, so - ME_FLAGS reads the same word (an equivalent mutant)
      if ((mem.read(this.meBase + cme * ME_WORDS + ME_FLAGS) & METHOD_ENTRY_INVALIDATED) !== 0) break;
      this.vm.dc.v[DC_PIC_HIT]++;
      return this.invoke(cc, cme, site, self);
    }
    this.vm.dc.v[DC_MC_INLINE_MISS_KLASS]++;
    return this.slowpath(site, klass, p, self);
  }

  /** vm_search_method_slowpath0: vm_search_cc under the VM lock, then publish with one store. */
  private slowpath(site: number, klass: number, old: number, self: number): number {
    const { mem, vm } = this;
    const ciLo = mem.load(vm.siteWord(site, S_CI));
    const mid = mem.load(vm.siteWord(site, S_MID));
    vm.lock.lock(vm.owner);
    const cc = vm.pcmc.vm_search_cc(klass, ciLo, mid);
    let publish = cc;
    if (cc === NO_CC) {
      // No slot until a collection: run this call uncached, as rb_funcall does, and ask for one.
      vm.dc.v[DC_CC_POOL_EXHAUSTED]++;
      vm.requestGc();
      const cme = vm.pcmc.lastCme;
      vm.lock.unlock();
      return this.invoke(EMPTY_CC, cme, site, self);
    }
    if (this.pic !== 0 && cc !== EMPTY_CC) publish = this.picWith(site, cc, old);
    vm.lock.unlock();
    if (cc !== EMPTY_CC || this.pic === 0) mem.store(vm.siteWord(site, S_CD_CC), publish);
    this.cc = cc;
    if (this.stamp) this.gen = this.genOf(cc);
    return this.invoke(cc, mem.load(this.ccBase + cc * CC_WORDS + CC_CME), site, self);
  }

  /**
   * A new PIC: `cc` first, then the still-valid entries of the old cache (a CC or a PIC).
   * A site that misses while its PIC holds `pic` valid entries for other classes is
   * megamorphic: it goes back to one CC for good (as CRuby's sites always are), since a
   * PIC there would be rebuilt, one allocation per miss. Under the VM lock.
   */
  private picWith(site: number, cc: number, old: number): number {
    const { mem, vm } = this;
    const ccs = vm.ccs;
    const klass = ccs.klass(cc);
    const overflow = vm.siteWord(site, S_PIC_OVERFLOW);
    if (mem.load(overflow) !== 0) return cc;
    const keep = this.keep;
    let kept = 0;
    if (ccs.imemo(old) === IMEMO_PIC) {
      for (let i = 0; i < this.pic; i++) {
        const x = mem.load(ccs.w(old, PIC_ENTRY0 + i));
        if (this.picKeeps(x, klass)) keep[kept++] = x;
      }
    } else if (this.picKeeps(old, klass)) {
      keep[kept++] = old;
    }
    if (kept === 0) return cc;
    if (kept >= this.pic) {
      mem.store(overflow, 1);
      vm.dc.v[DC_PIC_MEGAMORPHIC]++;
      return cc;
    }
    const p = ccs.alloc(IMEMO_PIC);
    if (p === 0) return cc;
    vm.dc.v[DC_PIC_NEW]++;
    ccs.setField(p, PIC_ENTRY0, cc);
    for (let i = 0; i < kept; i++) ccs.setField(p, PIC_ENTRY0 + 1 + i, keep[i]);
    return p;
  }

  /** An old entry worth keeping in a new PIC: a valid CC for another class. */
  private picKeeps(x: number, klass: number): boolean {
    const ccs = this.vm.ccs;
    // Stryker disable next-line ConditionalExpression: the empty CC's klass is 0, which the next line refuses too (an equivalent mutant; the test names the case)
    if (x === EMPTY_CC) return false;
    const k = ccs.klass(x);
    return k !== 0 && k !== klass && !this.vm.mes.invalidated(ccs.cme(x));
  }

  /**
   * The call handler: vm_call_general picks the fast path on first use and stores it (see
   * call_handler.ts); a handler up to vm_call_ivar runs the body, the rest go the slow way.
   * The EMPTY_CC (and an uncached call's) handler is worked out each time and not stored.
   */
  private invoke(cc: number, cme: number, site: number, self: number): number {
    const mem = this.mem;
    const w = this.ccBase + cc * CC_WORDS + CC_CALL;
    // cc->call_ is filled in lazily by whichever guild calls first; either value dispatches correctly.
    let call = mem.read(w);
    // Stryker disable next-line ConditionalExpression: the handler is a function of (cme, ci) alone, so working it out again gives the value stored (an equivalent mutant)
    if (call === VM_CALL_GENERAL) {
      call = vm_call_handler(this.vm.mes, cme, mem.load(this.vm.siteWord(site, S_CI)));
      if (cc !== EMPTY_CC) mem.store(w, call);
    }
    if (call <= VM_CALL_IVAR) {
      this.frameMe = cme;
      this.frameAt = FRAME_ORIGIN;
      return mem.read(this.meBase + cme * ME_WORDS + ME_DEF_SERIAL);
    }
    // Stryker disable next-line ConditionalExpression: entry 0 (NULL) is never written, so its defined class reads 0 and origin(0) is 0 (an equivalent mutant)
    const at = cme === 0 ? 0 : this.vm.tree.origin(mem.read(this.meBase + cme * ME_WORDS + ME_DEFINED_CLASS));
    return this.callSlow(call, cme, at, site, self);
  }

  /**
   * What does not run a body straight away: method_missing, ArgumentError, the protected
   * check against self's class (vm_defined_class_for_protected_call: the method's owner),
   * and ZSUPER / REFINED entries, resolved per call under the VM lock (a search; for a
   * REFINED entry first among the refinements active at the site, search_refined_method).
   */
  private callSlow(handler: number, cme: number, at: number, site: number, self: number): number {
    const { vm } = this;
    const { mes, tree } = vm;
    const ciLo = this.mem.load(this.vm.siteWord(site, S_CI));
    let call = handler;
    if (call === VM_CALL_PROTECTED) {
      vm.dc.v[DC_CALL_PROTECTED]++;
      if (!tree.kindOf(self, mes.field(cme, ME_OWNER))) return this.methodMissing();
      call = vm_call_handler(mes, cme, ciLo | (VM_CALL_FCALL << CI_EMBED_FLAG_SHFT));
    }
    let target = cme;
    let rec = at;
    if (call === VM_CALL_ZSUPER || call === VM_CALL_REFINED) {
      vm.dc.v[call === VM_CALL_ZSUPER ? DC_CALL_ZSUPER : DC_CALL_REFINED]++;
      const mid = mes.field(cme, ME_CALLED_ID);
      vm.lock.lock(vm.owner);
      const refined = call === VM_CALL_REFINED ? vm.refinements.search(tree, mes, site, cme, mid) : 0;
      // vm_call_refined checks the visibility of what it resolves to; a ZSUPER entry's own was checked.
      const visible = refined !== 0 ? refined : call === VM_CALL_REFINED ? visibleEntry(tree, mes, cme, at, mid) : cme;
      target = refined !== 0 ? refined : resolveMethod(tree, mes, cme, at, mid);
      rec = refined !== 0 ? vm.refinements.rec : tree.definedClass;
      vm.lock.unlock();
      if (target === 0) return this.methodMissing();
      if (call === VM_CALL_REFINED && (vm_ci_flag(ciLo) & VM_CALL_FCALL) === 0) {
        const visi = mes.visi(visible);
        if (visi === METHOD_VISI_PRIVATE || (visi === METHOD_VISI_PROTECTED && !tree.kindOf(self, mes.field(visible, ME_OWNER)))) return this.methodMissing();
      }
      call = vm_call_arity(mes, target, ciLo);
    }
    if (call === VM_CALL_METHOD_MISSING) return this.methodMissing();
    if (call === VM_CALL_ARITY_ERROR) {
      vm.dc.v[DC_ARGUMENT_ERROR]++;
      this.frameMe = this.frameAt = 0;
      return CALL_ARGUMENT_ERROR;
    }
    this.frameMe = target;
    this.frameAt = rec;
    return mes.field(target, ME_DEF_SERIAL);
  }

  private methodMissing(): number {
    this.vm.dc.v[DC_METHOD_MISSING]++;
    this.frameMe = this.frameAt = 0;
    return CALL_METHOD_MISSING;
  }

  /** True when the slot the last call read still has the generation it had when read (with `stamp`). */
  genIntact(): boolean {
    return this.genOf(this.cc) === this.gen;
  }

  /** The generation stamp of slot `cc`. */
  private genOf(cc: number): number {
    const w = this.ccBase + cc * CC_WORDS;
    // Stryker disable next-line ArithmeticOperator: CC_GEN is word 0, so w - CC_GEN is w (an equivalent mutant)
    return this.mem.load(w + CC_GEN);
  }
}
