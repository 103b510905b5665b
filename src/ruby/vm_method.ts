import { ENOENT } from '../errors.js';
import type { Mem } from '../shm/mem.js';
import type { ClassTree } from './class_tree.js';
import {
  DC_CC_CME_INVALIDATE, DC_CC_INVALIDATE_LEAF, DC_CC_INVALIDATE_LEAF_CALLABLE, DC_CC_INVALIDATE_LEAF_CCS,
  DC_CC_INVALIDATE_NEGATIVE, DC_CC_INVALIDATE_TREE, DC_CC_INVALIDATE_TREE_CALLABLE, DC_CC_INVALIDATE_TREE_CME,
  type DebugCounters,
} from './debug_counters.js';
import { METHOD_ENTRY_INVALIDATED, ME_DEFINED_CLASS, ME_OWNER, T_CLASS, T_MODULE, VM_METHOD_TYPE_UNDEF } from './layout.js';
import type { MethodCache } from './method_cache.js';
import type { MethodDef, MethodEntries } from './method_entry.js';
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

  /** rb_add_method: define or overwrite `mid` in a class or module. Returns the new entry. */
  rb_add_method(klass: number, mid: number, def: MethodDef): number {
    this.tree.check(klass, 'class');
    this.tree.checkMid(mid);
    const isModule = this.tree.typeOf(klass) === T_MODULE;
    const me = this.mes.create(mid, klass, isModule ? 0 : klass, def);
    if (this.design === DESIGN_CCS) this.rb_clear_method_cache(klass, mid);
    this.mem.store(this.tree.mTblWord(klass, mid), me);
    if (this.design === DESIGN_SERIAL) rb_class_clear_method_cache(this.mem, this.tree, this.serialCounter, klass, this.dc);
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
    if (me === 0 || this.mes.undefinedP(me)) return -ENOENT;
    this.rb_add_method(klass, mid, { type: VM_METHOD_TYPE_UNDEF });
    return 0;
  }

  /** remove_method: -ENOENT (Ruby's NameError "method not defined in C") when klass's own table lacks it or holds an undef. */
  rb_remove_method(klass: number, mid: number): number {
    this.tree.check(klass, 'class');
    this.tree.checkMid(mid);
    const w = this.tree.mTblWord(klass, mid);
    const me = this.mem.load(w);
    if (me === 0 || this.mes.undefinedP(me)) return -ENOENT;
    // Invalidate while the entry is still in the table: the search from klass must find it.
    if (this.design === DESIGN_CCS) this.rb_clear_method_cache(klass, mid);
    this.mem.store(w, 0);
    if (this.design === DESIGN_SERIAL) rb_class_clear_method_cache(this.mem, this.tree, this.serialCounter, klass, this.dc);
    return 0;
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
        this.mem.store(tree.mTblWord(owner, mid), mes.clone(cme));
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
   * module's method with no complemented copy yet, the module's own entry: nobody can have
   * cached it (it is not CACHED), so there is nothing to invalidate.
   */
  private complementedCallableMethodEntry(klass: number, mid: number): number {
    const me = this.tree.searchMethod(klass, mid);
    const defined = this.tree.definedClass;
    if (me === 0 || this.tree.typeOf(defined) === T_CLASS) return me;
    return this.mem.load(this.tree.cmTblWord(defined, mid)) || me;
  }

  private invalidateNegative(mid: number): void {
    if (this.pcmc.invalidateNegative(mid)) this.dc.v[DC_CC_INVALIDATE_NEGATIVE]++;
  }
}
