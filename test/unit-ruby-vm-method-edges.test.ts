/**
 * vm_method.c's entry points at the edges unit-ruby-vm-method leaves (src/ruby/vm_method.ts):
 * what a definition stores (a REFINED wrapper only over a REFINED entry), rb_export_method
 * on a class's own method (changed where it stands) and on a refined method inherited (a
 * ZSUPER entry in the subclass), an alias's entry count, a refinement of a module's method,
 * the leaf invalidation and the negative cache, the tree invalidation of a class's method,
 * and each entry point's bad class.
 */
import { describe, expect, it } from 'vitest';
import { METHOD_VISI_PRIVATE, ME_DEFINED_CLASS, ME_DEF_ORIG, VM_METHOD_TYPE_ISEQ, VM_METHOD_TYPE_REFINED, VM_METHOD_TYPE_ZSUPER } from '../src/ruby/layout.js';
import { makeVm, plain, site } from './ruby-helpers.js';

describe('rb_add_method: what goes into the table', () => {
  it('a plain definition is stored as it is, first and over a plain one; over a REFINED entry it becomes the original', () => {
    const { vm } = makeVm();
    const A = vm.tree.defineClass(0);
    const a1 = vm.defineMethod(A, 0, plain);
    expect(vm.tree.lookupMethodTable(A, 0)).toBe(a1);
    const a2 = vm.defineMethod(A, 0, plain);
    expect(vm.tree.lookupMethodTable(A, 0)).toBe(a2);
    vm.refine(A, 0);
    const a3 = vm.defineMethod(A, 0, plain);
    const entry = vm.tree.lookupMethodTable(A, 0);
    expect([vm.mes.type(entry), vm.mes.field(entry, ME_DEF_ORIG)]).toEqual([VM_METHOD_TYPE_REFINED, a3]);
  });

  it('a REFINED definition over a REFINED entry replaces it (no wrapper around a wrapper)', () => {
    const { vm } = makeVm();
    const A = vm.tree.defineClass(0);
    vm.refine(A, 0);
    const r = vm.defineMethod(A, 0, { type: VM_METHOD_TYPE_REFINED });
    expect(vm.tree.lookupMethodTable(A, 0)).toBe(r);
  });
});

describe('rb_export_method', () => {
  it("on the class's own method: the entry stays an ISEQ with the same body, with the new visibility", () => {
    const { vm } = makeVm();
    const A = vm.tree.defineClass(0);
    const foo = vm.defineMethod(A, 0, plain);
    vm.setVisibility(A, 0, 'private');
    const e = vm.tree.lookupMethodTable(A, 0);
    expect([vm.mes.type(e), vm.mes.body(e), vm.mes.visi(e)]).toEqual([VM_METHOD_TYPE_ISEQ, vm.mes.body(foo), METHOD_VISI_PRIVATE]);
  });

  it('on a refined method the superclass has: a ZSUPER entry in the subclass, the superclass untouched', () => {
    const { vm } = makeVm();
    const A = vm.tree.defineClass(0);
    const B = vm.tree.defineClass(A);
    vm.defineMethod(A, 0, plain);
    vm.refine(A, 0);
    const aEntry = vm.tree.lookupMethodTable(A, 0);
    expect(vm.setVisibility(B, 0, 'private')).toBe(0);
    const b = vm.tree.lookupMethodTable(B, 0);
    expect([vm.mes.type(b), vm.mes.visi(b)]).toEqual([VM_METHOD_TYPE_ZSUPER, METHOD_VISI_PRIVATE]);
    expect(vm.tree.lookupMethodTable(A, 0)).toBe(aEntry);
  });

  it('each entry point names a class that does not exist', () => {
    const { vm } = makeVm();
    const msg = 'class 99 does not exist (classes are 1..0)';
    expect(() => vm.setVisibility(99, 0, 'private')).toThrow(msg);
    expect(() => vm.alias(99, 1, 0)).toThrow(msg);
    expect(() => vm.refine(99, 0)).toThrow(msg);
    expect(() => vm.undefMethod(99, 0)).toThrow(msg);
    expect(() => vm.removeMethod(99, 0)).toThrow(msg);
  });
});

describe('rb_alias and rb_add_refined_method_entry', () => {
  it('an alias with the visibility of the entry found is one new entry', () => {
    const { vm } = makeVm();
    const A = vm.tree.defineClass(0);
    vm.defineMethod(A, 0, { ...plain, private: true });
    const used = vm.mes.used;
    vm.alias(A, 1, 0);
    expect(vm.mes.used).toBe(used + 1);
    expect(vm.mes.visi(vm.tree.lookupMethodTable(A, 1))).toBe(METHOD_VISI_PRIVATE);
  });

  it("refining a module's method: the REFINED entry has no defined class (a module's entries are not callable); a class's has its class", () => {
    const { vm } = makeVm();
    const M = vm.tree.defineModule();
    const A = vm.tree.defineClass(0);
    const m = vm.refine(M, 0);
    const a = vm.refine(A, 0);
    expect([vm.mes.field(m, ME_DEFINED_CLASS), vm.mes.field(a, ME_DEFINED_CLASS)]).toEqual([0, A]);
  });
});

describe('rb_clear_method_cache', () => {
  it('a leaf whose ccs holds a found method leaves the negative cache of other classes alone', () => {
    const { vm, guild } = makeVm({ negativeCache: true });
    const A = vm.tree.defineClass(0);
    const X = vm.tree.defineClass(0);
    vm.defineMethod(A, 0, plain);
    const sx = site(vm, 0, 0);
    const sa = site(vm, 1, 0);
    guild.call(sx, X);
    guild.call(sa, A);
    vm.defineMethod(A, 0, plain);
    expect(vm.dc.get('cc_invalidate_negative')).toBe(0);
    const searches = vm.dc.get('search_method');
    guild.call(site(vm, 2, 0), X);
    expect(vm.dc.get('search_method')).toBe(searches);
  });

  it("a class's method redefined under a subclass: the cme is invalidated, no callable table is touched", () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const B = vm.tree.defineClass(A);
    const foo = vm.defineMethod(A, 0, plain);
    guild.call(site(vm, 0, 0), B);
    vm.defineMethod(A, 0, plain);
    expect(vm.mes.invalidated(foo)).toBe(true);
    expect([vm.dc.get('cc_invalidate_tree_cme'), vm.dc.get('cc_invalidate_tree_callable')]).toEqual([1, 0]);
  });
});
