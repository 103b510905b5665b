import { describe, expect, it } from 'vitest';
import { Ruby } from '../src/ruby/index.js';

describe('refinements activated by using (search_refined_method)', () => {
  it('a refinement defined after a site cached the method reaches the site in the using scope only; the REFINED handler runs per call', () => {
    const rb = new Ruby();
    rb.defineClass('C').def('C', 'foo', { returns: 'C' }).defineClass('D', 'C').defineModule('R');
    rb.using('S', 'R');
    expect(rb.call('D', 'foo', { site: 'in', scope: 'S' })).toEqual(['C']);
    expect(rb.call('D', 'foo', { site: 'out' })).toEqual(['C']);
    rb.refineDef('R', 'C', 'foo', { returns: 'R', super: 'zsuper' });
    expect(rb.siteCache('in').invalidated).toBe(true);
    // using takes the refinements R has at that moment (rb_using_module): R's refinement of C is new, so S uses R again.
    rb.using('S', 'R');
    for (let i = 0; i < 2; i++) {
      expect(rb.call('D', 'foo', { site: 'in', scope: 'S' })).toEqual(['R', 'C']);
      expect(rb.call('D', 'foo', { site: 'out' })).toEqual(['C']);
    }
    expect(rb.counters().call_refined).toBe(6);
    // Redefining the refined class's method changes what super in the refinement finds, not the refinement.
    rb.def('C', 'foo', { returns: 'C2' });
    expect(rb.call('D', 'foo', { site: 'in', scope: 'S' })).toEqual(['R', 'C2']);
    // A private refined method: method_missing with a receiver, runs as an FCALL.
    rb.refineDef('R', 'C', 'bar', { returns: 'R#bar', visibility: 'private' });
    expect(rb.call('C', 'bar', { scope: 'S' })).toEqual({ error: 'NoMethodError' });
    expect(rb.call('C', 'bar', { scope: 'S', fcall: true })).toEqual(['R#bar']);
    expect(rb.try((r) => r.include('C', 'R'))).toBe(null);
  });

  it('a refinement module cannot be included, and scope labels are bounded', () => {
    const rb = new Ruby();
    rb.defineClass('C').defineModule('R').refineDef('R', 'C', 'foo', { returns: 'R' });
    const r = [...Array(rb.vm.tree.used).keys()].find((k) => k > 0 && rb.vm.tree.isRefinement(k));
    expect(r).toBeDefined();
    expect(() => rb.vm.include(rb.id('C'), r!)).toThrow(/refinement/);
    expect(() => {
      for (let i = 0; i < 16; i++) rb.using(`s${i}`, 'R');
    }).toThrow(/more than 15 scopes/);
  });
});
