/**
 * rb_mod_init_copy (class.c; src/ruby/class_copy.ts) at its edges: what cannot be copied
 * (a record that does not exist, an iclass, the root class), a module with and without a
 * superclass chain of its own, the copied entries' owner, defined class, called id, body and
 * visibility, and the prepended modules prepended afresh in the original's order.
 */
import { describe, expect, it } from 'vitest';
import { Ruby } from '../src/ruby/index.js';
import { ME_CALLED_ID, ME_DEFINED_CLASS, ME_OWNER, METHOD_VISI_PRIVATE, T_CLASS, T_ICLASS, T_MODULE } from '../src/ruby/layout.js';
import { makeVm, plain, thrown } from './ruby-helpers.js';

describe('rb_mod_init_copy: what cannot be copied', () => {
  it('a record that does not exist, an iclass, the root class (even with a prepend); the lock is released after each', () => {
    const { vm } = makeVm();
    const root = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(root);
    const M = vm.tree.defineModule();
    expect(vm.include(A, M)).toBe(0);
    const iclass = vm.tree.superOf(A);
    expect(vm.tree.typeOf(iclass)).toBe(T_ICLASS);
    expect(thrown(() => vm.copyClass(0))).toBe(`E_USAGE: class 0 does not exist (classes are 1..${vm.tree.used - 1})`);
    expect(thrown(() => vm.copyClass(iclass))).toBe(`E_USAGE: I${iclass}(M${M}) is an iclass: copy its class or module`);
    expect(thrown(() => vm.copyClass(root))).toBe("E_USAGE: TypeError: can't copy the root class");
    expect(vm.prepend(root, vm.tree.defineModule())).toBe(0);
    const used = vm.tree.used;
    expect(thrown(() => vm.copyClass(root))).toBe("E_USAGE: TypeError: can't copy the root class");
    expect(vm.tree.used).toBe(used);
    // A class whose only superclass record is an iclass is no root.
    const B = vm.tree.defineClass(A);
    expect(vm.tree.typeOf(vm.copyClass(B))).toBe(T_CLASS);
  });
});

describe('rb_mod_init_copy: the copy', () => {
  it("a class's copy: the same superclass record (iclasses of its includes shared), entries owned by and defined in the copy", () => {
    const { vm } = makeVm();
    const t = vm.tree;
    const P = t.defineClass(0);
    const A = t.defineClass(P);
    const M = t.defineModule();
    expect(vm.include(A, M)).toBe(0);
    const foo = vm.defineMethod(A, 0, plain);
    const bar = vm.defineMethod(A, 1, { ...plain, private: true });
    expect(vm.alias(A, 2, 0)).toBe(0);
    const D = vm.copyClass(A);
    expect(t.typeOf(D)).toBe(T_CLASS);
    expect(t.superOf(D)).toBe(t.superOf(A));
    expect(t.kindOf(D, M)).toBe(true);
    expect(t.kindOf(D, A)).toBe(false);
    for (const [mid, orig] of [[0, foo], [1, bar], [2, t.ownMethodEntry(A, 2)]]) {
      const me = t.ownMethodEntry(D, mid);
      expect(me).not.toBe(0);
      expect(me).not.toBe(orig);
      expect(vm.mes.field(me, ME_OWNER)).toBe(D);
      expect(vm.mes.field(me, ME_DEFINED_CLASS)).toBe(D);
      expect(vm.mes.field(me, ME_CALLED_ID)).toBe(mid);
      expect(vm.mes.body(me)).toBe(vm.mes.body(orig));
      expect(vm.mes.visi(me)).toBe(vm.mes.visi(orig));
      expect(vm.mes.cached(me)).toBe(false);
    }
    expect(vm.mes.visi(t.ownMethodEntry(D, 1))).toBe(METHOD_VISI_PRIVATE);
    expect(t.ownMethodEntry(D, 3)).toBe(0);
    expect(vm.audit()).toEqual([]);
  });

  it("a module's copy: a module, its entries with no defined class; a root module's copy is a root", () => {
    const { vm } = makeVm();
    const t = vm.tree;
    const M = t.defineModule();
    const foo = vm.defineMethod(M, 0, plain);
    const M2 = vm.copyClass(M);
    expect(t.typeOf(M2)).toBe(T_MODULE);
    expect(t.superOf(M2)).toBe(0);
    const me = t.ownMethodEntry(M2, 0);
    expect(vm.mes.field(me, ME_OWNER)).toBe(M2);
    expect(vm.mes.field(me, ME_DEFINED_CLASS)).toBe(0);
    expect(vm.mes.body(me)).toBe(vm.mes.body(foo));
    expect(vm.audit()).toEqual([]);
  });

  it("a module that includes another: the copy's superclass is the same iclass, and it is listed under it", () => {
    const { vm } = makeVm();
    const t = vm.tree;
    const M = t.defineModule();
    const N = t.defineModule();
    expect(vm.include(M, N)).toBe(0);
    const iclass = t.superOf(M);
    const M2 = vm.copyClass(M);
    expect(t.typeOf(M2)).toBe(T_MODULE);
    expect(t.superOf(M2)).toBe(iclass);
    const listed: number[] = [];
    for (let s = t.firstSubclass(iclass); s !== 0; s = t.nextSibling(s)) listed.push(s);
    expect(listed).toEqual([M2, M]);
    const rb = new Ruby();
    rb.defineModule('N').def('N', 'n', { returns: 'N' }).defineModule('M').include('M', 'N').dup('M', 'M2').defineClass('C').include('C', 'M2');
    expect(rb.ancestors('C')).toEqual(['C', 'M2', 'N', 'Object', 'BasicObject']);
    expect(rb.call('C', 'n')).toEqual(['N']);
  });

  it("the prepended modules are prepended to the copy afresh, in the original's order, ahead of the copy's own origin", () => {
    const rb = new Ruby();
    rb.defineModule('M1').def('M1', 'foo', { returns: 'M1', super: 'zsuper' });
    rb.defineModule('M2').def('M2', 'foo', { returns: 'M2', super: 'zsuper' });
    rb.defineModule('M3').def('M3', 'foo', { returns: 'M3', super: 'zsuper' });
    rb.defineClass('A').def('A', 'foo', { returns: 'A' }).prepend('A', 'M1').prepend('A', 'M2').prepend('A', 'M3').dup('A', 'D');
    expect(rb.ancestors('A')).toEqual(['M3', 'M2', 'M1', 'A', 'Object', 'BasicObject']);
    expect(rb.ancestors('D')).toEqual(['M3', 'M2', 'M1', 'D', 'Object', 'BasicObject']);
    expect(rb.call('D', 'foo')).toEqual(['M3', 'M2', 'M1', 'A']);
    const t = rb.vm.tree;
    const D = rb.id('D');
    const origin = t.origin(D);
    expect(origin).not.toBe(D);
    expect(origin).not.toBe(t.origin(rb.id('A')));
    // The copy's entries are in its own origin, not in A's.
    expect(t.ownMethodEntry(origin, rb.mid('foo'))).not.toBe(0);
    expect(t.ownMethodEntry(D, rb.mid('foo'))).toBe(0);
    expect(ownerOf(rb, t.ownMethodEntry(origin, rb.mid('foo')))).toBe(D);
    rb.def('A', 'foo', { returns: 'A2' });
    expect(rb.call('D', 'foo')).toEqual(['M3', 'M2', 'M1', 'A']);
    expect(rb.call('A', 'foo')).toEqual(['M3', 'M2', 'M1', 'A2']);
    expect(rb.vm.audit()).toEqual([]);
  });

  it('a class with no prepends gets no origin; a copy of a copy is a copy of the original', () => {
    const rb = new Ruby();
    rb.defineClass('A').def('A', 'foo', { returns: 'A' }).dup('A', 'B').dup('B', 'C');
    const t = rb.vm.tree;
    const used = t.used;
    expect(t.origin(rb.id('C'))).toBe(rb.id('C'));
    expect(rb.ancestors('C')).toEqual(['C', 'Object', 'BasicObject']);
    expect(rb.call('C', 'foo')).toEqual(['A']);
    expect(t.used).toBe(used);
  });
});

function ownerOf(rb: Ruby, me: number): number {
  return rb.vm.mes.field(me, ME_OWNER);
}
