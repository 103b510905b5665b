/**
 * vm_method.c's entry points as the model states them (src/ruby/vm_method.ts), at the edges
 * the dispatch tests pass by: rb_export_method over a REFINED entry with and without an
 * original and with the visibility it already has, rb_alias of a private method and in a
 * module, rb_add_refined_method_entry twice, rb_undef / remove_method of an undefined name,
 * and what each design's invalidation counts (RB_DEBUG_COUNTER names).
 */
import { describe, expect, it } from 'vitest';
import { ENOENT } from '../src/errors.js';
import { CALL_METHOD_MISSING } from '../src/ruby/call_handler.js';
import {
  METHOD_VISI_PRIVATE, METHOD_VISI_PROTECTED, ME_DEFINED_CLASS, ME_DEF_ORIG, T_MODULE, VM_METHOD_TYPE_REFINED, VM_METHOD_TYPE_ZSUPER,
} from '../src/ruby/layout.js';
import { makeVm, plain, site } from './ruby-helpers.js';

describe('rb_export_method (private :m / public :m after the definition)', () => {
  it('over a REFINED entry with an original: the entry stays public and REFINED, the original takes the visibility', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const foo = vm.defineMethod(A, 0, plain);
    vm.refine(A, 0);
    expect(vm.setVisibility(A, 0, 'private')).toBe(0);
    const entry = vm.tree.lookupMethodTable(A, 0);
    expect(vm.mes.type(entry)).toBe(VM_METHOD_TYPE_REFINED);
    expect(vm.mes.visi(entry)).toBe(0);
    const orig = vm.mes.field(entry, ME_DEF_ORIG);
    expect(vm.mes.visi(orig)).toBe(METHOD_VISI_PRIVATE);
    expect(vm.mes.body(orig)).toBe(vm.mes.body(foo));
    expect(guild.call(site(vm, 0, 0), A)).toBe(CALL_METHOD_MISSING);
  });

  it('over a REFINED entry with no original: a ZSUPER entry with the visibility goes under the refinement', () => {
    const { vm, guild } = makeVm();
    const P = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(P);
    const pFoo = vm.defineMethod(P, 0, plain);
    vm.refine(A, 0);
    expect(vm.setVisibility(A, 0, 'protected')).toBe(0);
    const entry = vm.tree.lookupMethodTable(A, 0);
    expect(vm.mes.type(entry)).toBe(VM_METHOD_TYPE_REFINED);
    const orig = vm.mes.field(entry, ME_DEF_ORIG);
    expect(vm.mes.type(orig)).toBe(VM_METHOD_TYPE_ZSUPER);
    expect(vm.mes.visi(orig)).toBe(METHOD_VISI_PROTECTED);
    // Protected: self a kind of A runs P's body; self of another class does not.
    expect(guild.call(site(vm, 0, 0), A, A)).toBe(vm.mes.body(pFoo));
    expect(guild.call(site(vm, 1, 0), A, P)).toBe(CALL_METHOD_MISSING);
  });

  it('with the visibility the method has already: 0 and nothing written or invalidated', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const foo = vm.defineMethod(A, 0, { ...plain, private: true });
    guild.call(site(vm, 0, 0), A);
    const leaf = vm.dc.get('cc_invalidate_leaf');
    expect(vm.setVisibility(A, 0, 'private')).toBe(0);
    expect(vm.tree.lookupMethodTable(A, 0)).toBe(foo);
    expect(vm.dc.get('cc_invalidate_leaf')).toBe(leaf);
  });

  it('of a name the class has undefined: -ENOENT (NameError), as for undef_method and remove_method again', () => {
    const { vm } = makeVm();
    const P = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(P);
    vm.defineMethod(P, 0, plain);
    expect(vm.undefMethod(A, 0)).toBe(0);
    expect(vm.setVisibility(A, 0, 'public')).toBe(-ENOENT);
    expect(vm.undefMethod(A, 0)).toBe(-ENOENT);
    expect(vm.removeMethod(A, 0)).toBe(-ENOENT);
    expect(vm.alias(A, 1, 0)).toBe(-ENOENT);
    // P still has it: removing A's undef entry is not possible, P's own entry is.
    expect(vm.removeMethod(P, 0)).toBe(0);
    expect(vm.removeMethod(P, 0)).toBe(-ENOENT);
  });
});

describe('rb_alias and rb_add_refined_method_entry', () => {
  it("an alias keeps the old method's visibility; a module's alias has no defined class, a class's its class", () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    vm.defineMethod(A, 0, { ...plain, private: true });
    expect(vm.alias(A, 1, 0)).toBe(0);
    const a = vm.tree.lookupMethodTable(A, 1);
    expect(vm.mes.visi(a)).toBe(METHOD_VISI_PRIVATE);
    expect(vm.mes.field(a, ME_DEFINED_CLASS)).toBe(A);
    expect(guild.call(site(vm, 0, 1), A)).toBe(CALL_METHOD_MISSING);
    const M = vm.tree.defineModule();
    expect(vm.tree.typeOf(M)).toBe(T_MODULE);
    vm.defineMethod(M, 2, plain);
    expect(vm.alias(M, 3, 2)).toBe(0);
    const m = vm.tree.lookupMethodTable(M, 3);
    expect(vm.mes.visi(m)).toBe(0);
    expect(vm.mes.field(m, ME_DEFINED_CLASS)).toBe(0);
  });

  it('an alias of an inherited method made private in the subclass (a ZSUPER entry) is private, though the body is public', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const B = vm.tree.defineClass(A);
    const foo = vm.defineMethod(A, 0, plain);
    expect(vm.setVisibility(B, 0, 'private')).toBe(0);
    expect(vm.alias(B, 1, 0)).toBe(0);
    const a = vm.tree.lookupMethodTable(B, 1);
    expect(vm.mes.visi(a)).toBe(METHOD_VISI_PRIVATE);
    expect(vm.mes.body(a)).toBe(vm.mes.body(foo));
    expect(guild.call(site(vm, 0, 1), B)).toBe(CALL_METHOD_MISSING);
    expect(guild.call(site(vm, 1, 1), A)).toBe(CALL_METHOD_MISSING);
  });

  it('refining a method twice returns the REFINED entry of the first time; a method defined over it becomes its original', () => {
    const { vm } = makeVm();
    const A = vm.tree.defineClass(0);
    const first = vm.refine(A, 0);
    expect(vm.refine(A, 0)).toBe(first);
    expect(vm.mes.field(first, ME_DEF_ORIG)).toBe(0);
    const foo = vm.defineMethod(A, 0, plain);
    const entry = vm.tree.lookupMethodTable(A, 0);
    expect(vm.mes.type(entry)).toBe(VM_METHOD_TYPE_REFINED);
    expect(vm.mes.field(entry, ME_DEF_ORIG)).toBe(foo);
  });
});

describe('what each design invalidates on a redefinition', () => {
  it('ccs: a leaf clears its ccs (cc_invalidate_leaf, _ccs), bumps no serial', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    vm.defineMethod(A, 0, plain);
    guild.call(site(vm, 0, 0), A);
    vm.defineMethod(A, 0, plain);
    expect(vm.dc.get('cc_invalidate_leaf')).toBe(2);
    expect(vm.dc.get('cc_invalidate_leaf_ccs')).toBe(1);
    expect(vm.dc.get('cc_invalidate_tree')).toBe(0);
    expect(vm.dc.get('serial_bump')).toBe(0);
  });

  it('ccs: a class with a subclass invalidates the one cached entry (cc_cme_invalidate, cc_invalidate_tree_cme)', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const B = vm.tree.defineClass(A);
    vm.defineMethod(A, 0, plain);
    guild.call(site(vm, 0, 0), B);
    const tree = vm.dc.get('cc_invalidate_tree');
    vm.defineMethod(A, 0, plain);
    expect(vm.dc.get('cc_invalidate_tree')).toBe(tree + 1);
    expect(vm.dc.get('cc_cme_invalidate')).toBe(1);
    expect(vm.dc.get('cc_invalidate_tree_cme')).toBe(1);
  });

  it('serial-gmc: a definition bumps the serials and clears no ccs', () => {
    const { vm, guild } = makeVm({ design: 'serial-gmc' });
    const A = vm.tree.defineClass(0);
    vm.defineMethod(A, 0, plain);
    guild.call(site(vm, 0, 0), A);
    const bumps = vm.dc.get('serial_bump');
    vm.defineMethod(A, 0, plain);
    expect(vm.dc.get('serial_bump')).toBe(bumps + 1);
    expect(vm.dc.get('cc_invalidate_leaf')).toBe(0);
  });
});
