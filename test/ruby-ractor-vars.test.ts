import { describe, expect, it } from 'vitest';
import { Ruby } from '../src/ruby/index.js';

describe('constants under Ractors: the inline constant cache (vm_inlined_ic_hit_p, rb_clear_constant_cache_for_id)', () => {
  it('serves a non-main Ractor only shareable entries; a set clears the sites of that name only', () => {
    const rb = new Ruby();
    const v = rb.defineClass('C').vars;
    v.constSet('C', 'S', 'frozen', { shareable: true });
    v.constSet('C', 'U', "'str'");
    // The main Ractor caches both at their sites.
    expect(v.constGet('C', 'S', 0, 's')).toBe('frozen');
    expect(v.constGet('C', 'U', 0, 'u')).toBe("'str'");
    expect(v.constGet('C', 'U', 0, 'u')).toBe("'str'");
    expect(v.stats).toEqual({ ic_hit: 1, ic_miss: 2, ic_invalidate: 0 });
    // A non-main Ractor hits the shareable entry and misses the other (then rb_const_get raises).
    expect(v.constGet('C', 'S', 1, 's')).toBe('frozen');
    expect(v.constGet('C', 'U', 1, 'u')).toMatchObject({ error: 'IsolationError', message: /constant C::U by non-main Ractor/ });
    expect(v.stats).toEqual({ ic_hit: 2, ic_miss: 3, ic_invalidate: 0 });
    // Setting U clears the sites that cached U, not S's.
    v.constSet('C', 'U', 'frozen2', { shareable: true });
    expect(v.stats.ic_invalidate).toBe(1);
    expect(v.constGet('C', 'U', 1, 'u')).toBe('frozen2');
    expect(v.constGet('C', 'S', 1, 's')).toBe('frozen');
    expect(v.stats).toEqual({ ic_hit: 3, ic_miss: 4, ic_invalidate: 1 });
    // Constants are found through included modules.
    rb.defineModule('M').include('C', 'M');
    v.constSet('M', 'K', '1', { shareable: true });
    expect(v.constGet('C', 'K', 1)).toBe('1');
  });

  it('class instance variables: a non-main Ractor reads shareable values, sets none', () => {
    const v = new Ruby().defineClass('C').vars;
    v.ivarSet('C', '@s', ':sym', { shareable: true });
    expect(v.ivarGet('C', '@s', 1)).toBe(':sym');
    expect(v.ivarSet('C', '@s', ':other', { shareable: true, ractor: 1 })).toMatchObject({ error: 'IsolationError' });
  });
});
