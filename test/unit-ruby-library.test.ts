/**
 * The Ruby facade (src/ruby/ruby.ts) at its edges, where the conformance facts do not go:
 * its capacities and bad input (one-line errors), the exceptions a definition raises and
 * what `try` does with others, CALL_METHOD_HOOK's receiver (the class defined in, found
 * through its superclasses, never through an iclass), call-site labels, method_missing and
 * respond_to_missing?, super with explicit and implicit arguments, and what a site caches.
 */
import { describe, expect, it } from 'vitest';
import { Ruby } from '../src/ruby/ruby.js';

/** Bad input: a one-line E_USAGE error (the CLI's exit 2) with this message. */
function usage(f: () => unknown, message: string): void {
  expect(f).toThrow(expect.objectContaining({ code: 'E_USAGE', message }));
}

describe('Ruby: names, capacities and bad input', () => {
  it('starts with BasicObject and Object; a class defaults to Object as its superclass', () => {
    const rb = new Ruby();
    expect(rb.ancestors('Object')).toEqual(['Object', 'BasicObject']);
    rb.defineClass('A').singletonClass('SA', 'A');
    expect(rb.ancestors('A')).toEqual(['A', 'Object', 'BasicObject']);
    expect(rb.ancestors('SA')).toEqual(['SA', 'A', 'Object', 'BasicObject']);
    expect(rb.id('A')).toBe(3);
  });

  it('refuses a name twice, an unknown name, and more method names, call sites or scopes than it has', () => {
    const rb = new Ruby({ methods: 2, sites: 2 });
    rb.defineClass('A');
    usage(() => rb.defineClass('A'), 'A is already defined');
    usage(() => rb.defineModule('Object'), 'Object is already defined');
    // dup checks the name before it copies anything.
    const used = rb.vm.tree.used;
    usage(() => rb.dup('A', 'Object'), 'Object is already defined');
    expect(rb.vm.tree.used).toBe(used);
    usage(() => rb.id('Z'), 'no class or module named Z');
    expect(rb.mid('a')).toBe(0);
    expect(rb.mid('b')).toBe(1);
    expect(rb.mid('a')).toBe(0);
    usage(() => rb.mid('c'), 'more than 2 method names');
    // respond_to? asks respond_to_missing? only when the program has that name: no name is taken for it.
    expect(rb.respondTo('A', 'a')).toBe(false);
    rb.def('A', 'a', { returns: 'a' }).def('A', 'b', { returns: 'b' });
    expect(rb.call('A', 'a')).toEqual(['a']);
    expect(rb.call('A', 'b')).toEqual(['b']);
    usage(() => rb.call('A', 'a', { site: 'third' }), 'more than 2 call sites');
    const many = new Ruby();
    many.defineClass('A').def('A', 'm', { returns: 'm' });
    // A call with no scope takes none of the 15.
    expect(many.call('A', 'm')).toEqual(['m']);
    for (let i = 1; i <= 15; i++) expect(many.call('A', 'm', { scope: `s${i}` })).toEqual(['m']);
    usage(() => many.call('A', 'm', { scope: 's16' }), 'more than 15 scopes');
  });

  it('records: the class records it may hold', () => {
    const rb = new Ruby({ records: 3 });
    rb.defineClass('A');
    expect(() => rb.defineClass('B')).toThrow();
  });

  it('a definition that raises: NameError and ArgumentError thrown, or returned by try; other errors go through try', () => {
    const rb = new Ruby();
    rb.defineClass('A').defineModule('M').defineModule('N').include('M', 'N');
    usage(() => rb.setVisibility('A', 'zz', 'private'), 'NameError: private :zz in A: no such method');
    usage(() => rb.include('N', 'M'), 'ArgumentError: include M into N: cyclic include or prepend');
    expect(() => rb.prepend('N', 'M')).toThrow('ArgumentError: prepend M to N: cyclic include or prepend');
    expect(() => rb.alias('A', 'x', 'y')).toThrow('NameError: alias x y in A: no such method');
    expect(() => rb.undef('A', 'y')).toThrow('NameError: undef y in A: no such method');
    expect(() => rb.remove('A', 'y')).toThrow('NameError: remove_method y in A: no such method');
    expect(rb.try((r) => r.remove('A', 'y'))).toBe('NameError');
    expect(rb.try((r) => r.include('N', 'M'))).toBe('ArgumentError');
    expect(rb.try((r) => r.initializeCopy('A', 'Object'))).toBe('TypeError');
    expect(rb.try((r) => r.def('A', 'ok', { returns: 'ok' }))).toBe(null);
    expect(() => rb.try((r) => r.def('Z', 'x', { returns: 'x' }))).toThrow('no class or module named Z');
    usage(() => rb.initializeCopy('A', 'M'), 'TypeError: A.initialize_copy(M): already initialized class');
    // Only a message that starts with the exception's name is one.
    expect(() => rb.try(() => {
      throw new Error('while defining: NameError: x');
    })).toThrow('while defining: NameError: x');
    expect(() => rb.initializeCopy('A', 'Z')).toThrow('no class or module named Z');
  });
});

describe('Ruby: CALL_METHOD_HOOK', () => {
  it('fires on the class defined in when it or a superclass hooks; names that class; only its own for a module', () => {
    const rb = new Ruby();
    rb.defineClass('A').defineClass('B', 'A').defineModule('M').hook('A', 'method_added').hook('M', 'method_added');
    rb.def('B', 'x', { returns: 'x' }).def('A', 'y', { returns: 'y' }).def('M', 'z', { returns: 'z' }).def('Object', 'o', { returns: 'o' });
    expect(rb.hookCalls).toEqual(['B.method_added(:x)', 'A.method_added(:y)', 'M.method_added(:z)']);
    // A module's hook is not found through the iclass that includes it.
    rb.defineClass('C').include('C', 'M').def('C', 'w', { returns: 'w' });
    expect(rb.hookCalls.length).toBe(3);
  });

  it('alias adds, undef undefines, remove removes; visibility adds only when it puts a ZSUPER entry in the class', () => {
    const rb = new Ruby();
    rb.defineClass('A').defineClass('B', 'A');
    for (const h of ['method_added', 'method_removed', 'method_undefined'] as const) rb.hook('A', h);
    rb.def('A', 'm', { returns: 'm' });
    rb.alias('A', 'n', 'm').remove('A', 'n');
    // Its own method: the entry changes in place, nothing added. An inherited one: a ZSUPER entry in B, added.
    rb.setVisibility('A', 'm', 'private');
    rb.setVisibility('B', 'm', 'public');
    rb.setVisibility('B', 'm', 'private');
    rb.undef('B', 'm');
    rb.defineModule('X').def('A', 'p', { returns: 'p' });
    expect(rb.hookCalls).toEqual([
      'A.method_added(:m)', 'A.method_added(:n)', 'A.method_removed(:n)', 'B.method_added(:m)', 'B.method_undefined(:m)', 'A.method_added(:p)',
    ]);
    const fresh = new Ruby();
    fresh.defineClass('A').defineClass('B', 'A').hook('B', 'method_added').def('A', 'm', { returns: 'm' });
    fresh.setVisibility('B', 'm', 'private');
    fresh.setVisibility('B', 'm', 'public');
    expect(fresh.hookCalls).toEqual(['B.method_added(:m)']);
  });
});

describe('Ruby: calls', () => {
  it('one site per name and shape unless labelled; send and public_send have their own', () => {
    const rb = new Ruby();
    rb.defineClass('A').def('A', 'm', { returns: 'A#m', opt: 1 });
    rb.call('A', 'm');
    rb.call('A', 'm', { args: 1 });
    rb.call('A', 'm', { fcall: true });
    rb.call('A', 'm', { scope: 'file' });
    rb.send('A', 'm');
    rb.publicSend('A', 'm', 1, 'file');
    for (const label of ['m/0/16', 'm/1/16', 'm/0/20', 'm/0/16 in file', 'send:m/0/', 'public_send:m/1/file']) {
      expect(rb.siteCache(label)).toEqual({ klass: 'A', owner: 'A', invalidated: false });
    }
    usage(() => rb.siteCache('m/2/16'), 'no call site labelled m/2/16');
    rb.publicSend('A', 'm');
    expect(rb.siteCache('public_send:m/0/').klass).toBe('A');
  });

  it('a site that found nothing caches the empty CC: no class, no owner', () => {
    const rb = new Ruby();
    rb.defineClass('A');
    expect(rb.call('A', 'nope', { site: 's' })).toEqual({ error: 'NoMethodError' });
    expect(rb.siteCache('s')).toEqual({ klass: null, owner: null, invalidated: false });
  });

  it('visibility: private needs fcall or send; protected needs a self of a kind of the owner; public_send is public only', () => {
    const rb = new Ruby();
    rb.defineClass('A').defineClass('B', 'A').defineClass('X');
    rb.def('A', 'priv', { returns: 'priv', visibility: 'private' }).def('A', 'prot', { returns: 'prot', visibility: 'protected' });
    expect(rb.call('A', 'priv')).toEqual({ error: 'NoMethodError' });
    expect(rb.call('A', 'priv', { fcall: true })).toEqual(['priv']);
    expect(rb.send('A', 'priv')).toEqual(['priv']);
    expect(rb.publicSend('A', 'priv')).toEqual({ error: 'NoMethodError' });
    expect(rb.call('A', 'prot', { self: 'B' })).toEqual(['prot']);
    expect(rb.call('A', 'prot', { self: 'X' })).toEqual({ error: 'NoMethodError' });
    expect(rb.call('A', 'prot')).toEqual({ error: 'NoMethodError' });
  });

  it('an attr_reader takes no argument; req and opt bound the argc', () => {
    const rb = new Ruby();
    rb.defineClass('A').def('A', 'x', { returns: '@x', attrReader: true }).def('A', 'f', { returns: 'f', req: 1, opt: 2 });
    expect(rb.call('A', 'x')).toEqual(['@x']);
    expect(rb.call('A', 'x', { args: 1 })).toEqual({ error: 'ArgumentError' });
    expect([0, 1, 2, 3, 4].map((args) => rb.call('A', 'f', { args }))).toEqual([
      { error: 'ArgumentError' }, ['f'], ['f'], ['f'], { error: 'ArgumentError' },
    ]);
  });

  it('super: zsuper passes the caller\'s argc, super(n) its own; no superclass method: NoMethodError; an error in the chain ends it', () => {
    const rb = new Ruby();
    rb.defineClass('A').defineClass('B', 'A').defineClass('C', 'B');
    rb.def('A', 'm', { returns: 'A', req: 2 });
    rb.def('B', 'm', { returns: 'B', req: 1, super: 2 });
    rb.def('C', 'm', { returns: 'C', req: 1, super: 'zsuper' });
    expect(rb.call('C', 'm', { args: 1 })).toEqual(['C', 'B', 'A']);
    expect(rb.call('B', 'm', { args: 1 })).toEqual(['B', 'A']);
    rb.def('B', 'm', { returns: 'B2', req: 1, super: 'zsuper' });
    expect(rb.call('C', 'm', { args: 1 })).toEqual({ error: 'ArgumentError' });
    rb.def('A', 'n', { returns: 'A#n', super: 0 });
    expect(rb.call('A', 'n')).toEqual({ error: 'NoMethodError' });
  });

  it('a body\'s super site is made once, labelled by the body, and hits from the second call on', () => {
    const rb = new Ruby();
    rb.defineClass('A').defineClass('B', 'A').def('A', 'm', { returns: 'A' }).def('B', 'm', { returns: 'B', super: 'zsuper' });
    expect(rb.call('B', 'm')).toEqual(['B', 'A']);
    const hits = rb.counters().mc_inline_hit ?? 0;
    expect(rb.call('B', 'm')).toEqual(['B', 'A']);
    expect(rb.counters().mc_inline_hit).toBe(hits + 2);
    const body = rb.vm.mes.body(rb.vm.tree.lookupMethodTable(rb.id('B'), rb.mid('m')));
    expect(rb.siteCache(`super:${body}`)).toEqual({ klass: 'A', owner: 'A', invalidated: false });
  });

  it('a definition made behind the facade\'s back has no body to run: an internal error, not a Ruby one', () => {
    const rb = new Ruby();
    rb.defineClass('A');
    const me = rb.vm.defineMethod(rb.id('A'), rb.mid('m'), { type: 0, req: 0 });
    expect(() => rb.call('A', 'm')).toThrow(`no body recorded for definition ${rb.vm.mes.body(me)}`);
  });

  it('method_missing: runs the receiver\'s with the name appended; without one, or for method_missing itself, NoMethodError', () => {
    const rb = new Ruby();
    rb.defineClass('A').defineClass('B');
    expect(rb.call('A', 'x')).toEqual({ error: 'NoMethodError' });
    rb.def('A', 'method_missing', { returns: 'mm', req: 1, visibility: 'private' });
    expect(rb.call('A', 'x')).toEqual(['mm', 'x']);
    expect(rb.siteCache('vm_call_method_missing')).toEqual({ klass: 'A', owner: 'A', invalidated: false });
    expect(rb.call('B', 'x')).toEqual({ error: 'NoMethodError' });
    expect(rb.call('B', 'method_missing', { args: 1 })).toEqual({ error: 'NoMethodError' });
    rb.def('B', 'method_missing', { returns: 'mm2', req: 2 });
    expect(rb.call('B', 'x')).toEqual({ error: 'ArgumentError' });
  });

  it('respond_to?: public methods; private and protected only with include_all; else respond_to_missing?', () => {
    const rb = new Ruby();
    rb.defineClass('A').defineClass('B');
    rb.def('A', 'pub', { returns: 'p' }).def('A', 'priv', { returns: 'q', visibility: 'private' }).def('A', 'prot', { returns: 'r', visibility: 'protected' });
    expect(['pub', 'priv', 'prot', 'none'].map((m) => rb.respondTo('A', m))).toEqual([true, false, false, false]);
    expect(['pub', 'priv', 'prot', 'none'].map((m) => rb.respondTo('A', m, true))).toEqual([true, true, true, false]);
    rb.def('A', 'respond_to_missing?', { returns: 'true', req: 2, visibility: 'private' });
    rb.def('B', 'respond_to_missing?', { returns: 'false', req: 2, visibility: 'private' });
    expect([rb.respondTo('A', 'none'), rb.respondTo('B', 'none'), rb.respondTo('A', 'priv')]).toEqual([true, false, false]);
    // An undefined method does not respond, though the table holds an entry for it (respond_to_missing? answers then).
    rb.def('B', 'pub', { returns: 'p' }).undef('B', 'pub');
    expect(rb.respondTo('B', 'pub', true)).toBe(false);
    rb.undef('A', 'pub');
    expect(rb.respondTo('A', 'pub')).toBe(true);
    // respond_to_missing? that raises (wrong arity here) is no answer.
    rb.def('B', 'respond_to_missing?', { returns: 'true', req: 1, visibility: 'private' });
    expect(rb.respondTo('B', 'none')).toBe(false);
  });

  it('respond_to? of a refined method with no refinement active checks the original entry\'s visibility (method_boundp)', () => {
    const rb = new Ruby();
    rb.defineClass('A').defineClass('B', 'A');
    rb.def('A', 'm', { returns: 'm', visibility: 'private' }).def('A', 'n', { returns: 'n', visibility: 'protected' }).def('A', 'p', { returns: 'p' });
    for (const m of ['m', 'n', 'p']) rb.refine('A', m);
    // B's refined entry has no original: the superclass's method decides.
    rb.refine('B', 'm');
    expect(['m', 'n', 'p'].map((m) => rb.respondTo('A', m))).toEqual([false, false, true]);
    expect(['m', 'n', 'p'].map((m) => rb.respondTo('A', m, true))).toEqual([true, true, true]);
    expect([rb.respondTo('B', 'm'), rb.respondTo('B', 'm', true)]).toEqual([false, true]);
  });

  it('bind_call: NameError when instance_method finds nothing, TypeError for an unrelated receiver; a module prepended comes first', () => {
    const rb = new Ruby();
    rb.defineClass('C').defineClass('X').defineModule('M');
    rb.def('C', 'foo', { returns: 'C' }).def('M', 'foo', { returns: 'M', super: 'zsuper' }).prepend('C', 'M');
    expect(rb.bindCall('C', 'nope', 'C')).toEqual({ error: 'NameError' });
    // M#foo binds to anything; its zsuper finds no foo above X.
    expect(rb.bindCall('C', 'foo', 'X')).toEqual({ error: 'NoMethodError' });
    expect(rb.bindCall('C', 'foo', 'C')).toEqual(['M', 'C']);
    rb.def('C', 'bar', { returns: 'bar', req: 1 });
    expect(rb.bindCall('C', 'bar', 'X', 1)).toEqual({ error: 'TypeError' });
    expect(rb.bindCall('C', 'bar', 'C')).toEqual({ error: 'ArgumentError' });
    expect(rb.bindCall('C', 'bar', 'C', 1)).toEqual(['bar']);
  });

  it('using takes the refinements of the modules the refiner includes too, the refiner\'s first', () => {
    const rb = new Ruby();
    rb.defineClass('A').def('A', 'm', { returns: 'A' }).def('A', 'n', { returns: 'An' });
    rb.defineModule('R1').refineDef('R1', 'A', 'm', { returns: 'R1' });
    rb.defineModule('R2').refineDef('R2', 'A', 'm', { returns: 'R2' }).refineDef('R2', 'A', 'n', { returns: 'R2n' }).include('R2', 'R1');
    rb.using('f', 'R2');
    expect(rb.call('A', 'm', { scope: 'f' })).toEqual(['R2']);
    expect(rb.call('A', 'n', { scope: 'f' })).toEqual(['R2n']);
    rb.using('g', 'R1');
    expect(rb.call('A', 'm', { scope: 'g' })).toEqual(['R1']);
    expect(rb.call('A', 'n', { scope: 'g' })).toEqual(['An']);
    expect(rb.call('A', 'm')).toEqual(['A']);
  });

  it('using takes as many refinements as a scope holds (7), and no more', () => {
    const rb = new Ruby();
    rb.defineModule('R').defineModule('N').include('R', 'N');
    for (let i = 0; i < 7; i++) rb.defineClass(`K${i}`).refineDef('R', `K${i}`, 'm', { returns: `R${i}` });
    rb.using('f', 'R');
    expect(rb.call('K6', 'm', { scope: 'f' })).toEqual(['R6']);
    rb.defineClass('K7').refineDef('R', 'K7', 'm', { returns: 'R7' });
    usage(() => rb.using('g', 'R'), 'more than 7 refinements active in scope 2');
  });

  it('refine alone: the entry becomes REFINED, which every call then resolves (vm_call_refined)', () => {
    const rb = new Ruby();
    rb.defineClass('A').def('A', 'm', { returns: 'A' }).refine('A', 'm');
    expect(rb.call('A', 'm')).toEqual(['A']);
    expect(rb.counters().call_refined).toBe(1);
  });

  it('options: the negative cache on asks, off by default; constants live in their own class', () => {
    expect(new Ruby().vm.pcmc.ref.negativeCache).toBe(false);
    expect(new Ruby({ negativeCache: true }).vm.pcmc.ref.negativeCache).toBe(true);
    expect(new Ruby({ design: 'serial-gmc' }).vm.config.design).toBe('serial-gmc');
    const rb = new Ruby();
    rb.defineClass('A').defineClass('B');
    rb.vars.constSet('A', 'X', 'a');
    expect(rb.vars.constGet('A', 'X')).toBe('a');
    expect(rb.vars.constGet('B', 'X')).toEqual({ error: 'NameError' });
  });

  it('ancestors: a prepended module before its class, an included one after, as Module#ancestors shows them', () => {
    const rb = new Ruby();
    rb.defineClass('C').defineModule('M').defineModule('P').include('C', 'M').prepend('C', 'P');
    expect(rb.ancestors('C')).toEqual(['P', 'C', 'M', 'Object', 'BasicObject']);
    rb.defineClass('D', 'C');
    expect(rb.ancestors('D')).toEqual(['D', 'P', 'C', 'M', 'Object', 'BasicObject']);
  });

  it('counters: the RB_DEBUG_COUNTER values so far', () => {
    const rb = new Ruby();
    rb.defineClass('A').def('A', 'm', { returns: 'm' });
    rb.call('A', 'm');
    rb.call('A', 'm');
    expect(rb.counters()).toMatchObject({ mc_inline_hit: 1, mc_inline_miss_klass: 1, cc_new: 1 });
  });
});
