/**
 * class.c's include and prepend (src/ruby/class_include.ts) at their edges, with CRuby's
 * ancestries (test/ruby/test_module.rb): what include_modules_at skips (a module the class
 * or, for an include, a superclass has already; a prepend looks only up to the origin), where
 * the next iclass goes after a skipped one, an include into a module reaching the classes
 * that include it (not those that have the module already), the cyclic include and prepend
 * (ArgumentError), what cannot be included, and how much each invalidation clears: the
 * module's methods once per include where the lookup starts (the superclass; a root class:
 * nothing, or the class itself with the negative cache), on the class for a prepend, nothing
 * in the serial design (which bumps serials instead) or in a broken variant's skipped half.
 */
import { describe, expect, it } from 'vitest';
import { EINVAL } from '../src/errors.js';
import { Ruby } from '../src/ruby/index.js';
import { makeVm, plain, site, thrown } from './ruby-helpers.js';

describe('include_modules_at: what is skipped, and where the next iclass goes', () => {
  it('a module the class includes already is skipped, and the next module goes after it (c = p)', () => {
    const rb = new Ruby();
    rb.defineModule('M0').defineModule('M1').defineModule('M2').include('M2', 'M0').include('M2', 'M1');
    expect(rb.ancestors('M2')).toEqual(['M2', 'M1', 'M0']);
    rb.defineClass('C').include('C', 'M1').include('C', 'M2');
    expect(rb.ancestors('C')).toEqual(['C', 'M2', 'M1', 'M0', 'Object', 'BasicObject']);
    expect(rb.counters().iclass_new).toBe(2 + 1 + 2);
    // Including M2 again changes nothing.
    rb.include('C', 'M2');
    expect(rb.ancestors('C')).toEqual(['C', 'M2', 'M1', 'M0', 'Object', 'BasicObject']);
    expect(rb.counters().iclass_new).toBe(5);
  });

  it("an include skips a module a superclass has (Ruby: [C, M2, P, M1]); a prepend does not look past the class's origin", () => {
    const rb = new Ruby();
    rb.defineModule('M1').defineModule('M2').include('M2', 'M1');
    rb.defineClass('P').include('P', 'M1').defineClass('C', 'P').include('C', 'M2');
    expect(rb.ancestors('C')).toEqual(['C', 'M2', 'P', 'M1', 'Object', 'BasicObject']);
    rb.defineClass('D', 'P').prepend('D', 'M2');
    expect(rb.ancestors('D')).toEqual(['M2', 'M1', 'D', 'P', 'M1', 'Object', 'BasicObject']);
    // A module the class includes is no obstacle to prepending it (test_prepend_after_include).
    rb.defineModule('N').defineClass('E').include('E', 'N').prepend('E', 'N');
    expect(rb.ancestors('E')).toEqual(['N', 'E', 'N', 'Object', 'BasicObject']);
    // Prepending a module prepended already: nothing new.
    const made = rb.counters().iclass_new;
    rb.prepend('E', 'N');
    expect(rb.counters().iclass_new).toBe(made);
    expect(rb.ancestors('E')).toEqual(['N', 'E', 'N', 'Object', 'BasicObject']);
    expect(rb.vm.audit()).toEqual([]);
  });

  it('a module skipped in the superclass leaves the next one after the class, not after the superclass (superclass_seen)', () => {
    const rb = new Ruby();
    rb.defineModule('M0').defineModule('M1').defineModule('M2').include('M2', 'M0').include('M2', 'M1');
    rb.defineClass('P').include('P', 'M1').defineClass('C', 'P').include('C', 'M2');
    expect(rb.ancestors('C')).toEqual(['C', 'M2', 'M0', 'P', 'M1', 'Object', 'BasicObject']);
  });

  it("into a class with a prepend: a module found among the prepended ones (before c is seen) is skipped without moving c", () => {
    const rb = new Ruby();
    rb.defineModule('M0').defineModule('M1').defineModule('M2').include('M2', 'M0').include('M2', 'M1');
    rb.defineClass('C').prepend('C', 'M1').include('C', 'M2');
    expect(rb.ancestors('C')).toEqual(['M1', 'C', 'M2', 'M0', 'Object', 'BasicObject']);
    expect(rb.vm.audit()).toEqual([]);
  });

  it("an included module's iclass gets its origin's iclass as origin (origin_stack): a later include into the module lands after the module, a second prepend of P adds nothing", () => {
    const rb = new Ruby();
    rb.defineModule('P').defineModule('M').prepend('M', 'P').defineModule('N').include('N', 'M').defineClass('C').include('C', 'M');
    rb.defineModule('Q').def('Q', 'q', { returns: 'Q' }).include('M', 'Q');
    expect(rb.ancestors('M')).toEqual(['P', 'M', 'Q']);
    expect(rb.ancestors('N')).toEqual(['N', 'P', 'M', 'Q']);
    expect(rb.ancestors('C')).toEqual(['C', 'P', 'M', 'Q', 'Object', 'BasicObject']);
    expect(rb.call('C', 'q')).toEqual(['Q']);
    // Prepending P again: each includer's walk for it ends at its own origin iclass, past P's: nothing new.
    const made = rb.counters().iclass_new;
    rb.prepend('M', 'P');
    expect(rb.counters().iclass_new).toBe(made);
    expect(rb.ancestors('N')).toEqual(['N', 'P', 'M', 'Q']);
    expect(rb.ancestors('C')).toEqual(['C', 'P', 'M', 'Q', 'Object', 'BasicObject']);
    expect(rb.vm.audit()).toEqual([]);
  });

  it('a module with a prepended module, included: the iclass of its origin follows (origin_stack)', () => {
    const rb = new Ruby();
    rb.defineModule('P').defineModule('M').def('M', 'foo', { returns: 'M' }).prepend('M', 'P').defineModule('N').include('N', 'M');
    rb.defineClass('C').include('C', 'N');
    expect(rb.ancestors('C')).toEqual(['C', 'N', 'P', 'M', 'Object', 'BasicObject']);
    expect(rb.call('C', 'foo')).toEqual(['M']);
    expect(rb.vm.audit()).toEqual([]);
  });
});

describe('rb_include_module into a module', () => {
  it('reaches every class and module that includes it, but not one that has the included module already', () => {
    const rb = new Ruby();
    rb.defineModule('M').defineModule('N').def('N', 'n', { returns: 'N' });
    rb.defineClass('A').include('A', 'M').defineClass('B').include('B', 'N').include('B', 'M').defineModule('K').include('K', 'M');
    rb.include('M', 'N');
    expect(rb.ancestors('M')).toEqual(['M', 'N']);
    expect(rb.ancestors('A')).toEqual(['A', 'M', 'N', 'Object', 'BasicObject']);
    expect(rb.ancestors('B')).toEqual(['B', 'M', 'N', 'Object', 'BasicObject']);
    expect(rb.ancestors('K')).toEqual(['K', 'M', 'N']);
    expect(rb.call('A', 'n')).toEqual(['N']);
    expect(rb.vm.audit()).toEqual([]);
  });
});

describe('cyclic includes and prepends, and what cannot be included', () => {
  it('a module into itself or into a module in its own ancestry: -EINVAL, nothing linked', () => {
    const { vm } = makeVm();
    const M = vm.tree.defineModule();
    const N = vm.tree.defineModule();
    const used = vm.tree.used;
    expect(vm.include(M, M)).toBe(-EINVAL);
    expect(vm.prepend(M, M)).toBe(-EINVAL);
    expect(vm.include(N, M)).toBe(0);
    expect(vm.include(M, N)).toBe(-EINVAL);
    expect(vm.prepend(M, N)).toBe(-EINVAL);
    expect(vm.tree.used).toBe(used + 1);
    expect(vm.audit()).toEqual([]);
  });

  it('into an iclass, a class as the module, a refinement either way: E_USAGE, and the lock is released', () => {
    const { vm } = makeVm();
    const A = vm.tree.defineClass(0);
    const B = vm.tree.defineClass(A);
    const M = vm.tree.defineModule();
    const R = vm.tree.defineRefinement(A);
    expect(vm.include(B, M)).toBe(0);
    const iclass = vm.tree.superOf(B);
    expect(thrown(() => vm.include(iclass, M))).toBe(`E_USAGE: I${iclass}(M3) is an iclass: include into its class or module`);
    expect(thrown(() => vm.prepend(iclass, M))).toBe(`E_USAGE: I${iclass}(M3) is an iclass: include into its class or module`);
    expect(thrown(() => vm.include(B, A))).toBe('E_USAGE: module C1 is a class, not a module');
    expect(thrown(() => vm.include(B, R))).toBe('E_USAGE: TypeError: Cannot include or prepend a refinement, or into one');
    expect(thrown(() => vm.prepend(R, M))).toBe('E_USAGE: TypeError: Cannot include or prepend a refinement, or into one');
    expect(thrown(() => vm.include(0, M))).toBe(`E_USAGE: class 0 does not exist (classes are 1..${vm.tree.used - 1})`);
    expect(vm.include(A, M)).toBe(0);
  });
});

describe('the invalidation include_modules_at does', () => {
  it("an include clears each of the module's methods once, for each module of its ancestry that has methods", () => {
    const { vm } = makeVm();
    const P = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(P);
    const M = vm.tree.defineModule();
    const N = vm.tree.defineModule();
    const E = vm.tree.defineModule();
    vm.defineMethod(M, 0, plain);
    vm.defineMethod(M, 1, plain);
    vm.defineMethod(N, 2, plain);
    // Into M, whose superclass record is E's iclass: N's method is cleared there (an iclass, not a module).
    expect(vm.include(M, E)).toBe(0);
    expect(vm.dc.get('include_invalidate')).toBe(0);
    expect(vm.include(M, N)).toBe(0);
    expect(vm.dc.get('include_invalidate')).toBe(1);
    expect(vm.include(A, M)).toBe(0);
    expect(vm.dc.get('include_invalidate')).toBe(4);
    expect(vm.dc.get('prepend_invalidate')).toBe(0);
    expect(vm.dc.get('iclass_new')).toBe(2 + 3);
    expect(vm.prepend(P, M)).toBe(0);
    expect(vm.dc.get('prepend_invalidate')).toBe(3);
    expect(vm.dc.get('origin_new')).toBe(1);
    expect(vm.dc.get('include_invalidate')).toBe(4);
  });

  it('into a root class: nothing cleared, unless the negative cache may hold "no such method" for them (the class itself is)', () => {
    for (const negativeCache of [false, true]) {
      const { vm } = makeVm({ negativeCache });
      const R = vm.tree.defineClass(0);
      const M = vm.tree.defineModule();
      vm.defineMethod(M, 0, plain);
      vm.defineMethod(M, 1, plain);
      expect(vm.include(R, M)).toBe(0);
      expect(vm.dc.get('include_invalidate')).toBe(negativeCache ? 2 : 0);
      // Into a module: never (no call caches a module's own lookups).
      const K = vm.tree.defineModule();
      expect(vm.include(K, M)).toBe(0);
      expect(vm.dc.get('include_invalidate')).toBe(negativeCache ? 2 : 0);
    }
  });

  it('an include into a module clears on each class that includes it, where its lookups start', () => {
    const { vm } = makeVm();
    const P = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(P);
    const B = vm.tree.defineClass(P);
    const M = vm.tree.defineModule();
    const N = vm.tree.defineModule();
    vm.defineMethod(N, 0, plain);
    expect(vm.include(A, M)).toBe(0);
    expect(vm.include(B, M)).toBe(0);
    expect(vm.include(M, N)).toBe(0);
    expect(vm.dc.get('include_invalidate')).toBe(2);
  });

  it('a prepended method shadows a cached call at once; the serial design clears nothing and bumps the serials instead', () => {
    for (const design of ['ccs', 'serial-gmc'] as const) {
      const rb = new Ruby({ design });
      rb.defineClass('A').def('A', 'foo', { returns: 'A' }).defineClass('B', 'A').defineModule('M').def('M', 'foo', { returns: 'M', super: 'zsuper' });
      expect(rb.call('B', 'foo', { site: 's' })).toEqual(['A']);
      const t = rb.vm.tree;
      const serial = rb.vm.mem.load(t.serialWord(rb.id('B')));
      rb.prepend('A', 'M');
      expect(rb.call('B', 'foo', { site: 's' })).toEqual(['M', 'A']);
      expect(rb.vm.dc.get('prepend_invalidate')).toBe(design === 'ccs' ? 1 : 0);
      expect(rb.vm.mem.load(t.serialWord(rb.id('B'))) !== serial).toBe(design === 'serial-gmc');
    }
  });

  for (const skip of ['include', 'prepend'] as const) {
    it(`${skip}-no-invalidate leaves out its own half only`, () => {
      const { vm } = makeVm({ skipInvalidation: skip });
      const P = vm.tree.defineClass(0);
      const A = vm.tree.defineClass(P);
      const M = vm.tree.defineModule();
      vm.defineMethod(M, 0, plain);
      expect(vm.include(A, M)).toBe(0);
      expect(vm.prepend(P, M)).toBe(0);
      expect(vm.dc.get('include_invalidate')).toBe(skip === 'include' ? 0 : 1);
      expect(vm.dc.get('prepend_invalidate')).toBe(skip === 'prepend' ? 0 : 1);
    });
  }

  it('with the negative cache, an include into a class with a superclass still clears on the superclass, not the class', () => {
    const { vm, guild } = makeVm({ negativeCache: true });
    const P = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(P);
    const M = vm.tree.defineModule();
    vm.defineMethod(P, 0, plain);
    const mFoo = vm.defineMethod(M, 0, plain);
    guild.call(site(vm, 0, 0), A);
    const leaf = vm.dc.get('cc_invalidate_leaf');
    const tree = vm.dc.get('cc_invalidate_tree_cme');
    expect(vm.include(A, M)).toBe(0);
    // P has a subclass (A): the tree path invalidates the cached P#foo; A, a leaf, is not visited.
    expect(vm.dc.get('cc_invalidate_tree_cme')).toBe(tree + 1);
    expect(vm.dc.get('cc_invalidate_leaf')).toBe(leaf);
    expect(guild.call(0, A)).toBe(vm.mes.body(mFoo));
  });

  it("the serial design's prepend into an included module clears nothing on the backfilled iclasses (it bumps serials)", () => {
    for (const design of ['ccs', 'serial-gmc'] as const) {
      const { vm } = makeVm({ design });
      const A = vm.tree.defineClass(0);
      const C = vm.tree.defineClass(A);
      const M = vm.tree.defineModule();
      const P = vm.tree.defineModule();
      vm.defineMethod(M, 0, plain);
      vm.defineMethod(M, 1, plain);
      expect(vm.include(C, M)).toBe(0);
      const before = vm.dc.toJSON();
      expect(vm.prepend(M, P)).toBe(0);
      const after = vm.dc.toJSON();
      const cleared = Object.keys(after).filter((k) => k.startsWith('cc_invalidate') && after[k] !== (before[k] ?? 0));
      expect(cleared.length > 0).toBe(design === 'ccs');
      expect(vm.dc.get('origin_new')).toBe(2);
    }
  });
});
