import { describe, expect, it } from 'vitest';
import { Ruby } from '../src/ruby/index.js';

describe('Class#dup (rb_mod_init_copy): the copy has its own entries, so its caches and the original\'s are independent', () => {
  it('a redefinition in one invalidates nothing of the other; super from the copy goes to the shared superclass', () => {
    const rb = new Ruby();
    rb.defineClass('A').def('A', 'foo', { returns: 'A' }).defineClass('C', 'A').def('C', 'foo', { returns: 'C', super: 'zsuper' }).dup('C', 'D');
    expect(rb.call('C', 'foo', { site: 'c' })).toEqual(['C', 'A']);
    expect(rb.call('D', 'foo', { site: 'd' })).toEqual(['C', 'A']);
    expect(rb.siteCache('d')).toEqual({ klass: 'D', owner: 'D', invalidated: false });
    rb.def('C', 'foo', { returns: 'C2' });
    expect(rb.siteCache('d').invalidated).toBe(false);
    expect(rb.siteCache('c').klass).toBe(null); // C is a leaf: its CCs were cleared (vm_cc_invalidate)
    expect(rb.call('D', 'foo', { site: 'd' })).toEqual(['C', 'A']);
    expect(rb.call('C', 'foo', { site: 'c' })).toEqual(['C2']);
    rb.def('D', 'foo', { returns: 'D' });
    expect(rb.siteCache('c')).toEqual({ klass: 'C', owner: 'C', invalidated: false });
    expect(rb.call('D', 'foo', { site: 'd' })).toEqual(['D']);
    // The shared superclass still reaches both.
    rb.def('A', 'bar', { returns: 'A#bar' });
    expect(rb.call('D', 'bar')).toEqual(['A#bar']);
    expect(rb.vm.audit()).toEqual([]);
  });

  it('keeps visibility, and a module copy is included on its own', () => {
    const rb = new Ruby();
    rb.defineModule('M').def('M', 'p', { returns: 'M#p', visibility: 'private' }).dup('M', 'M2').defineClass('C').include('C', 'M2');
    expect(rb.call('C', 'p')).toEqual({ error: 'NoMethodError' });
    expect(rb.send('C', 'p')).toEqual(['M#p']);
    expect(rb.ancestors('C')).toEqual(['C', 'M2', 'Object', 'BasicObject']);
  });
});

describe('method hooks (CALL_METHOD_HOOK)', () => {
  it('run on the class and are inherited by subclasses, not by includers of a module; public :m of an inherited method is an addition', () => {
    const rb = new Ruby();
    rb.defineClass('A').hook('A', 'method_added').hook('A', 'method_removed').defineClass('B', 'A').defineModule('M').def('M', 'x', { returns: 'x' });
    rb.def('A', 'm', { returns: 'A#m', visibility: 'private' }).def('B', 'n', { returns: 'B#n' }).setVisibility('B', 'm', 'public').setVisibility('B', 'n', 'private').remove('B', 'n');
    rb.include('B', 'M');
    expect(rb.hookCalls).toEqual(['A.method_added(:m)', 'B.method_added(:n)', 'B.method_added(:m)', 'B.method_removed(:n)']);
  });
});
