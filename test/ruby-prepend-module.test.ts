import { describe, expect, it } from 'vitest';
import { Ruby } from '../src/ruby/index.js';
import { makeVm, plain, site } from './ruby-helpers.js';

describe('prepend into a module (rb_prepend_module on a module: its origin, the backfill)', () => {
  it('every class that includes the module sees the prepended module ahead of it, then and later', () => {
    const rb = new Ruby();
    rb.defineModule('M').def('M', 'foo', { returns: 'M', super: 'zsuper' });
    rb.defineClass('A').def('A', 'foo', { returns: 'A' }).defineClass('C', 'A').include('C', 'M');
    expect(rb.call('C', 'foo', { site: 's' })).toEqual(['M', 'A']);
    rb.defineModule('P').def('P', 'foo', { returns: 'P', super: 'zsuper' }).prepend('M', 'P');
    expect(rb.ancestors('M')).toEqual(['P', 'M']);
    expect(rb.ancestors('C')).toEqual(['C', 'P', 'M', 'A', 'Object', 'BasicObject']);
    expect(rb.call('C', 'foo', { site: 's' })).toEqual(['P', 'M', 'A']);
    // A class that includes the module afterwards gets the iclasses and the origin's iclass (origin_stack).
    rb.defineClass('D', 'A').include('D', 'M');
    expect(rb.ancestors('D')).toEqual(['D', 'P', 'M', 'A', 'Object', 'BasicObject']);
    expect(rb.call('D', 'foo', { site: 's' })).toEqual(['P', 'M', 'A']);
    rb.def('M', 'foo', { returns: 'M2', super: 'zsuper' });
    expect(rb.call('C', 'foo', { site: 's' })).toEqual(['P', 'M2', 'A']);
    expect(rb.call('D', 'foo', { site: 's' })).toEqual(['P', 'M2', 'A']);
    // A second prepend and an include into the module reach both classes, in CRuby's places.
    rb.defineModule('Q').def('Q', 'foo', { returns: 'Q', super: 'zsuper' }).prepend('M', 'Q');
    rb.defineModule('N').def('N', 'foo', { returns: 'N', super: 'zsuper' }).include('M', 'N');
    expect(rb.ancestors('C')).toEqual(['C', 'Q', 'P', 'M', 'N', 'A', 'Object', 'BasicObject']);
    expect(rb.call('D', 'foo', { site: 's' })).toEqual(['Q', 'P', 'M2', 'N', 'A']);
    // Through a module that includes it.
    rb.defineModule('K').include('K', 'M').defineClass('E').include('E', 'K');
    expect(rb.ancestors('E')).toEqual(['E', 'K', 'Q', 'P', 'M', 'N', 'Object', 'BasicObject']);
    expect(rb.try((r) => r.prepend('P', 'M'))).toBe('ArgumentError');
    expect(rb.vm.audit()).toEqual([]);
  });

  it("the backfill clears the module's methods on each iclass: a cached entry names the iclass, no longer where they live", () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const C = vm.tree.defineClass(A);
    const M = vm.tree.defineModule();
    const P = vm.tree.defineModule();
    vm.defineMethod(M, 0, plain);
    expect(vm.include(C, M)).toBe(0);
    const s = site(vm, 0, 0);
    guild.call(s, C);
    const before = vm.dc.get('cc_invalidate_tree_callable');
    expect(vm.prepend(M, P)).toBe(0);
    expect(vm.dc.get('cc_invalidate_tree_callable')).toBe(before + 1);
    expect(vm.dc.get('origin_new')).toBe(2);
    // Redefined after the prepend: the class's site runs the new body (a stale complemented entry would not).
    const m2 = vm.defineMethod(M, 0, plain);
    expect(guild.call(s, C)).toBe(vm.mes.body(m2));
    expect(vm.audit()).toEqual([]);
  });

  for (const skip of [undefined, 'prepend'] as const) {
    it(skip ? "prepend-no-invalidate: a class's cached call misses the module prepended into its module" : "clears the prepended module's methods on every iclass of the module", () => {
      const rb = new Ruby({ skipInvalidation: skip });
      rb.defineModule('M').defineClass('A').def('A', 'foo', { returns: 'A' }).defineClass('C', 'A').include('C', 'M');
      expect(rb.call('C', 'foo', { site: 's' })).toEqual(['A']);
      rb.defineModule('P').def('P', 'foo', { returns: 'P' }).prepend('M', 'P');
      expect(rb.call('C', 'foo', { site: 's' })).toEqual(skip ? ['A'] : ['P']);
    });
  }
});
