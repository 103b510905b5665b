import { ENOENT } from '../errors.js';
import type { Mem } from '../shm/mem.js';
import type { ClassTree } from './class_tree.js';
import {
  DC_CC_CME_INVALIDATE, DC_CC_INVALIDATE_LEAF, DC_CC_INVALIDATE_LEAF_CALLABLE, DC_CC_INVALIDATE_LEAF_CCS,
  DC_CC_INVALIDATE_NEGATIVE, DC_CC_INVALIDATE_TREE, DC_CC_INVALIDATE_TREE_CALLABLE, DC_CC_INVALIDATE_TREE_CME,
  type DebugCounters,
} from './debug_counters.js';
import {
  METHOD_ENTRY_INVALIDATED, ME_DEFINED_CLASS, ME_DEF_ORIG, ME_OWNER, T_MODULE, VM_METHOD_TYPE_REFINED, VM_METHOD_TYPE_UNDEF, VM_METHOD_TYPE_ZSUPER,
} from './layout.js';
import type { MethodCache } from './method_cache.js';
import { visiBits, type MethodDef, type MethodEntries } from './method_entry.js';
import { resolveMethod, visibleEntry } from './method_lookup.js';
import { rb_class_clear_method_cache } from './serial_cache.js';

/** Which invalidation protocol a VM runs. */
export const DESIGN_CCS = 0;
export const DESIGN_SERIAL = 1;

/**
 * Defining and removing methods, with the invalidation each design needs. The caller
 * holds the VM lock, as CRuby holds it around rb_method_entry_make and remove_method.
 *
 * Disposable design (vm_method.c, CRuby 3.x): invalidate first, then change the table,
 * both inside the lock, so a guild that misses and searches (under the same lock) sees
 * the table after the change. Serial design: change the table first, then bump serials,
 * so a guild that read the old serial before searching never keys a new result with it.
 */
export class VmMethod {
  constructor(
    private readonly mem: Mem,
    private readonly tree: ClassTree,
    private readonly mes: MethodEntries,
    private readonly pcmc: MethodCache,
    private readonly dc: DebugCounters,
    readonly design: number,
    private readonly serialCounter: number,
  ) {}

  /**
   * rb_add_method (rb_method_entry_make): define or overwrite `mid` in a class or module.
   * The entry goes into RCLASS_ORIGIN(klass)'s table; the caches of klass and of its origin
   * are cleared. Over a REFINED entry the new method becomes its original (the refinement
   * stays defined). Returns the new entry.
   */
  rb_add_method(klass: number, mid: number, def: MethodDef): number {
    this.tree.check(klass, 'class');
    this.tree.checkMid(mid);
    const isModule = this.tree.typeOf(klass) === T_MODULE;
    const me = this.mes.create(mid, klass, isModule ? 0 : klass, def);
    const old = this.tree.ownMethodEntry(this.tree.origin(klass), mid);
    const refined = def.type !== VM_METHOD_TYPE_REFINED && old !== 0 && this.mes.type(old) === VM_METHOD_TYPE_REFINED;
    this.methodEntrySet(klass, mid, refined ? this.mes.create(mid, klass, isModule ? 0 : klass, { type: VM_METHOD_TYPE_REFINED, orig: me }) : me);
    return me;
  }

  /** Store `me` as klass's `mid` with the invalidation each design needs (rb_method_table_insert after rb_clear_method_cache). */
  private methodEntrySet(klass: number, mid: number, me: number): void {
    const origin = this.tree.origin(klass);
    if (this.design === DESIGN_CCS) {
      if (origin !== klass) this.rb_clear_method_cache(klass, mid);
      this.rb_clear_method_cache(origin, mid);
    }
    this.tree.setMethodEntry(origin, mid, me);
    if (this.design === DESIGN_SERIAL) this.bumpSerials(klass);
  }

  /**
   * rb_export_method (`private :m`, `public :m`, `protected :m` after the definition). A
   * method of klass's own changes visibility where it stands (CRuby sets the bits in place;
   * the model stores a copy, see MethodEntries.withVisibility); an inherited one gets a
   * ZSUPER entry in klass with the new visibility. -ENOENT (NameError) when there is none.
   */
  rb_export_method(klass: number, mid: number, visi: { private?: boolean; protected?: boolean }): number {
    const { tree, mes } = this;
    tree.check(klass, 'class');
    tree.checkMid(mid);
    const origin = tree.origin(klass);
    const me = tree.searchMethod(origin, mid);
    const defined = tree.definedClass;
    // Stryker disable next-line ConditionalExpression: resolveMethod of entry 0 is 0, so the first test only spares a call (an equivalent mutant)
    if (me === 0 || resolveMethod(tree, mes, me, defined, mid) === 0) return -ENOENT;
    const bits = visiBits(visi);
    if (mes.visi(visibleEntry(tree, mes, me, defined, mid)) === bits) return 0;
    const own = defined === klass || defined === origin;
    if (own && mes.type(me) === VM_METHOD_TYPE_REFINED && mes.field(me, ME_DEF_ORIG) !== 0) {
      // A refined entry stays public; its original gets the visibility.
      const orig = mes.withVisibility(mes.field(me, ME_DEF_ORIG), bits);
      this.methodEntrySet(klass, mid, mes.create(mid, mes.field(me, ME_OWNER), mes.field(me, ME_DEFINED_CLASS), { type: VM_METHOD_TYPE_REFINED, orig }));
    } else if (own && mes.type(me) !== VM_METHOD_TYPE_REFINED) {
      this.methodEntrySet(klass, mid, mes.withVisibility(me, bits));
    } else {
      // Inherited (or refined with no original): a ZSUPER entry, which rb_add_method puts under the refinement.
      this.rb_add_method(klass, mid, { type: VM_METHOD_TYPE_ZSUPER, ...visi });
    }
    return 0;
  }

  /**
   * rb_alias (`alias_method :new, :old` in klass): a copy of the entry a search finds for
   * `old` (through ZSUPER and REFINED entries to the body), under the name `mid`, owned by
   * klass, with the visibility of the entry found. Later changes to `old` leave it alone.
   * -ENOENT (NameError) when `old` is not found.
   */
  rb_alias(klass: number, mid: number, old: number): number {
    const { tree, mes } = this;
    tree.check(klass, 'class');
    tree.checkMid(mid);
    tree.checkMid(old);
    const me = tree.searchMethod(tree.origin(klass), old);
    // Stryker disable next-line ConditionalExpression: resolveMethod of entry 0 is 0, so the first test only spares a call (an equivalent mutant)
    const body = me === 0 ? 0 : resolveMethod(tree, mes, me, tree.definedClass, old);
    if (body === 0) return -ENOENT;
    const isModule = tree.typeOf(klass) === T_MODULE;
    const alias = mes.aliasOf(body, mid, klass, isModule ? 0 : klass);
    this.methodEntrySet(klass, mid, mes.visi(alias) === mes.visi(me) ? alias : mes.withVisibility(alias, mes.visi(me)));
    return 0;
  }

  /**
   * rb_add_refined_method_entry (`refine klass do def m`, no `using` yet): klass's own `m`
   * becomes the original of a REFINED entry, or a REFINED entry with none goes in.
   */
  rb_add_refined_method_entry(klass: number, mid: number): number {
    this.tree.check(klass, 'class');
    this.tree.checkMid(mid);
    const old = this.tree.ownMethodEntry(this.tree.origin(klass), mid);
    // Stryker disable next-line ConditionalExpression: entry 0 (NULL) is never written: its type reads ISEQ (an equivalent mutant)
    if (old !== 0 && this.mes.type(old) === VM_METHOD_TYPE_REFINED) return old;
    const isModule = this.tree.typeOf(klass) === T_MODULE;
    const me = this.mes.create(mid, klass, isModule ? 0 : klass, { type: VM_METHOD_TYPE_REFINED, orig: old });
    this.methodEntrySet(klass, mid, me);
    return me;
  }

  /**
   * rb_undef: `undef_method`, an UNDEF entry in klass that hides every ancestor's method.
   * -ENOENT (NameError "undefined method for class") when a search from klass finds none.
   */
  rb_undef_method(klass: number, mid: number): number {
    this.tree.check(klass, 'class');
    this.tree.checkMid(mid);
    const me = this.tree.searchMethod(klass, mid);
    // Stryker disable next-line ConditionalExpression: resolveMethod of entry 0 is 0, so the first test only spares a call (an equivalent mutant)
    if (me === 0 || resolveMethod(this.tree, this.mes, me, this.tree.definedClass, mid) === 0) return -ENOENT;
    this.rb_add_method(klass, mid, { type: VM_METHOD_TYPE_UNDEF });
    return 0;
  }

  /** remove_method: -ENOENT (Ruby's NameError "method not defined in C") when klass's own table (its origin's) lacks it or holds an undef. */
  rb_remove_method(klass: number, mid: number): number {
    this.tree.check(klass, 'class');
    this.tree.checkMid(mid);
    const origin = this.tree.origin(klass);
    const me = this.tree.ownMethodEntry(origin, mid);
    if (me === 0 || this.mes.undefinedP(me)) return -ENOENT;
    // methodEntrySet invalidates while the entry is still in the table: the search from klass must find it.
    this.methodEntrySet(klass, mid, 0);
    return 0;
  }

  /** Whether the model's negative cache (which serves calls) is on. */
  negativeCacheOn(): boolean {
    return this.pcmc.ref.negativeCache;
  }

  /** The serial design's rb_class_clear_method_cache: fresh serials for klass's subtree. */
  bumpSerials(klass: number): void {
    rb_class_clear_method_cache(this.mem, this.tree, this.serialCounter, klass, this.dc);
  }

  /** rb_clear_method_cache: a module repeats the work for each iclass made from it. */
  rb_clear_method_cache(klassOrModule: number, mid: number): void {
    if (this.tree.typeOf(klassOrModule) === T_MODULE) {
      for (let ic = this.tree.firstSubclass(klassOrModule); ic !== 0; ic = this.tree.nextModuleSub(ic)) this.clearInClass(ic, mid);
    } else {
      this.clearInClass(klassOrModule, mid);
    }
  }

  /** clear_method_cache_by_id_in_class. */
  private clearInClass(klass: number, mid: number): void {
    const { tree, mes, pcmc, dc } = this;
    if (tree.firstSubclass(klass) === 0) {
      // A leaf: only klass's own CCs can have klass == klass; clear them and drop the ccs.
      const ccs = pcmc.ccsOf(klass, mid);
      if (ccs !== 0) {
        if (mes.field(pcmc.ccsCme(ccs), ME_OWNER) === 0) this.invalidateNegative(mid);
        pcmc.dropCcs(klass, mid);
        dc.v[DC_CC_INVALIDATE_LEAF_CCS]++;
      }
      const cw = tree.cmTblWord(klass, mid);
      if (this.mem.load(cw) !== 0) {
        this.mem.store(cw, 0);
        dc.v[DC_CC_INVALIDATE_LEAF_CALLABLE]++;
      }
      dc.v[DC_CC_INVALIDATE_LEAF]++;
      return;
    }
    // With subclasses, whose pCMCs may all hold CCs of the entry a search from klass finds:
    // invalidate that one entry (O(ancestry)) instead of visiting them (O(subclasses)).
    const cme = this.complementedCallableMethodEntry(klass, mid);
    if (cme === 0) {
      this.invalidateNegative(mid);
      return;
    }
    if (mes.cached(cme)) {
      if (!mes.complemented(cme)) {
        // Callers that still want this method find a fresh, valid copy in its owner.
        const owner = mes.field(cme, ME_OWNER);
        tree.setMethodEntry(tree.origin(owner), mid, mes.clone(cme));
      }
      mes.setFlag(cme, METHOD_ENTRY_INVALIDATED);
      dc.v[DC_CC_CME_INVALIDATE]++;
      dc.v[DC_CC_INVALIDATE_TREE_CME]++;
    }
    if (mes.complemented(cme)) {
      this.mem.store(tree.cmTblWord(mes.field(cme, ME_DEFINED_CLASS), mid), 0);
      dc.v[DC_CC_INVALIDATE_TREE_CALLABLE]++;
    }
    dc.v[DC_CC_INVALIDATE_TREE]++;
  }

  /**
   * complemented_callable_method_entry: the callable entry a search from klass finds. For a
   * module's method (defined_class 0) with no complemented copy yet, the module's own
   * entry: nobody can have cached it (it is not CACHED), so there is nothing to invalidate.
   */
  private complementedCallableMethodEntry(klass: number, mid: number): number {
    const me = this.tree.searchMethod(klass, mid);
    const defined = this.tree.definedClass;
    // Stryker disable next-line ConditionalExpression,LogicalOperator: a class's record never holds a complemented entry and record 0's row is empty, so going on returns me (equivalent mutants)
    if (me === 0 || this.mes.field(me, ME_DEFINED_CLASS) !== 0) return me;
    return this.mem.load(this.tree.cmTblWord(defined, mid)) || me;
  }

  private invalidateNegative(mid: number): void {
    if (this.pcmc.invalidateNegative(mid)) this.dc.v[DC_CC_INVALIDATE_NEGATIVE]++;
  }
}
