import { MemraceError } from '../errors.js';
import type { Violation } from '../core/violation.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import type { CallCaches } from './call_cache.js';
import type { ClassTree } from './class_tree.js';
import {
  DC_CCS_FREE, DC_CC_ENT_INVALIDATE, DC_CC_FOUND_IN_CCS, DC_CC_NEW, DC_CC_NOT_FOUND_IN_CCS, DC_SEARCH_METHOD,
  type DebugCounters,
} from './debug_counters.js';
import {
  CCS_CAPA, CCS_CME, CCS_ENTRIES, CCS_LEN, CCS_WORDS, CC_CME, EMPTY_CC, METHOD_ENTRY_CACHED, METHOD_ENTRY_INVALIDATED, ME_CALLED_ID, ME_DEFINED_CLASS,
} from './layout.js';
import type { MethodEntries } from './method_entry.js';

export interface MethodCacheRef {
  /** Word 0: ccs free-list head; word 1: ccs in use. */
  header: number;
  /** RCLASS_CC_TBL of each record, direct-indexed by mid: a ccs index or 0. */
  ccTbl: number;
  ccsBase: number;
  ccsCapacity: number;
  /** vm->negative_cme_table: mid -> the negative cme, or 0. */
  negTbl: number;
  negativeCache: boolean;
}

/** vm_search_cc found no free slot: the caller must let a collection run and retry. */
export const NO_CC = -1;

/**
 * The per-class method cache (pCMC): for each class, mid -> ccs = (cme, [(ci, cc)…]) for
 * methods found in the class or its ancestors. Everything here runs under the VM lock,
 * as CRuby's vm_search_cc and rb_clear_method_cache do; guilds reach a CC without the
 * lock only through a call site's one-word pointer.
 *
 * A ccs holds at most CCS_CAPA entries: CRuby grows the array, but it is keyed by (argc,
 * flag) and the model's call sites use fewer shapes than that (the scenario checks).
 */
export class MethodCache {
  /** The cme vm_search_cc found when it returned NO_CC: the caller runs it uncached. */
  lastCme = 0;

  constructor(
    private readonly mem: Mem,
    readonly ref: MethodCacheRef,
    private readonly tree: ClassTree,
    private readonly mes: MethodEntries,
    private readonly ccs: CallCaches,
    readonly dc: DebugCounters,
  ) {}

  static create(arena: Arena, mem: Mem, tree: ClassTree, negativeCache: boolean): MethodCacheRef {
    const records = tree.capacity + 1;
    // Every (class, mid) holds at most one ccs, so the pool can never run dry.
    const ccsCapacity = records * tree.mids;
    const ref: MethodCacheRef = {
      header: arena.allocWords('ruby.ccs.header', 2),
      ccTbl: arena.allocWords('ruby.cc_tbl', records * tree.mids),
      ccsBase: arena.allocWords('ruby.ccs', (ccsCapacity + 1) * CCS_WORDS),
      ccsCapacity,
      negTbl: arena.allocWords('ruby.negative_cme_table', tree.mids),
      negativeCache,
    };
    for (let i = ccsCapacity; i >= 1; i--) {
      // Stryker disable next-line ArithmeticOperator: CCS_CME is 0, so - CCS_CME is the same word (an equivalent mutant)
      mem.store(ref.ccsBase + i * CCS_WORDS + CCS_CME, mem.load(ref.header));
      mem.store(ref.header, i);
    }
    return ref;
  }

  static words(capacity: number, mids: number): number {
    const records = capacity + 1;
    return 64 + records * mids * (1 + CCS_WORDS) + CCS_WORDS + mids;
  }

  ccTblWord(klass: number, mid: number): number {
    // Stryker disable next-line ArithmeticOperator: every access goes through here, and klass * mids - mid is as one-to-one for classes from 1 (mirrored within each class's row), so no program can tell (an equivalent mutant)
    return this.ref.ccTbl + klass * this.tree.mids + mid;
  }

  private cw(ccs: number, f: number): number {
    // Stryker disable next-line ArithmeticOperator: every field goes through cw, and ccs * CCS_WORDS - f keeps each ccs inside its own CCS_WORDS words (mirrored), so no program can tell (an equivalent mutant)
    return this.ref.ccsBase + ccs * CCS_WORDS + f;
  }

  /** The ccs for (klass, mid), or 0. */
  ccsOf(klass: number, mid: number): number {
    return this.mem.load(this.ccTblWord(klass, mid));
  }

  ccsCme(ccs: number): number {
    return this.mem.load(this.cw(ccs, CCS_CME));
  }

  ccsLen(ccs: number): number {
    return this.mem.load(this.cw(ccs, CCS_LEN));
  }

  ccsEntry(ccs: number, i: number): { ci: number; cc: number } {
    return { ci: this.mem.load(this.cw(ccs, CCS_ENTRIES + 2 * i)), cc: this.mem.load(this.cw(ccs, CCS_ENTRIES + 2 * i + 1)) };
  }

  get ccsLive(): number {
    return this.mem.load(this.ref.header + 1);
  }

  /** vm_ccs_create: a ccs for `cme` in klass's cc_tbl; marks the cme CACHED. */
  vm_ccs_create(klass: number, mid: number, cme: number): number {
    const mem = this.mem;
    const ccs = mem.load(this.ref.header);
    if (ccs === 0) throw new MemraceError('E_LAYOUT', 'ccs pool exhausted: one per (class, mid) was reserved');
    mem.store(this.ref.header, mem.load(this.cw(ccs, CCS_CME)));
    mem.store(this.cw(ccs, CCS_CME), cme);
    mem.store(this.cw(ccs, CCS_LEN), 0);
    mem.add(this.ref.header + 1, 1);
    this.mes.setFlag(cme, METHOD_ENTRY_CACHED);
    mem.store(this.ccTblWord(klass, mid), ccs);
    return ccs;
  }

  private vm_ccs_push(ccs: number, ciLo: number, cc: number): void {
    const len = this.ccsLen(ccs);
    if (len >= CCS_CAPA) throw new MemraceError('E_LAYOUT', `a ccs holds ${CCS_CAPA} call shapes; the program uses more`);
    this.mem.store(this.cw(ccs, CCS_ENTRIES + 2 * len), ciLo);
    this.mem.store(this.cw(ccs, CCS_ENTRIES + 2 * len + 1), cc);
    this.mem.store(this.cw(ccs, CCS_LEN), len + 1);
  }

  /**
   * rb_vm_ccs_free + rb_id_table_delete: every CC of the ccs gets klass = 0 (so no call
   * site hits it again) and the ccs leaves the table. The CCs themselves stay readable
   * until a collection proves nobody holds them.
   */
  dropCcs(klass: number, mid: number): void {
    const ccs = this.ccsOf(klass, mid);
    if (ccs === 0) return;
    const len = this.ccsLen(ccs);
    for (let i = 0; i < len; i++) {
      this.ccs.invalidate(this.mem.load(this.cw(ccs, CCS_ENTRIES + 2 * i + 1)));
      this.dc.v[DC_CC_ENT_INVALIDATE]++;
    }
    this.mem.store(this.ccTblWord(klass, mid), 0);
    this.mem.store(this.cw(ccs, CCS_LEN), 0);
    this.mem.store(this.cw(ccs, CCS_CME), this.mem.load(this.ref.header));
    this.mem.store(this.ref.header, ccs);
    this.mem.sub(this.ref.header + 1, 1);
    this.dc.v[DC_CCS_FREE]++;
  }

  /**
   * rb_callable_method_entry: search the ancestry; a module's entry found through an
   * iclass is complemented (a callable copy kept in the iclass's callable_m_tbl). With the
   * negative cache (Ruby 3.0's callable_method_entry_or_negative) the result, found or
   * not, is remembered in klass's cc_tbl, so the next miss walks nothing. Returns 0 when
   * the method does not exist or an undef entry ends the search.
   */
  callableMethodEntry(klass: number, mid: number): number {
    const neg = this.ref.negativeCache;
    if (neg) {
      const ccs = this.ccsOf(klass, mid);
      if (ccs !== 0) {
        const cme = this.ccsCme(ccs);
        if (!this.mes.invalidated(cme)) return this.mes.undefinedP(cme) ? 0 : cme;
        this.dropCcs(klass, mid);
      }
    }
    this.dc.v[DC_SEARCH_METHOD]++;
    const me = this.tree.searchMethod(klass, mid);
    const defined = this.tree.definedClass;
    let cme = me;
    if (me !== 0 && this.mes.field(me, ME_DEFINED_CLASS) === 0) {
      const w = this.tree.cmTblWord(defined, mid);
      cme = this.mem.load(w);
      if (cme === 0) {
        cme = this.mes.complement(me, defined);
        this.mem.store(w, cme);
      }
    }
    // An undef entry is cached as what it is (CACHED, so that defining the method where
    // it stands invalidates it); only the caller is told "no method".
    if (neg) this.vm_ccs_create(klass, mid, cme !== 0 ? cme : this.negativeCme(mid));
    // Stryker disable next-line ConditionalExpression: entry 0 (NULL) is never written, so it is no UNDEF entry and 0 comes back either way (an equivalent mutant)
    return cme !== 0 && this.mes.undefinedP(cme) ? 0 : cme;
  }

  /** negative_cme: one "no such method" entry per mid, shared by every class. */
  private negativeCme(mid: number): number {
    const w = this.ref.negTbl + mid;
    let cme = this.mem.load(w);
    if (cme === 0) {
      cme = this.mes.createNegative(mid);
      this.mem.store(w, cme);
    }
    return cme;
  }

  /** invalidate_negative_cache: defining `mid` anywhere ends every "no such method" answer for it. */
  invalidateNegative(mid: number): boolean {
    const w = this.ref.negTbl + mid;
    const cme = this.mem.load(w);
    if (cme === 0) return false;
    this.mem.store(w, 0);
    this.mes.setFlag(cme, METHOD_ENTRY_INVALIDATED);
    return true;
  }

  negativeCmeOf(mid: number): number {
    return this.mem.load(this.ref.negTbl + mid);
  }

  /**
   * vm_search_cc: a CC for (klass, ci). Reuse the ccs entry with the same (argc, flag);
   * otherwise find the cme (dropping a ccs whose cme was invalidated), make a CC and push
   * it. Not found: the shared empty CC. NO_CC when the pool is exhausted.
   */
  vm_search_cc(klass: number, ciLo: number, mid: number): number {
    const mem = this.mem;
    let ccs = this.ccsOf(klass, mid);
    // Stryker disable next-line ConditionalExpression: ccs 0 is never handed out, so its cme and length read 0: no entry is found in it (an equivalent mutant)
    if (ccs !== 0) {
      if (this.mes.invalidated(this.ccsCme(ccs))) {
        this.dropCcs(klass, mid);
        ccs = 0;
      } else {
        const len = this.ccsLen(ccs);
        for (let i = 0; i < len; i++) {
          if (mem.load(this.cw(ccs, CCS_ENTRIES + 2 * i)) === ciLo) {
            this.dc.v[DC_CC_FOUND_IN_CCS]++;
            return mem.load(this.cw(ccs, CCS_ENTRIES + 2 * i + 1));
          }
        }
      }
    }
    this.dc.v[DC_CC_NOT_FOUND_IN_CCS]++;
    let cme: number;
    if (ccs !== 0) {
      cme = this.ccsCme(ccs);
      if (this.mes.undefinedP(cme)) cme = 0;
    } else {
      cme = this.callableMethodEntry(klass, mid);
    }
    if (cme === 0) return EMPTY_CC;
    this.mes.setFlag(cme, METHOD_ENTRY_CACHED);
    // Stryker disable next-line ConditionalExpression: a ccs found above is still klass's for mid, so ccsOf gives it again (an equivalent mutant)
    if (ccs === 0) ccs = this.ccsOf(klass, mid) || this.vm_ccs_create(klass, mid, cme);
    const cc = this.ccs.vm_cc_new(klass, cme);
    if (cc === 0) {
      this.lastCme = cme;
      return NO_CC;
    }
    this.dc.v[DC_CC_NEW]++;
    this.vm_ccs_push(ccs, ciLo, cc);
    return cc;
  }

  /** Entries (ccs, CC entries) per class: the pCMC's memory, which the seed leaves unbounded. */
  sizes(): { classes: number; ccs: number; entries: number; maxPerClass: number } {
    let classes = 0;
    let ccsN = 0;
    let entries = 0;
    let maxPerClass = 0;
    for (let k = 1; k < this.tree.used; k++) {
      let mine = 0;
      for (let mid = 0; mid < this.tree.mids; mid++) {
        const ccs = this.ccsOf(k, mid);
        if (ccs === 0) continue;
        ccsN++;
        mine += this.ccsLen(ccs);
      }
      if (mine > 0) classes++;
      entries += mine;
      maxPerClass = Math.max(maxPerClass, mine);
    }
    return { classes, ccs: ccsN, entries, maxPerClass };
  }

  /**
   * Invariants of a quiescent pCMC: each ccs's cme is for its mid; each entry's CC has the
   * table's class (or 0 after invalidation) and the ccs's cme; a valid ccs's cme is CACHED.
   */
  audit(): Violation[] {
    const out: Violation[] = [];
    for (let k = 1; k < this.tree.used; k++) {
      for (let mid = 0; mid < this.tree.mids; mid++) {
        const ccs = this.ccsOf(k, mid);
        if (ccs === 0) continue;
        const cme = this.ccsCme(ccs);
        const where = `cc_tbl[${this.tree.nameOf(k)}][m${mid}]`;
        if (this.mes.field(cme, ME_CALLED_ID) !== mid) out.push({ message: `ccs cme is for m${this.mes.field(cme, ME_CALLED_ID)}`, where });
        if (!this.mes.cached(cme)) out.push({ message: 'ccs cme is not marked CACHED: an invalidation would skip it', where });
        for (let i = 0; i < this.ccsLen(ccs); i++) {
          const cc = this.mem.load(this.cw(ccs, CCS_ENTRIES + 2 * i + 1));
          const ck = this.ccs.klass(cc);
          if (ck !== k && ck !== 0) out.push({ message: `entry ${i}: cc ${cc} has klass ${this.tree.nameOf(ck)}`, where });
          if (this.ccs.field(cc, CC_CME) !== cme) out.push({ message: `entry ${i}: cc ${cc} has another cme than its ccs`, where });
        }
      }
    }
    return out;
  }
}
