import { MemraceError } from '../errors.js';
import type { Violation } from '../core/violation.js';
import { IdTables, type IdTablePoolRef } from './id_table.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import {
  CLASS_WORDS, K_INCLUDER, K_MODULE, K_MTBL, K_MTBL_NUM, K_MTBL_USED, K_NEXT_MODULE_SUB, K_NEXT_SIBLING, K_ORIGIN, K_SERIAL, K_SUBCLASSES,
  K_SUPER, K_TYPE,
  T_CLASS, T_ICLASS, T_MODULE, TYPE_NAMES,
} from './layout.js';

/** Where a class tree lives: plain data for workers. */
export interface ClassTreeRef {
  base: number;
  capacity: number;
  mids: number;
  /** Word 0: records in use (record 0 is nil). */
  header: number;
  /** The pool the records' method tables (id_tables) take their item arrays from. */
  idTables: IdTablePoolRef;
  /** RCLASS_CALLABLE_M_TBL: an iclass's complemented entries for its module's methods. */
  cmTbl: number;
}

/**
 * Classes, modules, iclasses and origins with their method tables. Method tables change
 * one atomic word per (class, mid); the shape (superclass chains, subclass lists) changes
 * by include and prepend (class_include.ts). Both happen under the VM lock, and every
 * record is written whole before one store of a superclass word links it, so a walk
 * without the lock (the serial design's) sees the chain before or after each link.
 *
 * Method tables are CRuby's id_tables (id_table.ts); the callable method tables of
 * iclasses (complemented entries) are arrays indexed by mid.
 */
export class ClassTree {
  readonly mids: number;
  readonly capacity: number;
  private readonly base: number;
  private readonly cmTbl: number;
  readonly ids: IdTables;

  constructor(
    private readonly mem: Mem,
    readonly ref: ClassTreeRef,
  ) {
    this.mids = ref.mids;
    this.capacity = ref.capacity;
    this.base = ref.base;
    this.cmTbl = ref.cmTbl;
    this.ids = new IdTables(mem, ref.idTables);
  }

  static create(arena: Arena, mem: Mem, capacity: number, mids: number): ClassTree {
    const ref: ClassTreeRef = {
      header: arena.allocWords('ruby.classes.header', 1),
      base: arena.allocWords('ruby.classes', (capacity + 1) * CLASS_WORDS),
      capacity,
      mids,
      idTables: {
        header: arena.allocWords('ruby.id_table.header', 1),
        base: arena.allocWords('ruby.id_table', IdTables.poolWords(capacity + 1, mids)),
        words: IdTables.poolWords(capacity + 1, mids),
      },
      cmTbl: arena.allocWords('ruby.callable_m_tbl', (capacity + 1) * mids),
    };
    mem.store(ref.header, 1);
    return new ClassTree(mem, ref);
  }

  /** Words a tree of `capacity` records and `mids` method ids takes. */
  static words(capacity: number, mids: number): number {
    return 32 + (capacity + 1) * (CLASS_WORDS + mids) + IdTables.poolWords(capacity + 1, mids) + 48;
  }

  get used(): number {
    return this.mem.load(this.ref.header);
  }

  private rec(klass: number): number {
    return this.base + klass * CLASS_WORDS;
  }

  private newRecord(type: number, superclass: number): number {
    const k = this.mem.load(this.ref.header);
    if (k > this.capacity) throw new MemraceError('E_LAYOUT', `class tree is full (${this.capacity} records)`);
    this.mem.store(this.ref.header, k + 1);
    // Stryker disable next-line ArithmeticOperator: K_TYPE is 0, so rec - K_TYPE is rec (an equivalent mutant)
    this.mem.store(this.rec(k) + K_TYPE, type);
    // Serials start unique and non-zero (an empty inline cache holds 0); bumps continue above capacity.
    this.mem.store(this.rec(k) + K_SERIAL, k);
    this.mem.store(this.rec(k) + K_MODULE, k);
    this.mem.store(this.rec(k) + K_ORIGIN, k);
    this.setSuper(k, superclass);
    return k;
  }

  /**
   * rb_include_class_new: an iclass sharing `module`'s method table (for an iclass of a
   * module's own chain, that module's), listed among the module's iclasses so that a
   * change to the module reaches every copy. Not linked yet: its superclass is `sup`.
   */
  rb_include_class_new(module: number, sup: number, includer: number): number {
    const m = this.moduleOf(module);
    // A module's origin (after a prepend into the module): its table, listed under the module (METACLASS_OF).
    const listed = this.moduleFor(m);
    const iclass = this.newRecord(T_ICLASS, sup);
    this.mem.store(this.rec(iclass) + K_MODULE, m);
    this.mem.store(this.rec(iclass) + K_INCLUDER, includer);
    this.mem.store(this.rec(iclass) + K_NEXT_MODULE_SUB, this.mem.load(this.rec(listed) + K_SUBCLASSES));
    this.mem.store(this.rec(listed) + K_SUBCLASSES, iclass);
    return iclass;
  }

  /** RCLASS_SET_ORIGIN of an iclass: the iclass that holds its module's own methods in this ancestry. */
  setOrigin(iclass: number, origin: number): void {
    this.mem.store(this.rec(iclass) + K_ORIGIN, origin);
  }

  /** rb_class_set_super: move klass from its superclass's subclass list to sup's, then link it (one store). */
  rb_class_set_super(klass: number, sup: number): void {
    this.unlinkFromSuper(klass);
    this.setSuper(klass, sup);
  }

  /**
   * ensure_origin: the first prepend gives klass an origin iclass that takes over its
   * method table (klass keeps an empty one), linked right above klass. The copy is made
   * and linked before klass's row is emptied, so a walk finds every method throughout.
   * Returns the origin, and whether it is new.
   */
  ensureOrigin(klass: number, beforeEmptying?: (origin: number) => void): { origin: number; created: boolean } {
    const have = this.origin(klass);
    if (have !== klass) return { origin: have, created: false };
    const origin = this.newRecord(T_ICLASS, this.superOf(klass));
    this.mem.store(this.rec(origin) + K_INCLUDER, klass);
    for (const w of [K_MTBL, K_MTBL_NUM, K_MTBL_USED]) this.mem.store(this.rec(origin) + w, this.mem.load(this.rec(klass) + w));
    this.mem.store(this.rec(klass) + K_ORIGIN, origin);
    this.rb_class_set_super(klass, origin);
    // A module's iclasses read its table: they get their origins (rb_prepend_module's backfill) while both tables hold the methods.
    beforeEmptying?.(origin);
    // class_clear_method_table: klass starts a new, empty table.
    for (const w of [K_MTBL, K_MTBL_NUM, K_MTBL_USED]) this.mem.store(this.rec(klass) + w, 0);
    return { origin, created: true };
  }

  private setSuper(klass: number, superclass: number): void {
    this.mem.store(this.rec(klass) + K_SUPER, superclass);
    if (superclass === 0) return;
    // rb_class_subclass_add: push at the head of the superclass's list.
    this.mem.store(this.rec(klass) + K_NEXT_SIBLING, this.mem.load(this.rec(superclass) + K_SUBCLASSES));
    this.mem.store(this.rec(superclass) + K_SUBCLASSES, klass);
  }

  /** A root's superclass is record 0 (nil), whose subclass list is empty: nothing to unlink. */
  private unlinkFromSuper(klass: number): void {
    const sup = this.superOf(klass);
    let prev = 0;
    for (let c = this.mem.load(this.rec(sup) + K_SUBCLASSES); c !== 0; c = this.mem.load(this.rec(c) + K_NEXT_SIBLING)) {
      if (c === klass) {
        const next = this.mem.load(this.rec(c) + K_NEXT_SIBLING);
        if (prev === 0) this.mem.store(this.rec(sup) + K_SUBCLASSES, next);
        else this.mem.store(this.rec(prev) + K_NEXT_SIBLING, next);
        this.mem.store(this.rec(c) + K_NEXT_SIBLING, 0);
        return;
      }
      prev = c;
    }
  }

  /** Class.new(superclass); 0 makes a root (BasicObject). */
  defineClass(superclass: number): number {
    if (superclass !== 0) this.check(superclass, 'superclass', T_CLASS);
    return this.newRecord(T_CLASS, superclass);
  }

  defineModule(): number {
    return this.newRecord(T_MODULE, 0);
  }

  /** rb_refinement_new for `refine klass`: a module whose includer word names the refined class. */
  defineRefinement(klass: number): number {
    this.check(klass, 'refined class', T_CLASS);
    const r = this.newRecord(T_MODULE, 0);
    this.mem.store(this.rec(r) + K_INCLUDER, klass);
    return r;
  }

  /** RMODULE_IS_REFINEMENT. */
  isRefinement(klass: number): boolean {
    return this.typeOf(klass) === T_MODULE && this.includerOf(klass) !== 0;
  }

  /**
   * vm_search_normal_superclass: where `super` in a body found at record `rec` searches
   * from: the superclass of the record, or for a refinement's method the refined class
   * (whose REFINED entry then runs its original).
   */
  superclassForSuper(rec: number): number {
    return this.isRefinement(rec) ? this.includerOf(rec) : this.superOf(rec);
  }

  /** API misuse (a class that does not exist, a module where a class is needed) throws. */
  check(klass: number, what: string, type?: number): void {
    if (!Number.isInteger(klass) || klass < 1 || klass >= this.used) {
      throw new MemraceError('E_USAGE', `${what} ${klass} does not exist (classes are 1..${this.used - 1})`);
    }
    if (type !== undefined && this.typeOf(klass) !== type) {
      throw new MemraceError('E_USAGE', `${what} ${this.nameOf(klass)} is a ${TYPE_NAMES[this.typeOf(klass)]}, not a ${TYPE_NAMES[type]}`);
    }
  }

  checkMid(mid: number): void {
    if (!Number.isInteger(mid) || mid < 0 || mid >= this.mids) {
      throw new MemraceError('E_USAGE', `mid ${mid} is not a method id of this VM (0..${this.mids - 1})`);
    }
  }

  typeOf(klass: number): number {
    // Stryker disable next-line ArithmeticOperator: K_TYPE is 0, so rec - K_TYPE is rec (an equivalent mutant)
    return this.mem.load(this.rec(klass) + K_TYPE);
  }

  superOf(klass: number): number {
    return this.mem.load(this.rec(klass) + K_SUPER);
  }

  /** The record whose method table klass reads (an iclass: its module; anything else: itself). */
  moduleOf(iclass: number): number {
    return this.mem.load(this.rec(iclass) + K_MODULE);
  }

  /** RCLASS_ORIGIN. */
  origin(klass: number): number {
    return this.mem.load(this.rec(klass) + K_ORIGIN);
  }

  includerOf(iclass: number): number {
    return this.mem.load(this.rec(iclass) + K_INCLUDER);
  }

  /** The class or module a record stands for in Module#ancestors (METACLASS_OF for an iclass, the includer for an origin). */
  moduleFor(klass: number): number {
    // A class or module is its own module (newRecord).
    const m = this.moduleOf(klass);
    return this.isOrigin(m) ? this.includerOf(m) : m;
  }

  /** RICLASS_IS_ORIGIN_P: an iclass that holds its class's own methods. */
  isOrigin(klass: number): boolean {
    return this.typeOf(klass) === T_ICLASS && this.moduleOf(klass) === klass;
  }

  /**
   * rb_obj_is_kind_of(instance of klass, target): target (a class or a module) is klass or
   * in its ancestry. Walks without the lock; the protected check makes it on every call.
   */
  kindOf(klass: number, target: number): boolean {
    for (let c = klass; c !== 0; c = this.superOf(c)) {
      // A class or module is its own module (an origin's is itself): so this is c === target, or c an iclass of it.
      if (this.moduleOf(c) === target) return true;
    }
    return false;
  }

  firstSubclass(klass: number): number {
    return this.mem.load(this.rec(klass) + K_SUBCLASSES);
  }

  nextSibling(klass: number): number {
    return this.mem.load(this.rec(klass) + K_NEXT_SIBLING);
  }

  nextModuleSub(iclass: number): number {
    return this.mem.load(this.rec(iclass) + K_NEXT_MODULE_SUB);
  }

  serialWord(klass: number): number {
    return this.rec(klass) + K_SERIAL;
  }

  /** The record whose method table `klass` reads: an iclass reads its module's. */
  tableOwner(klass: number): number {
    return this.moduleOf(klass);
  }

  /** rb_method_table_insert (me != 0) or rb_id_table_delete (me == 0) in the table of record `owner` itself. Under the VM lock. */
  setMethodEntry(owner: number, mid: number, me: number): void {
    const r = this.rec(owner);
    this.ids.set(r + K_MTBL, r + K_MTBL_NUM, r + K_MTBL_USED, mid, me);
  }

  /** rb_id_table_foreach over the table of record `owner` itself. */
  forEachMethod(owner: number, fn: (mid: number, me: number) => void): void {
    this.ids.forEach(this.rec(owner) + K_MTBL, fn);
  }

  /** The table of record `owner` itself (not its module's): for a class with an origin, empty. */
  ownMethodEntry(owner: number, mid: number): number {
    return this.ids.lookup(this.rec(owner) + K_MTBL, mid);
  }

  cmTblWord(klass: number, mid: number): number {
    return this.cmTbl + klass * this.mids + mid;
  }

  /** lookup_method_table. */
  lookupMethodTable(klass: number, mid: number): number {
    return this.ids.lookup(this.rec(this.tableOwner(klass)) + K_MTBL, mid);
  }

  /**
   * search_method: the first ancestor whose table holds `mid`. Returns the ME (0: none) and
   * leaves the record it was found in (a class or an iclass) in `definedClass`.
   */
  definedClass = 0;
  searchMethod(klass: number, mid: number): number {
    const mem = this.mem;
    const ids = this.ids;
    for (let c = klass; c !== 0; c = mem.load(this.base + c * CLASS_WORDS + K_SUPER)) {
      const me = ids.lookup(this.base + mem.load(this.base + c * CLASS_WORDS + K_MODULE) * CLASS_WORDS + K_MTBL, mid);
      if (me !== 0) {
        this.definedClass = c;
        return me;
      }
    }
    this.definedClass = 0;
    return 0;
  }

  /** Depth of the ancestry (records from klass to the root, iclasses included). */
  ancestryLength(klass: number): number {
    let n = 0;
    for (let c = klass; c !== 0 && n <= this.capacity; c = this.superOf(c)) n++;
    return n;
  }

  /** Every class (T_CLASS) whose ancestry contains `klass` (itself included when it is a class). */
  forEachDescendant(klass: number, fn: (c: number) => void): void {
    if (this.typeOf(klass) === T_CLASS) fn(klass);
    for (let s = this.firstSubclass(klass); s !== 0; s = this.nextSibling(s)) this.forEachDescendant(s, fn);
  }

  nameOf(klass: number): string {
    if (klass === 0) return 'nil';
    const t = this.typeOf(klass);
    if (t === T_MODULE) return `M${klass}`;
    if (t === T_ICLASS) return this.isOrigin(klass) ? `O${klass}(${this.nameOf(this.includerOf(klass))})` : `I${klass}(${this.nameOf(this.moduleOf(klass))})`;
    return `C${klass}`;
  }

  ancestors(klass: number): string[] {
    const out: string[] = [];
    for (let c = klass; c !== 0 && out.length <= this.capacity; c = this.superOf(c)) out.push(this.nameOf(c));
    return out;
  }

  /** Invariants of the shape: ancestries end at a root, iclasses name a module, lists agree with supers. */
  audit(): Violation[] {
    const out: Violation[] = [];
    const used = this.used;
    for (let k = 1; k < used; k++) {
      const t = this.typeOf(k);
      if (t === T_MODULE) continue;
      if (this.ancestryLength(k) > this.capacity) out.push({ message: 'ancestry does not end: the superclass chain has a cycle', where: this.nameOf(k) });
      if (t === T_ICLASS && !this.isOrigin(k) && this.typeOf(this.moduleFor(k)) !== T_MODULE) out.push({ message: 'iclass does not point at a module', where: this.nameOf(k) });
      const sup = this.superOf(k);
      if (sup !== 0) {
        let listed = false;
        for (let s = this.firstSubclass(sup); s !== 0 && !listed; s = this.nextSibling(s)) listed = s === k;
        if (!listed) out.push({ message: `not in the subclass list of its superclass ${this.nameOf(sup)}`, where: this.nameOf(k) });
      }
    }
    return out;
  }
}
