import { EINVAL, MemraceError } from '../errors.js';
import type { ClassTree } from './class_tree.js';
import { DC_ICLASS_NEW, DC_INCLUDE_INVALIDATE, DC_ORIGIN_NEW, DC_PREPEND_INVALIDATE, type DebugCounters } from './debug_counters.js';
import { T_CLASS, T_ICLASS, T_MODULE } from './layout.js';
import { DESIGN_SERIAL, type VmMethod } from './vm_method.js';

/** Broken variants: which invalidation include_modules_at leaves out. */
export const SKIP_NONE = 0;
export const SKIP_INCLUDE = 1;
export const SKIP_PREPEND = 2;

/**
 * class.c's include and prepend: iclasses linked into ancestries, origins, and the
 * invalidation include_modules_at does before it links each iclass (rb_clear_method_cache
 * for every method of the module: on the superclass above the insertion point for an
 * include, on the class itself for a prepend). The caller holds the VM lock. Returns 0, or
 * -EINVAL for a cyclic include or prepend (Ruby's ArgumentError).
 */
export class ClassInclude {
  constructor(
    private readonly tree: ClassTree,
    private readonly method: VmMethod,
    private readonly dc: DebugCounters,
    private readonly skip: number,
  ) {}

  /** rb_include_module: into klass, then (klass a module) into every ancestry that already includes klass. */
  rb_include_module(klass: number, module: number): number {
    const { tree } = this;
    this.checkIncludable(klass, module);
    if (this.include_modules_at(klass, tree.origin(klass), module, true) < 0) return -EINVAL;
    if (tree.typeOf(klass) === T_MODULE) {
      const users: number[] = [];
      for (let ic = tree.firstSubclass(klass); ic !== 0; ic = tree.nextModuleSub(ic)) users.push(ic);
      for (const ic of users) if (!tree.kindOf(ic, module)) this.include_modules_at(ic, tree.origin(ic), module, true);
    }
    this.serialBump(klass);
    return 0;
  }

  /**
   * rb_prepend_module: klass gets an origin (ensure_origin) and the module goes between
   * klass and it. Into a module: the module's own ancestry as for a class, then every
   * iclass of the module (in the classes and modules that include it) gets an origin iclass
   * of its own the first time (the backfill) and the prepended module after it.
   */
  rb_prepend_module(klass: number, module: number): number {
    const { tree } = this;
    this.checkIncludable(klass, module);
    if (this.moduleInSuperChain(klass, module)) return -EINVAL;
    const isModule = tree.typeOf(klass) === T_MODULE;
    const users = isModule ? this.iclassesOf(klass) : [];
    if (tree.ensureOrigin(klass, (origin) => users.forEach((ic) => this.backfillOrigin(ic, origin))).created) this.dc.v[DC_ORIGIN_NEW]++;
    this.include_modules_at(klass, klass, module, false);
    for (const ic of users) this.include_modules_at(ic, ic, module, false);
    this.serialBump(klass);
    return 0;
  }

  /** The iclasses that stand for `module` itself in some ancestry (not those of its origin). */
  private iclassesOf(module: number): number[] {
    const out: number[] = [];
    for (let ic = this.tree.firstSubclass(module); ic !== 0; ic = this.tree.nextModuleSub(ic)) if (this.tree.moduleOf(ic) === module) out.push(ic);
    return out;
  }

  /**
   * "backfill an origin iclass": iclass, which read its module's table, will read the
   * module's new empty one, and an iclass of the module's origin right above it holds the
   * methods. Its CCs and complemented entries name iclass as the defined class (where
   * `super` searches on from), so every method of the module is cleared on it first.
   */
  private backfillOrigin(iclass: number, moduleOrigin: number): void {
    const { tree, method } = this;
    if (method.design !== DESIGN_SERIAL) tree.forEachMethod(moduleOrigin, (mid) => method.rb_clear_method_cache(iclass, mid));
    const origin = tree.rb_include_class_new(moduleOrigin, tree.superOf(iclass), tree.includerOf(iclass));
    this.dc.v[DC_ORIGIN_NEW]++;
    tree.rb_class_set_super(iclass, origin);
    tree.setOrigin(iclass, origin);
  }

  private checkIncludable(klass: number, module: number): void {
    this.tree.check(klass, 'class');
    this.tree.check(module, 'module', T_MODULE);
    if (this.tree.typeOf(klass) === T_ICLASS) throw new MemraceError('E_USAGE', `${this.tree.nameOf(klass)} is an iclass: include into its class or module`);
    if (this.tree.isRefinement(module) || this.tree.isRefinement(klass)) throw new MemraceError('E_USAGE', 'TypeError: Cannot include or prepend a refinement, or into one');
  }

  /** module_in_super_chain: klass's own table is in module's ancestry (a cycle). */
  private moduleInSuperChain(klass: number, module: number): boolean {
    const own = this.tree.moduleOf(this.tree.origin(klass));
    for (let m = module; m !== 0; m = this.tree.superOf(m)) if (this.tree.moduleOf(m) === own) return true;
    return false;
  }

  /**
   * do_include_modules_at: for the module and each module in its ancestry, skip it when
   * klass's ancestry has it already (an include: anywhere; a prepend: before the origin),
   * else clear the caches its methods may shadow and link a new iclass after `c`. Returns -1
   * for a cyclic include (nothing linked), else 0.
   */
  private include_modules_at(klass: number, c0: number, module: number, searchSuper: boolean): number {
    const { tree } = this;
    if (searchSuper && this.moduleInSuperChain(klass, module)) return -1;
    const klassOrigin = tree.origin(klass);
    let c = c0;
    // origin_stack: an iclass made for a record with an origin waits for its origin's iclass.
    // Stryker disable next-line ArrayDeclaration: an element below the pairs is never popped (a pop follows a match on the top) nor equal to a record
    const originStack: number[] = [];
    for (let m = module; m !== 0; m = tree.superOf(m)) {
      let cSeen = klass === c;
      let superclassSeen = false;
      let skip = false;
      // CRuby's walk runs when `klass_origin != c || search_super`: always, here (a prepend's
      // klass has its origin by then, and c is never that origin).
      for (let p = tree.superOf(klass); p !== 0; p = tree.superOf(p)) {
        if (klassOrigin === p && !searchSuper) break;
        if (c === p) cSeen = true;
        // A class reads its own table, never a module's: only an iclass can match.
        if (tree.moduleOf(p) === tree.moduleOf(m)) {
          if (!superclassSeen && cSeen) c = p;
          skip = true;
          break;
        }
        if (tree.typeOf(p) === T_CLASS) superclassSeen = true;
      }
      if (skip) continue;
      const superClass = tree.superOf(c);
      this.clearShadowed(klass, superClass, m, searchSuper);
      const iclass = tree.rb_include_class_new(m, superClass, klass);
      this.dc.v[DC_ICLASS_NEW]++;
      tree.rb_class_set_super(c, iclass);
      if (tree.origin(m) !== m) originStack.push(iclass, tree.origin(m));
      else if (originStack.length > 0 && originStack[originStack.length - 1] === m) {
        originStack.pop();
        tree.setOrigin(originStack.pop()!, iclass);
      }
      c = iclass;
    }
    return 0;
  }

  /**
   * "invalidate inline method cache": every method of the module may now shadow what a
   * lookup found above the insertion point, so each is cleared where that lookup starts.
   * (CRuby's method_changed, which this would return, only feeds rb_vm_check_redefinition_by_prepend:
   * the model has no redefinition checks.)
   */
  private clearShadowed(klass: number, superClass: number, m: number, include: boolean): void {
    const { tree, method } = this;
    const owner = tree.moduleOf(m);
    // Into a root class (no superclass) CRuby clears nothing: no call can have cached a
    // method above it. The model's negative cache serves calls (CRuby's serves respond_to?
    // and check_funcall), and it may hold "no such method" for the module's methods: so the
    // class itself is cleared then, which ends those answers.
    const target = include ? (superClass !== 0 || !this.method.negativeCacheOn() ? superClass : klass) : klass;
    if (method.design === DESIGN_SERIAL || target === 0 || tree.typeOf(target) === T_MODULE || this.skip === (include ? SKIP_INCLUDE : SKIP_PREPEND)) return;
    const mids: number[] = [];
    tree.forEachMethod(owner, (mid) => mids.push(mid));
    for (const mid of mids) {
      method.rb_clear_method_cache(target, mid);
      this.dc.v[include ? DC_INCLUDE_INVALIDATE : DC_PREPEND_INVALIDATE]++;
    }
  }

  /** The serial design: a fresh serial for klass's subtree (a module: every ancestry that includes it). */
  private serialBump(klass: number): void {
    if (this.method.design === DESIGN_SERIAL) this.method.bumpSerials(klass);
  }
}
