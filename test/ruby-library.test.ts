import { describe, expect, it } from 'vitest';
import { ruby } from '../src/index.js';

describe('the Ruby model as a library (docs/ruby.md example)', () => {
  it('defines classes, calls through a site and shows the cache and counters', () => {
    const rb = new ruby.Ruby();
    rb.defineClass('A').def('A', 'foo', { returns: 'A#foo' }).defineClass('B', 'A');
    expect(rb.call('B', 'foo', { site: 'loop' })).toEqual(['A#foo']);
    expect(rb.call('B', 'foo', { site: 'loop' })).toEqual(['A#foo']);
    expect(rb.siteCache('loop')).toEqual({ klass: 'B', owner: 'A', invalidated: false });

    rb.defineModule('M').def('M', 'foo', { returns: 'M#foo', super: 'zsuper' }).include('B', 'M');
    expect(rb.siteCache('loop')).toEqual({ klass: 'B', owner: 'A', invalidated: true });
    expect(rb.call('B', 'foo', { site: 'loop' })).toEqual(['M#foo', 'A#foo']);
    expect(rb.ancestors('B')).toEqual(['B', 'M', 'A', 'Object', 'BasicObject']);

    rb.setVisibility('A', 'foo', 'private');
    expect(rb.call('A', 'foo')).toEqual({ error: 'NoMethodError' });
    expect(rb.send('A', 'foo')).toEqual(['A#foo']);
    expect(rb.call('B', 'foo', { args: 1 })).toEqual({ error: 'ArgumentError' });

    const c = rb.counters();
    if (process.env.SHOW) console.log(JSON.stringify(c));
    expect(c).toMatchObject({ mc_inline_hit: 1, include_invalidate: 1, cc_invalidate_tree_cme: 2, mc_inline_miss_invalidated: 1, super_call: 1 });
  });
});
