import type { Mem } from '../shm/mem.js';
import { VM_CALL_GENERAL, VM_CALL_METHOD_MISSING, vm_call_handler } from './call_handler.js';
import {
  DC_CC_POOL_EXHAUSTED, DC_MC_INLINE_HIT, DC_MC_INLINE_MISS_INVALIDATED, DC_MC_INLINE_MISS_KLASS, DC_METHOD_MISSING,
  DC_PIC_HIT, DC_PIC_MEGAMORPHIC, DC_PIC_NEW,
} from './debug_counters.js';
import {
  CC_CALL, CC_CME, CC_GEN, CC_IMEMO, CC_KLASS, CC_WORDS, EMPTY_CC, IMEMO_PIC, METHOD_ENTRY_INVALIDATED, ME_DEF_SERIAL, ME_FLAGS,
  ME_WORDS, PIC_ENTRY0, PIC_MAX, SITE_WORDS, S_CD_CC, S_CI, S_MID, S_PIC_OVERFLOW,
} from './layout.js';
import { NO_CC } from './method_cache.js';
import type { SerialCache } from './serial_cache.js';
import { DESIGN_SERIAL } from './vm_method.js';
import type { Vm } from './vm.js';

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

  /** Send the call at `site` to a receiver of class `klass`; returns the body that ran (def serial; 0: method_missing). */
  call(site: number, klass: number): number {
    if (this.serial !== null) {
      const me = this.serial.search(site, klass, this.mem.load(this.vm.siteWord(site, S_MID)));
      const body = this.vm.mes.body(me);
      return body === 0 ? this.methodMissing() : body;
    }
    return this.pic !== 0 ? this.callPic(site, klass) : this.callMono(site, klass);
  }

  /** cd->cc: the one load of the site's cache word (and its generation, for the reuse oracle). */
  private loadCd(site: number): number {
    const cc = this.mem.load(this.sites + site * SITE_WORDS + S_CD_CC);
    this.cc = cc;
    if (this.stamp) this.gen = this.mem.load(this.ccBase + cc * CC_WORDS + CC_GEN);
    return cc;
  }

  /** vm_search_method_fastpath with a monomorphic inline cache, as CRuby's interpreter has. */
  private callMono(site: number, klass: number): number {
    return this.viaCc(this.loadCd(site), site, klass);
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
  private viaCc(cc: number, site: number, klass: number): number {
    const mem = this.mem;
    const w = this.ccBase + cc * CC_WORDS;
    if (mem.read(w + CC_KLASS) === klass) {
      const cme = mem.read(w + CC_CME);
      if ((mem.read(this.meBase + cme * ME_WORDS + ME_FLAGS) & METHOD_ENTRY_INVALIDATED) === 0) {
        this.vm.dc.v[DC_MC_INLINE_HIT]++;
        return this.invoke(cc, cme, site);
      }
      this.vm.dc.v[DC_MC_INLINE_MISS_INVALIDATED]++;
    } else {
      this.vm.dc.v[DC_MC_INLINE_MISS_KLASS]++;
    }
    return this.slowpath(site, klass, cc);
  }

  /** Beyond CRuby: the site's word may hold a PIC, a tuple of CCs for different classes. */
  private callPic(site: number, klass: number): number {
    const mem = this.mem;
    const p = this.loadCd(site);
    const pw = this.ccBase + p * CC_WORDS;
    if (mem.load(pw + CC_IMEMO) !== IMEMO_PIC) return this.viaCc(p, site, klass);
    for (let i = 0; i < this.pic; i++) {
      const cc = mem.load(pw + PIC_ENTRY0 + i);
      if (cc === 0) break;
      const w = this.ccBase + cc * CC_WORDS;
      if (mem.load(w + CC_KLASS) !== klass) continue;
      const cme = mem.load(w + CC_CME);
      if ((mem.read(this.meBase + cme * ME_WORDS + ME_FLAGS) & METHOD_ENTRY_INVALIDATED) !== 0) break;
      this.vm.dc.v[DC_PIC_HIT]++;
      return this.invoke(cc, cme, site);
    }
    this.vm.dc.v[DC_MC_INLINE_MISS_KLASS]++;
    return this.slowpath(site, klass, p);
  }

  /** vm_search_method_slowpath0: vm_search_cc under the VM lock, then publish with one store. */
  private slowpath(site: number, klass: number, old: number): number {
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
      return cme === 0 ? this.methodMissing() : vm.mes.body(cme);
    }
    if (this.pic !== 0 && cc !== EMPTY_CC) publish = this.picWith(site, cc, old);
    vm.lock.unlock();
    if (cc !== EMPTY_CC || this.pic === 0) mem.store(vm.siteWord(site, S_CD_CC), publish);
    this.cc = cc;
    if (this.stamp) this.gen = mem.load(this.ccBase + cc * CC_WORDS + CC_GEN);
    return this.invoke(cc, mem.load(this.ccBase + cc * CC_WORDS + CC_CME), site);
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
    if (x === EMPTY_CC) return false;
    const k = ccs.klass(x);
    return k !== 0 && k !== klass && !this.vm.mes.invalidated(ccs.cme(x));
  }

  /** The call handler: vm_call_general picks the fast path on first use and stores it (see call_handler.ts). */
  private invoke(cc: number, cme: number, site: number): number {
    const mem = this.mem;
    const w = this.ccBase + cc * CC_WORDS + CC_CALL;
    // cc->call_ is filled in lazily by whichever guild calls first; either value dispatches correctly.
    let call = mem.read(w);
    if (call === VM_CALL_GENERAL) {
      call = vm_call_handler(this.vm.mes, cme, mem.load(this.sites + site * SITE_WORDS + S_CI));
      if (cc !== EMPTY_CC) mem.store(w, call);
    }
    if (call === VM_CALL_METHOD_MISSING) {
      if (cme === 0) return this.methodMissing();
      this.vm.dc.v[DC_METHOD_MISSING]++;
    }
    return mem.read(this.meBase + cme * ME_WORDS + ME_DEF_SERIAL);
  }

  private methodMissing(): number {
    this.vm.dc.v[DC_METHOD_MISSING]++;
    return 0;
  }

  /** True when the slot the last call read still has the generation it had when read (with `stamp`). */
  genIntact(): boolean {
    return this.mem.load(this.ccBase + this.cc * CC_WORDS + CC_GEN) === this.gen;
  }
}
