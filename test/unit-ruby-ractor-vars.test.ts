import { describe, expect, it } from 'vitest';
import { MemraceError } from '../src/errors.js';
import { Ruby } from '../src/ruby/index.js';

/** CRuby 3.3's messages (variable.c, vm_insnhelper.c). */
const CONST_SET = 'can not set constants with non-shareable objects by non-main Ractors';
const CLASS_IVAR_SET = 'can not set instance variables of classes/modules by non-main Ractors';
const SHAREABLE_IVAR = 'can not access instance variables of shareable objects from non-main Ractors';
const CLASS_IVAR_GET = 'can not get unshareable values from instance variables of classes/modules from non-main Ractors';
const CVAR = 'can not access class variables from non-main Ractors';
const isolation = (message: string) => ({ error: 'IsolationError', message });

/** C < B, M included in B: constants and class variables are found up that chain. */
function world() {
  const rb = new Ruby();
  rb.defineClass('B').defineClass('C', 'B').defineModule('M').include('B', 'M').defineClass('X');
  return { rb, v: rb.vars };
}

describe('rb_const_set / rb_const_get under Ractors', () => {
  it('a non-main Ractor may set a constant to a shareable value only; the main Ractor to anything', () => {
    const { v } = world();
    expect(v.constSet('B', 'U', "'str'", { ractor: 1 })).toEqual(isolation(CONST_SET));
    expect(v.constGet('B', 'U')).toEqual({ error: 'NameError' });
    expect(v.constSet('B', 'S', ':sym', { ractor: 1, shareable: true })).toBeNull();
    expect(v.constGet('B', 'S', 1)).toBe(':sym');
    expect(v.constSet('B', 'U', "'str'")).toBeNull();
    expect(v.constSet('B', 'V', "'str'", { ractor: 0 })).toBeNull();
    expect(v.constGet('B', 'U')).toBe("'str'");
    expect(v.constGet('B', 'V')).toBe("'str'");
  });

  it("rb_const_get from a non-main Ractor raises for a non-shareable value, naming the constant, and caches nothing", () => {
    const { v } = world();
    v.constSet('B', 'U', "'str'");
    expect(v.constGet('B', 'U', 2, 'site')).toEqual(isolation('can not access non-shareable objects in constant B::U by non-main Ractor.'));
    expect(v.stats).toEqual({ ic_hit: 0, ic_miss: 1, ic_invalidate: 0 });
    // Nothing was cached at the site: the main Ractor misses there too, then hits.
    expect(v.constGet('B', 'U', 0, 'site')).toBe("'str'");
    expect(v.constGet('B', 'U', 0, 'site')).toBe("'str'");
    expect(v.stats).toEqual({ ic_hit: 1, ic_miss: 2, ic_invalidate: 0 });
  });

  it('searches the class, its included modules and its superclasses; the nearest definition wins; a miss is NameError', () => {
    const { v } = world();
    v.constSet('M', 'K', 'from M', { shareable: true });
    v.constSet('B', 'L', 'from B', { shareable: true });
    v.constSet('C', 'L', 'from C', { shareable: true });
    expect(v.constGet('C', 'K', 1)).toBe('from M');
    expect(v.constGet('C', 'L', 1)).toBe('from C');
    expect(v.constGet('B', 'L', 1)).toBe('from B');
    expect(v.constGet('X', 'K')).toEqual({ error: 'NameError' });
    expect(v.stats).toEqual({ ic_hit: 0, ic_miss: 4, ic_invalidate: 0 });
  });

  it('an inline cache entry serves only its own name (a site reused for another name misses and refills)', () => {
    const { v } = world();
    v.constSet('B', 'P', 'p', { shareable: true });
    v.constSet('B', 'Q', 'q', { shareable: true });
    expect(v.constGet('B', 'P', 0, 's')).toBe('p');
    expect(v.constGet('B', 'Q', 0, 's')).toBe('q');
    expect(v.constGet('B', 'Q', 1, 's')).toBe('q');
    expect(v.stats).toEqual({ ic_hit: 1, ic_miss: 2, ic_invalidate: 0 });
  });

  it("vm_inlined_ic_hit_p: the main Ractor's entry for a non-shareable value is a hit for it, a miss (and the error) for another Ractor", () => {
    const { v } = world();
    v.constSet('B', 'U', "'str'");
    expect(v.constGet('B', 'U', 0, 's')).toBe("'str'");
    expect(v.constGet('B', 'U', 0, 's')).toBe("'str'");
    expect(v.stats).toEqual({ ic_hit: 1, ic_miss: 1, ic_invalidate: 0 });
    expect(v.constGet('B', 'U', 1, 's')).toEqual(isolation('can not access non-shareable objects in constant B::U by non-main Ractor.'));
    expect(v.stats).toEqual({ ic_hit: 1, ic_miss: 2, ic_invalidate: 0 });
    // The entry is still there for the main Ractor.
    expect(v.constGet('B', 'U', 0, 's')).toBe("'str'");
    expect(v.stats).toEqual({ ic_hit: 2, ic_miss: 2, ic_invalidate: 0 });
  });

  it('rb_clear_constant_cache_for_id: setting a name clears every site that cached it (in any class) and no other', () => {
    const { v } = world();
    v.constSet('B', 'N', '1', { shareable: true });
    v.constSet('X', 'N', '2', { shareable: true });
    v.constSet('B', 'O', '3', { shareable: true });
    v.constGet('B', 'N', 0, 'a');
    v.constGet('X', 'N', 0, 'b');
    v.constGet('B', 'O', 0, 'c');
    expect(v.stats).toEqual({ ic_hit: 0, ic_miss: 3, ic_invalidate: 0 });
    v.constSet('C', 'N', '4', { shareable: true });
    expect(v.stats.ic_invalidate).toBe(2);
    // A cleared site stays cleared: setting N again clears nothing more.
    v.constSet('C', 'N', '5', { shareable: true });
    expect(v.stats.ic_invalidate).toBe(2);
    expect(v.constGet('B', 'O', 0, 'c')).toBe('3');
    expect(v.constGet('B', 'N', 0, 'a')).toBe('1');
    expect(v.constGet('X', 'N', 0, 'b')).toBe('2');
    expect(v.stats).toEqual({ ic_hit: 1, ic_miss: 5, ic_invalidate: 2 });
  });

  it('a constant set again replaces the value (and its shareability) in the same table', () => {
    const { v } = world();
    v.constSet('B', 'K', 'a', { shareable: true });
    v.constSet('B', 'L', 'b', { shareable: true });
    v.constSet('B', 'K', "'c'");
    expect(v.constGet('B', 'L', 1)).toBe('b');
    expect(v.constGet('B', 'K', 1)).toEqual(isolation('can not access non-shareable objects in constant B::K by non-main Ractor.'));
    expect(v.constGet('B', 'K')).toBe("'c'");
  });
});

describe('instance variables under Ractors', () => {
  it("of a class: a non-main Ractor reads shareable values and unset ones (nil), raises on unshareable ones, sets none", () => {
    const { v } = world();
    expect(v.ivarSet('B', '@s', ':sym', { shareable: true })).toBeNull();
    expect(v.ivarSet('B', '@u', "'str'")).toBeNull();
    expect(v.ivarGet('B', '@s', 1)).toBe(':sym');
    expect(v.ivarGet('B', '@u', 1)).toEqual(isolation(CLASS_IVAR_GET));
    expect(v.ivarGet('B', '@none', 1)).toBe('nil');
    expect(v.ivarGet('B', '@u')).toBe("'str'");
    expect(v.ivarGet('B', '@u', 0)).toBe("'str'");
    expect(v.ivarSet('B', '@s', ':x', { shareable: true, ractor: 1 })).toEqual(isolation(CLASS_IVAR_SET));
    expect(v.ivarGet('B', '@s')).toBe(':sym');
    // A class's instance variables are its own: a subclass does not see them.
    expect(v.ivarGet('C', '@s')).toBe('nil');
    expect(v.ivarSet('B', '@s', ':y', { ractor: 0, shareable: true })).toBeNull();
    expect(v.ivarGet('B', '@s', 1)).toBe(':y');
  });

  it('of a shareable object that is not frozen (a Ractor): only the main Ractor reads or sets them', () => {
    const { v } = world();
    v.object('r', 'shareable');
    expect(v.ivarSet('r', '@a', '1')).toBeNull();
    expect(v.ivarGet('r', '@a')).toBe('1');
    expect(v.ivarGet('r', '@a', 1)).toEqual(isolation(SHAREABLE_IVAR));
    expect(v.ivarGet('r', '@unset', 1)).toEqual(isolation(SHAREABLE_IVAR));
    expect(v.ivarSet('r', '@a', '2', { ractor: 1, shareable: true })).toEqual(isolation(SHAREABLE_IVAR));
    expect(v.ivarGet('r', '@a')).toBe('1');
  });

  it('of a frozen object: readable by every Ractor, settable by none (FrozenError)', () => {
    const { v } = world();
    v.object('f', 'plain');
    expect(v.ivarSet('f', '@a', "'str'")).toBeNull();
    v.freeze('f');
    expect(v.ivarGet('f', '@a', 1)).toBe("'str'");
    expect(v.ivarSet('f', '@a', '2')).toEqual({ error: 'FrozenError' });
    expect(v.ivarSet('f', '@b', '2', { ractor: 1, shareable: true })).toEqual({ error: 'FrozenError' });
    expect(v.ivarGet('f', '@b')).toBe('nil');
    v.object('g', 'frozen');
    expect(v.ivarSet('g', '@a', '1')).toEqual({ error: 'FrozenError' });
  });

  it("of a plain object: the Ractor that has it reads and sets them, whatever the value", () => {
    const { v } = world();
    v.object('o', 'plain');
    expect(v.ivarSet('o', '@a', "'str'", { ractor: 1 })).toBeNull();
    expect(v.ivarGet('o', '@a', 1)).toBe("'str'");
  });

  it('objects are named once; freeze names an existing one; an unknown target is an unknown class', () => {
    const { v } = world();
    v.object('o', 'plain');
    const usage = (message: string) => expect.objectContaining({ code: 'E_USAGE', message });
    expect(() => v.object('o', 'frozen')).toThrow(MemraceError);
    expect(() => v.object('o', 'frozen')).toThrow(usage('object o is already defined'));
    expect(() => v.freeze('p')).toThrow(usage('no object named p'));
    expect(() => v.ivarGet('Nope', '@a')).toThrow('no class or module named Nope');
    expect(() => v.ivarSet('Nope', '@a', '1')).toThrow('no class or module named Nope');
  });
});

describe('class variables under Ractors: the main Ractor only', () => {
  it('set and read by the main Ractor, found through superclasses and included modules; NameError when none', () => {
    const { v } = world();
    expect(v.cvarSet('B', '@@a', '1')).toBeNull();
    expect(v.cvarSet('M', '@@m', '2', 0)).toBeNull();
    expect(v.cvarGet('C', '@@a')).toBe('1');
    expect(v.cvarGet('C', '@@m', 0)).toBe('2');
    expect(v.cvarGet('X', '@@a')).toEqual({ error: 'NameError' });
  });

  it("rb_cvar_set: `@@a = 3` in a subclass sets the superclass's @@a when that one has it (and a module's through its iclass)", () => {
    const { v } = world();
    v.cvarSet('B', '@@a', '1');
    v.cvarSet('M', '@@m', '2');
    expect(v.cvarSet('C', '@@a', '3')).toBeNull();
    expect(v.cvarGet('B', '@@a')).toBe('3');
    v.cvarSet('C', '@@m', '4');
    expect(v.cvarGet('M', '@@m')).toBe('4');
    // None has it: it is klass's own, invisible to the superclass.
    v.cvarSet('C', '@@c', '5');
    expect(v.cvarGet('C', '@@c')).toBe('5');
    expect(v.cvarGet('B', '@@c')).toEqual({ error: 'NameError' });
  });

  it('a non-main Ractor can neither set nor read one, even a shareable value', () => {
    const { v } = world();
    v.cvarSet('B', '@@a', '1');
    expect(v.cvarSet('B', '@@a', '2', 1)).toEqual(isolation(CVAR));
    expect(v.cvarGet('B', '@@a', 1)).toEqual(isolation(CVAR));
    expect(v.cvarGet('B', '@@a')).toBe('1');
  });
});
