/**
 * The class tree's records (src/ruby/class_tree.ts) as class.c keeps them, at their edges:
 * record numbers and serials, the capacity and the checks' boundaries, the subclass lists
 * (rb_class_subclass_add pushes at the head; rb_class_set_super unlinks from anywhere in
 * the list), ensure_origin, the names and ancestries, search_method's defined class, and
 * what the audit reports for a cycle, an iclass of a class and an unlisted subclass.
 */
import { describe, expect, it } from 'vitest';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { ClassTree } from '../src/ruby/class_tree.js';
import { IdTables } from '../src/ruby/id_table.js';
import { CLASS_WORDS, K_MODULE, K_SUPER, T_CLASS, T_ICLASS, T_MODULE } from '../src/ruby/layout.js';
import { makeVm, plain, thrown } from './ruby-helpers.js';

function tree(capacity = 16, mids = 4): ClassTree {
  const arena = Arena.create(ClassTree.words(capacity, mids) * 4);
  return ClassTree.create(arena, new AtomicsMem(arena.sab), capacity, mids);
}

/** The subclass list of `klass`, head first. */
function subclasses(t: ClassTree, klass: number): number[] {
  const out: number[] = [];
  for (let s = t.firstSubclass(klass); s !== 0; s = t.nextSibling(s)) out.push(s);
  return out;
}

/** Word `w` of record `k`. */
function word(t: ClassTree, k: number, w: number): number {
  return t.ref.base + k * CLASS_WORDS + w;
}

describe('ClassTree records (class.c: class_alloc, rb_class_subclass_add)', () => {
  it('an image of exactly ClassTree.words holds the tree, for small and wide shapes', () => {
    for (const [capacity, mids] of [[1, 1], [4, 64], [31, 8], [100, 200]]) {
      const arena = Arena.create(ClassTree.words(capacity, mids) * 4);
      const t = ClassTree.create(arena, new AtomicsMem(arena.sab), capacity, mids);
      expect(t.capacity).toBe(capacity);
      expect(t.mids).toBe(mids);
      expect(t.used).toBe(1);
    }
  });

  it('its regions: capacity + 1 records (0 is nil), an id_table pool for capacity + 1 tables, a callable table word per (record, mid)', () => {
    const capacity = 5;
    const mids = 3;
    const arena = Arena.create(ClassTree.words(capacity, mids) * 4);
    const t = ClassTree.create(arena, new AtomicsMem(arena.sab), capacity, mids);
    expect(arena.region('ruby.classes.header').bytes).toBe(4);
    expect(arena.region('ruby.classes').bytes).toBe((capacity + 1) * CLASS_WORDS * 4);
    expect(arena.region('ruby.id_table.header').bytes).toBe(4);
    expect(arena.region('ruby.id_table').bytes).toBe(IdTables.poolWords(capacity + 1, mids) * 4);
    expect(t.ids.ref.words).toBe(IdTables.poolWords(capacity + 1, mids));
    expect(arena.region('ruby.callable_m_tbl').bytes).toBe((capacity + 1) * mids * 4);
    const cm = arena.word('ruby.callable_m_tbl');
    expect(t.cmTblWord(0, 0)).toBe(cm);
    expect(t.cmTblWord(1, 2)).toBe(cm + mids + 2);
    expect(t.cmTblWord(capacity, mids - 1)).toBe(cm + (capacity + 1) * mids - 1);
  });

  it('records are numbered from 1 (0 is nil); a new record is its own module and origin, and its serial is its number', () => {
    const t = tree();
    const A = t.defineClass(0);
    const M = t.defineModule();
    const B = t.defineClass(A);
    expect([A, M, B]).toEqual([1, 2, 3]);
    expect(t.used).toBe(4);
    expect([t.typeOf(A), t.typeOf(M), t.typeOf(B)]).toEqual([T_CLASS, T_MODULE, T_CLASS]);
    for (const k of [A, M, B]) {
      expect(t.moduleOf(k)).toBe(k);
      expect(t.origin(k)).toBe(k);
      expect(t.includerOf(k)).toBe(0);
    }
    expect([t.superOf(A), t.superOf(M), t.superOf(B)]).toEqual([0, 0, A]);
  });

  it('a serial starts at the record number (non-zero: an empty inline cache holds 0)', () => {
    const { vm } = makeVm();
    const A = vm.tree.defineClass(0);
    const B = vm.tree.defineClass(A);
    expect(vm.mem.load(vm.tree.serialWord(A))).toBe(A);
    expect(vm.mem.load(vm.tree.serialWord(B))).toBe(B);
    expect(vm.tree.serialWord(B) - vm.tree.serialWord(A)).toBe(CLASS_WORDS);
  });

  it('holds exactly `capacity` records; the next one is E_LAYOUT naming the capacity', () => {
    const t = tree(3);
    const A = t.defineClass(0);
    t.defineClass(A);
    t.defineModule();
    expect(t.used).toBe(4);
    expect(thrown(() => t.defineClass(A))).toBe('E_LAYOUT: class tree is full (3 records)');
    expect(thrown(() => t.defineModule())).toBe('E_LAYOUT: class tree is full (3 records)');
    expect(t.used).toBe(4);
  });

  it('check: records 1..used-1 exist; 0, used, a fraction and NaN do not; a type mismatch names both types', () => {
    const t = tree();
    const A = t.defineClass(0);
    const M = t.defineModule();
    t.check(A, 'class');
    t.check(M, 'class');
    t.check(M, 'module', T_MODULE);
    t.check(A, 'superclass', T_CLASS);
    expect(thrown(() => t.check(0, 'class'))).toBe('E_USAGE: class 0 does not exist (classes are 1..2)');
    expect(thrown(() => t.check(3, 'class'))).toBe('E_USAGE: class 3 does not exist (classes are 1..2)');
    expect(thrown(() => t.check(1.5, 'class'))).toBe('E_USAGE: class 1.5 does not exist (classes are 1..2)');
    expect(thrown(() => t.check(NaN, 'class'))).toBe('E_USAGE: class NaN does not exist (classes are 1..2)');
    expect(thrown(() => t.check(-1, 'class'))).toBe('E_USAGE: class -1 does not exist (classes are 1..2)');
    expect(thrown(() => t.check(M, 'superclass', T_CLASS))).toBe('E_USAGE: superclass M2 is a module, not a class');
    expect(thrown(() => t.check(A, 'module', T_MODULE))).toBe('E_USAGE: module C1 is a class, not a module');
    expect(thrown(() => t.defineClass(M))).toBe('E_USAGE: superclass M2 is a module, not a class');
    expect(thrown(() => t.defineClass(7))).toBe('E_USAGE: superclass 7 does not exist (classes are 1..2)');
    expect(thrown(() => t.defineRefinement(M))).toBe('E_USAGE: refined class M2 is a module, not a class');
  });

  it('checkMid: 0..mids-1 are method ids; -1, mids and a fraction are not', () => {
    const t = tree(4, 5);
    t.checkMid(0);
    t.checkMid(4);
    expect(thrown(() => t.checkMid(5))).toBe('E_USAGE: mid 5 is not a method id of this VM (0..4)');
    expect(thrown(() => t.checkMid(-1))).toBe('E_USAGE: mid -1 is not a method id of this VM (0..4)');
    expect(thrown(() => t.checkMid(0.5))).toBe('E_USAGE: mid 0.5 is not a method id of this VM (0..4)');
  });

  it('rb_class_subclass_add pushes at the head; rb_class_set_super unlinks from the head, the middle and the tail', () => {
    const t = tree();
    const A = t.defineClass(0);
    const B = t.defineClass(0);
    const c1 = t.defineClass(A);
    const c2 = t.defineClass(A);
    const c3 = t.defineClass(A);
    const c4 = t.defineClass(A);
    expect(subclasses(t, A)).toEqual([c4, c3, c2, c1]);
    // The middle: its neighbours join up, and it goes at the head of B's list.
    t.rb_class_set_super(c2, B);
    expect(subclasses(t, A)).toEqual([c4, c3, c1]);
    expect(subclasses(t, B)).toEqual([c2]);
    expect(t.superOf(c2)).toBe(B);
    // The head.
    t.rb_class_set_super(c4, B);
    expect(subclasses(t, A)).toEqual([c3, c1]);
    expect(subclasses(t, B)).toEqual([c4, c2]);
    // The tail.
    t.rb_class_set_super(c1, B);
    expect(subclasses(t, A)).toEqual([c3]);
    expect(subclasses(t, B)).toEqual([c1, c4, c2]);
    // To no superclass from the middle of a list: unlinked, and its own sibling word cleared.
    t.rb_class_set_super(c4, 0);
    expect(subclasses(t, B)).toEqual([c1, c2]);
    expect(t.superOf(c4)).toBe(0);
    expect(t.nextSibling(c4)).toBe(0);
    // A root moved under a class: nothing to unlink.
    t.rb_class_set_super(c4, A);
    expect(subclasses(t, A)).toEqual([c4, c3]);
    expect(t.audit()).toEqual([]);
  });

  it("rb_include_class_new: an iclass reading the module's table, listed at the head of the module's iclasses, not linked yet", () => {
    const t = tree();
    const A = t.defineClass(0);
    const B = t.defineClass(0);
    const M = t.defineModule();
    const i1 = t.rb_include_class_new(M, 0, A);
    const i2 = t.rb_include_class_new(M, 0, B);
    expect(t.typeOf(i1)).toBe(T_ICLASS);
    expect([t.moduleOf(i1), t.includerOf(i1), t.includerOf(i2)]).toEqual([M, A, B]);
    expect(t.firstSubclass(M)).toBe(i2);
    expect(t.nextModuleSub(i2)).toBe(i1);
    expect(t.nextModuleSub(i1)).toBe(0);
    expect(t.moduleFor(i1)).toBe(M);
    expect(t.tableOwner(i1)).toBe(M);
    expect(t.nameOf(i1)).toBe(`I${i1}(M${M})`);
    // An iclass of an iclass reads the same module's table.
    const i3 = t.rb_include_class_new(i1, 0, A);
    expect(t.moduleOf(i3)).toBe(M);
    expect(t.firstSubclass(M)).toBe(i3);
  });

  it("ensure_origin: the origin takes klass's table while both hold it, links above klass, and klass is left an empty table", () => {
    const { vm } = makeVm();
    const t = vm.tree;
    const P = t.defineClass(0);
    const A = t.defineClass(P);
    const sibling = t.defineClass(P);
    const foo = vm.defineMethod(A, 1, plain);
    let seen = -1;
    const { origin, created } = t.ensureOrigin(A, (o) => {
      seen = o;
      expect(t.ownMethodEntry(A, 1)).toBe(foo);
      expect(t.ownMethodEntry(o, 1)).toBe(foo);
      expect(t.superOf(A)).toBe(o);
    });
    expect(created).toBe(true);
    expect(seen).toBe(origin);
    expect(t.typeOf(origin)).toBe(T_ICLASS);
    expect(t.isOrigin(origin)).toBe(true);
    expect(t.includerOf(origin)).toBe(A);
    expect(t.origin(A)).toBe(origin);
    expect(t.moduleFor(origin)).toBe(A);
    expect(t.nameOf(origin)).toBe(`O${origin}(C${A})`);
    expect(t.superOf(A)).toBe(origin);
    expect(t.superOf(origin)).toBe(P);
    expect(subclasses(t, P)).toEqual([origin, sibling]);
    expect(subclasses(t, origin)).toEqual([A]);
    expect(t.ownMethodEntry(A, 1)).toBe(0);
    expect(t.ownMethodEntry(origin, 1)).toBe(foo);
    let count = 0;
    t.forEachMethod(A, () => count++);
    expect(count).toBe(0);
    expect(t.searchMethod(A, 1)).toBe(foo);
    expect(t.definedClass).toBe(origin);
    // Again: the same origin, nothing new, no callback.
    expect(t.ensureOrigin(A, () => expect.unreachable())).toEqual({ origin, created: false });
    expect(t.used).toBe(origin + 1);
    expect(t.isOrigin(A)).toBe(false);
    expect(t.isOrigin(P)).toBe(false);
    expect(vm.audit()).toEqual([]);
  });

  it('a refinement is a module whose includer is the refined class; super in it goes to that class, elsewhere to the superclass', () => {
    const t = tree();
    const P = t.defineClass(0);
    const A = t.defineClass(P);
    const M = t.defineModule();
    const R = t.defineRefinement(A);
    expect(t.typeOf(R)).toBe(T_MODULE);
    expect(t.includerOf(R)).toBe(A);
    expect(t.superOf(R)).toBe(0);
    expect(t.isRefinement(R)).toBe(true);
    expect(t.isRefinement(M)).toBe(false);
    expect(t.isRefinement(A)).toBe(false);
    // An origin has an includer too, and is no refinement.
    const { origin } = t.ensureOrigin(A);
    expect(t.isRefinement(origin)).toBe(false);
    expect(t.superclassForSuper(R)).toBe(A);
    expect(t.superclassForSuper(A)).toBe(origin);
    expect(t.superclassForSuper(origin)).toBe(P);
    expect(t.superclassForSuper(M)).toBe(0);
  });

  it('kindOf: klass, its superclasses and the modules of its iclasses; not a subclass, an unrelated module or an iclass of another', () => {
    const { vm } = makeVm();
    const t = vm.tree;
    const P = t.defineClass(0);
    const A = t.defineClass(P);
    const B = t.defineClass(A);
    const M = t.defineModule();
    const N = t.defineModule();
    expect(vm.include(P, M)).toBe(0);
    expect(t.kindOf(B, B)).toBe(true);
    expect(t.kindOf(B, A)).toBe(true);
    expect(t.kindOf(B, P)).toBe(true);
    expect(t.kindOf(B, M)).toBe(true);
    expect(t.kindOf(B, N)).toBe(false);
    expect(t.kindOf(A, B)).toBe(false);
    expect(t.kindOf(P, M)).toBe(true);
    expect(t.kindOf(A, t.defineClass(0))).toBe(false);
  });

  it('forEachDescendant: the class, then each subclass list head first, depth first; iclasses and modules are passed through, not named', () => {
    const { vm } = makeVm();
    const t = vm.tree;
    const P = t.defineClass(0);
    const A = t.defineClass(P);
    const B = t.defineClass(P);
    const A1 = t.defineClass(A);
    const M = t.defineModule();
    expect(vm.include(B, M)).toBe(0);
    const B1 = t.defineClass(B);
    const seen: number[] = [];
    t.forEachDescendant(P, (c) => seen.push(c));
    expect(seen).toEqual([P, B, B1, A, A1]);
    const ofM: number[] = [];
    t.forEachDescendant(t.superOf(B), (c) => ofM.push(c));
    expect(ofM).toEqual([B, B1]);
  });

  it('searchMethod leaves where it found the entry in definedClass (an iclass for a module method), 0 when none', () => {
    const { vm } = makeVm();
    const t = vm.tree;
    const P = t.defineClass(0);
    const A = t.defineClass(P);
    const M = t.defineModule();
    const pm = vm.defineMethod(P, 0, plain);
    const mm = vm.defineMethod(M, 1, plain);
    expect(vm.include(A, M)).toBe(0);
    const iclass = t.superOf(A);
    expect(t.searchMethod(A, 1)).toBe(mm);
    expect(t.definedClass).toBe(iclass);
    expect(t.lookupMethodTable(iclass, 1)).toBe(mm);
    expect(t.ownMethodEntry(iclass, 1)).toBe(0);
    expect(t.searchMethod(A, 0)).toBe(pm);
    expect(t.definedClass).toBe(P);
    expect(t.searchMethod(A, 2)).toBe(0);
    expect(t.definedClass).toBe(0);
    expect(t.searchMethod(P, 1)).toBe(0);
  });

  it('names, ancestries and their lengths', () => {
    const { vm } = makeVm();
    const t = vm.tree;
    const P = t.defineClass(0);
    const A = t.defineClass(P);
    const M = t.defineModule();
    expect(vm.prepend(A, M)).toBe(0);
    const origin = t.origin(A);
    const iclass = t.superOf(A);
    expect(t.nameOf(0)).toBe('nil');
    expect(t.nameOf(P)).toBe('C1');
    expect(t.nameOf(M)).toBe('M3');
    expect(t.ancestors(A)).toEqual(['C2', `I${iclass}(M3)`, `O${origin}(C2)`, 'C1']);
    expect(t.ancestryLength(A)).toBe(4);
    expect(t.ancestryLength(P)).toBe(1);
    expect(t.ancestors(M)).toEqual(['M3']);
  });
});

describe('ClassTree.audit', () => {
  it('a cycle in the superclass chain: each record on it is reported, and the walks stop after capacity + 1 records', () => {
    const t = tree(6);
    const A = t.defineClass(0);
    const B = t.defineClass(A);
    const C = t.defineClass(B);
    expect(t.audit()).toEqual([]);
    t.rb_class_set_super(A, C);
    expect(t.ancestryLength(A)).toBe(7);
    expect(t.ancestors(B)).toEqual(['C2', 'C1', 'C3', 'C2', 'C1', 'C3', 'C2']);
    expect(t.audit()).toEqual([
      { message: 'ancestry does not end: the superclass chain has a cycle', where: 'C1' },
      { message: 'ancestry does not end: the superclass chain has a cycle', where: 'C2' },
      { message: 'ancestry does not end: the superclass chain has a cycle', where: 'C3' },
    ]);
  });

  it('an ancestry of exactly capacity records is no cycle', () => {
    const t = tree(3);
    const A = t.defineClass(0);
    const B = t.defineClass(A);
    const C = t.defineClass(B);
    expect(t.ancestryLength(C)).toBe(3);
    expect(t.ancestors(C)).toEqual(['C3', 'C2', 'C1']);
    expect(t.audit()).toEqual([]);
  });

  it("an iclass of a class, and a record missing from its superclass's subclass list", () => {
    const { vm } = makeVm();
    const t = vm.tree;
    const A = t.defineClass(0);
    const B = t.defineClass(A);
    const M = t.defineModule();
    expect(vm.include(B, M)).toBe(0);
    const iclass = t.superOf(B);
    expect(vm.audit()).toEqual([]);
    vm.mem.store(word(t, iclass, K_MODULE), A);
    expect(t.audit()).toEqual([{ message: 'iclass does not point at a module', where: `I${iclass}(C1)` }]);
    vm.mem.store(word(t, iclass, K_MODULE), M);
    // B's superclass word names A, whose list does not hold B.
    vm.mem.store(word(t, B, K_SUPER), A);
    expect(t.audit()).toEqual([{ message: 'not in the subclass list of its superclass C1', where: 'C2' }]);
    // Modules are not audited (a module's superclass chain is its prepends' business).
    vm.mem.store(word(t, B, K_SUPER), iclass);
    vm.mem.store(word(t, M, K_SUPER), B);
    expect(t.audit()).toEqual([]);
  });
});
