import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors.js';
import { Ruby } from '../src/ruby/index.js';
import { checkParents } from '../src/ruby/program.js';
import { Guild } from '../src/ruby/vm_insnhelper.js';
import { makeVm, plain, site } from './ruby-helpers.js';

describe('the replaced design: class serials, global method cache, in-place inline caches', () => {
  it('bumps the serial of the class and every subclass: O(subclasses)', () => {
    const { vm, guild } = makeVm({ design: 'serial-gmc' });
    const O = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(O);
    for (let i = 0; i < 5; i++) vm.tree.defineClass(A);
    const m = vm.defineMethod(O, 0, plain);
    expect(vm.dc.get('serial_bump')).toBe(7);
    const s = site(vm, 0, 0);
    expect(guild.call(s, A)).toBe(vm.mes.body(m));
    expect(guild.call(s, A)).toBe(vm.mes.body(m));
    expect(vm.dc.get('serial_imc_hit')).toBe(1);
    const m2 = vm.defineMethod(A, 0, plain);
    expect(vm.dc.get('serial_bump')).toBe(13);
    expect(guild.call(s, A)).toBe(vm.mes.body(m2));
  });

  it('an unrelated method change still misses the cache (it keys on the class, not the method)', () => {
    const { vm, guild } = makeVm({ design: 'serial-gmc' });
    const A = vm.tree.defineClass(0);
    vm.defineMethod(A, 0, plain);
    const s = site(vm, 0, 0);
    guild.call(s, A);
    vm.defineMethod(A, 1, plain);
    guild.call(s, A);
    expect(vm.dc.get('serial_imc_hit')).toBe(0);
    expect(vm.dc.get('serial_gmc_miss')).toBe(2);
  });

  it('gives each guild its own copy, so one guild never sees another fill its cache', () => {
    const { vm, guild } = makeVm({ design: 'serial-gmc', guilds: 2 });
    const A = vm.tree.defineClass(0);
    vm.defineMethod(A, 0, plain);
    const s = site(vm, 0, 0);
    guild.call(s, A);
    const other = new Guild(vm, 1);
    other.call(s, A);
    expect(vm.dc.get('serial_imc_hit')).toBe(0);
  });
});

describe('the frame a serial-design call leaves for super', () => {
  it('a protected method found through a cache hit supers from its own class, not from the last search', () => {
    const rb = new Ruby({ design: 'serial-gmc' });
    rb.defineClass('A').def('A', 'foo', { returns: 'A' }).defineClass('B', 'A').def('B', 'foo', { returns: 'B', super: 'zsuper', visibility: 'protected' });
    rb.defineClass('X').def('X', 'foo', { returns: 'X' });
    rb.defineModule('M').def('M', 'foo', { returns: 'M', super: 'zsuper' }).defineClass('C', 'X').include('C', 'M');
    for (let i = 0; i < 3; i++) {
      expect(rb.call('B', 'foo', { self: 'B', site: 'b' })).toEqual(['B', 'A']);
      expect(rb.call('C', 'foo', { site: 'c' })).toEqual(['M', 'X']);
    }
    expect(rb.counters().serial_imc_hit).toBeGreaterThan(0);
  });
});

describe('program configuration', () => {
  it('rejects a class tree with a cycle, showing it', () => {
    expect(() => checkParents([1, 4, 3], 4)).toThrow(ConfigError);
    expect(() => checkParents([1, 4, 3], 4)).toThrow(/--tree: C3 < C4 < C3 is a cycle/);
    expect(() => checkParents([1, 1], 4)).toThrow(/2 parents for 4 classes/);
    expect(() => checkParents([1, 3, 1], 4)).toThrow(/class 3 has parent 3/);
    expect(() => checkParents([1, 2, 3], 4)).not.toThrow();
  });
});
