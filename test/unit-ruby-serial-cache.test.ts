import { describe, expect, it } from 'vitest';
import type { ClassTree } from '../src/ruby/class_tree.js';
import { DebugCounters } from '../src/ruby/debug_counters.js';
import { GLOBAL_METHOD_CACHE_SIZE, SerialCache, auditSerialCaches, rb_class_clear_method_cache } from '../src/ruby/serial_cache.js';
import { VM_CLASS_SERIAL } from '../src/ruby/layout.js';
import { Vm, type VmConfig } from '../src/ruby/vm.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { makeVm, plain } from './ruby-helpers.js';

/** A serial-design VM with `guilds` private copies (or one shared) of 16 sites' inline caches. */
function serialVm(guilds = 1, sharedSerial = false) {
  const { vm } = makeVm({ design: 'serial-gmc', guilds, sharedSerial });
  const ref = vm.ref.serial!;
  const counters = () => vm.dc.toJSON();
  return { vm, ref, counters, cache: (copy = 0) => vm.serialCache(copy), serial: (k: number) => vm.mem.load(vm.tree.serialWord(k)) };
}

describe("Ruby 2.x's vm_search_method: the inline cache keyed by class serial", () => {
  for (const shared of [false, true]) {
    it(`${shared ? 'one shared copy (plain accesses)' : 'a private copy'}: a miss fills the inline cache and the global method cache; the next call hits the inline cache`, () => {
      const { vm, counters, cache, serial } = serialVm(1, shared);
      const A = vm.tree.defineClass(0);
      const B = vm.tree.defineClass(A);
      const m = vm.defineMethod(A, 0, plain);
      const sc = cache();
      expect(sc.shared).toBe(shared);
      vm.dc.v.fill(0);
      expect(sc.inlineCache(3)).toEqual({ serial: 0, me: 0 });
      expect(sc.search(3, B, 0)).toBe(m);
      expect(counters()).toEqual({ serial_gmc_miss: 1, search_method: 1 });
      expect(sc.inlineCache(3)).toEqual({ serial: serial(B), me: m });
      expect(sc.search(3, B, 0)).toBe(m);
      expect(counters()).toEqual({ serial_gmc_miss: 1, search_method: 1, serial_imc_hit: 1 });
      // Another site, same (class, mid): the global method cache answers without a search.
      expect(sc.search(4, B, 0)).toBe(m);
      expect(counters()).toEqual({ serial_gmc_miss: 1, search_method: 1, serial_imc_hit: 1, serial_gmc_hit: 1 });
      expect(sc.inlineCache(4)).toEqual({ serial: serial(B), me: m });
      // The same site with another receiver class: a miss keyed by A's serial, then a hit.
      expect(sc.search(3, A, 0)).toBe(m);
      expect(sc.inlineCache(3)).toEqual({ serial: serial(A), me: m });
      expect(counters().serial_gmc_miss).toBe(2);
      // No method: 0 is cached like any entry (method_missing follows).
      expect(sc.search(5, B, 1)).toBe(0);
      expect(sc.inlineCache(5)).toEqual({ serial: serial(B), me: 0 });
      expect(sc.search(5, B, 1)).toBe(0);
      expect(counters()).toEqual({ serial_gmc_miss: 3, search_method: 3, serial_imc_hit: 2, serial_gmc_hit: 1 });
    });

    it(`${shared ? 'shared' : 'private'}: a redefinition bumps the serial, so the old entry is never served again`, () => {
      const { vm, counters, cache, serial } = serialVm(1, shared);
      const A = vm.tree.defineClass(0);
      const m = vm.defineMethod(A, 0, plain);
      const sc = cache();
      expect(sc.search(0, A, 0)).toBe(m);
      const before = serial(A);
      const m2 = vm.defineMethod(A, 0, plain);
      expect(serial(A)).not.toBe(before);
      vm.dc.v.fill(0);
      expect(sc.search(0, A, 0)).toBe(m2);
      expect(counters()).toEqual({ serial_gmc_miss: 1, search_method: 1 });
      expect(sc.inlineCache(0)).toEqual({ serial: serial(A), me: m2 });
    });
  }

  it('the global method cache keys on (class serial, mid): a mid that shares the bucket misses', () => {
    // A stub tree: class 1's serial word, and a search that answers mid + 100.
    const arena = Arena.create(1 << 20);
    const mem = new AtomicsMem(arena.sab);
    const serialWord = arena.allocWords('serial', 1);
    mem.store(serialWord, 7);
    const searched: number[] = [];
    const tree = { serialWord: () => serialWord, searchMethod: (_k: number, mid: number) => (searched.push(mid), mid + 100) } as unknown as ClassTree;
    const dc = new DebugCounters();
    const ref = SerialCache.create(arena, 1, 4);
    const sc = new SerialCache(mem, ref, tree, dc, 0, false);
    // (1 << 5) ^ 0 and (1 << 5) ^ 2048 land in one bucket of 2048.
    expect(sc.search(0, 1, 0)).toBe(100);
    expect(sc.search(1, 1, GLOBAL_METHOD_CACHE_SIZE)).toBe(100 + GLOBAL_METHOD_CACHE_SIZE);
    expect(sc.search(2, 1, 0)).toBe(100);
    expect(searched).toEqual([0, GLOBAL_METHOD_CACHE_SIZE, 0]);
    expect(dc.toJSON()).toEqual({ serial_gmc_miss: 3, search_method: 3 });
    // The bucket holds the last fill: (serial 7, mid 0, me 100).
    const e = ref.gmc + 32 * 4;
    expect([mem.load(e), mem.load(e + 1), mem.load(e + 2)]).toEqual([7, 0, 100]);
    expect(sc.search(3, 1, 0)).toBe(100);
    expect(dc.toJSON()).toEqual({ serial_gmc_miss: 3, search_method: 3, serial_gmc_hit: 1 });
  });
});

/** Records the accesses to the serial cache's words and the receiver's serial word, by kind, as labels. */
class Recording extends AtomicsMem {
  log: string[] = [];
  label: (i: number) => string | null = () => null;
  private note(kind: string, i: number): void {
    const l = this.label(i);
    if (l !== null) this.log.push(`${kind} ${l}`);
  }
  override load(i: number): number {
    this.note('load', i);
    return super.load(i);
  }
  override store(i: number, v: number): void {
    this.note('store', i);
    super.store(i, v);
  }
  override read(i: number): number {
    this.note('read', i);
    return super.read(i);
  }
  override write(i: number, v: number): void {
    this.note('write', i);
    super.write(i, v);
  }
}

describe('the accesses each variant makes', () => {
  function recorded(shared: boolean) {
    const config: VmConfig = {
      capacity: 8, mids: 4, maxEntries: 64, ccSlots: 16, sites: 4, guilds: 1, design: 'serial-gmc', sharedSerial: shared, negativeCache: false, pic: 0,
    };
    const arena = Arena.create(Vm.words(config) * 4 + 65536);
    const mem = new Recording(arena.sab);
    const vm = Vm.create(arena, mem, config);
    const A = vm.tree.defineClass(0);
    const m = vm.defineMethod(A, 1, plain);
    const ref = vm.ref.serial!;
    const sw = vm.tree.serialWord(A);
    const e = ref.gmc + (((A << 5) ^ 1) & (GLOBAL_METHOD_CACHE_SIZE - 1)) * 4;
    const names = ['serial', 'mid', 'me'];
    mem.label = (i) => {
      if (i === sw) return 'A.serial';
      if (i >= ref.imc && i < ref.imc + 8) return `imc${(i - ref.imc) >> 1}.${(i - ref.imc) & 1 ? 'me' : 'serial'}`;
      if (i >= e && i < e + 3) return `gmc.${names[i - e]}`;
      return null;
    };
    const sc = vm.serialCache(0);
    const search = (site: number) => {
      mem.log = [];
      expect(sc.search(site, A, 1)).toBe(m);
      return mem.log;
    };
    return { search };
  }

  it('a private copy: atomic loads only; fills the global cache entry first, its serial last, then the inline cache, entry before serial', () => {
    const { search } = recorded(false);
    expect(search(0)).toEqual([
      'load A.serial', 'load imc0.serial', 'load gmc.serial', 'store gmc.me', 'store gmc.mid', 'store gmc.serial', 'store imc0.me', 'store imc0.serial',
    ]);
    expect(search(0)).toEqual(['load A.serial', 'load imc0.serial', 'load imc0.me']);
    expect(search(1)).toEqual([
      'load A.serial', 'load imc1.serial', 'load gmc.serial', 'load gmc.mid', 'load gmc.me', 'store imc1.me', 'store imc1.serial',
    ]);
  });

  it("the shared (broken) variant: plain accesses in Ruby 2.x's order, keyed by the serial read again at the fill", () => {
    const { search } = recorded(true);
    expect(search(0)).toEqual([
      'load A.serial', 'read imc0.serial', 'read gmc.serial', 'load A.serial', 'write gmc.serial', 'write gmc.mid', 'write gmc.me', 'write imc0.me',
      'load A.serial', 'write imc0.serial', 'read imc0.me',
    ]);
    expect(search(0)).toEqual(['load A.serial', 'read imc0.serial', 'read imc0.me']);
    expect(search(1)).toEqual([
      'load A.serial', 'read imc1.serial', 'read gmc.serial', 'read gmc.mid', 'read gmc.me', 'write imc1.me', 'load A.serial', 'write imc1.serial', 'read imc1.me',
    ]);
  });
});

describe('per-guild copies and their layout', () => {
  it('create: one inline cache per site per copy, one global method cache per copy, in named regions', () => {
    const arena = Arena.create(1 << 20);
    const ref = SerialCache.create(arena, 3, 5);
    expect(arena.region('ruby.serial.imc').bytes).toBe(3 * 5 * 2 * 4);
    expect(arena.region('ruby.serial.gmc').bytes).toBe(3 * GLOBAL_METHOD_CACHE_SIZE * 4 * 4);
    expect(ref).toMatchObject({ copies: 3, sites: 5, imc: arena.region('ruby.serial.imc').offset / 4, gmc: arena.region('ruby.serial.gmc').offset / 4 });
  });

  it('words: 64 + per copy 2 words a site and 4 a global-cache entry', () => {
    expect(SerialCache.words(2, 16)).toBe(64 + 2 * (16 * 2 + GLOBAL_METHOD_CACHE_SIZE * 4));
    expect(GLOBAL_METHOD_CACHE_SIZE).toBe(0x800);
  });

  it("guild 1's copy lies after guild 0's: its fills land there and guild 0 still misses", () => {
    const { vm, ref, counters, cache } = serialVm(2);
    const A = vm.tree.defineClass(0);
    const m = vm.defineMethod(A, 0, plain);
    vm.dc.v.fill(0);
    expect(cache(1).search(2, A, 0)).toBe(m);
    expect(vm.mem.load(ref.imc + (16 + 2) * 2 + 1)).toBe(m);
    expect(vm.mem.load(ref.imc + 2 * 2 + 1)).toBe(0);
    expect(cache(0).inlineCache(2)).toEqual({ serial: 0, me: 0 });
    expect(cache(1).inlineCache(2).me).toBe(m);
    // Its global method cache entry too: bucket (A << 5) ^ 0 of the second 2048.
    expect(vm.mem.load(ref.gmc + (GLOBAL_METHOD_CACHE_SIZE + (A << 5)) * 4 + 2)).toBe(m);
    expect(vm.mem.load(ref.gmc + (A << 5) * 4 + 2)).toBe(0);
    expect(cache(0).search(2, A, 0)).toBe(m);
    expect(counters()).toEqual({ serial_gmc_miss: 2, search_method: 2 });
  });

  it('the shared variant gives every guild copy 0', () => {
    const { vm, ref, cache } = serialVm(2, true);
    expect(ref.copies).toBe(1);
    const A = vm.tree.defineClass(0);
    const m = vm.defineMethod(A, 0, plain);
    cache(1).search(2, A, 0);
    expect(cache(0).inlineCache(2).me).toBe(m);
  });

  it('siteOf: the call site whose inline cache (in any copy) holds a word, -1 outside the inline caches', () => {
    const { ref } = serialVm(2);
    const at = (w: number) => SerialCache.siteOf(ref, w);
    expect([at(ref.imc), at(ref.imc + 1), at(ref.imc + 2), at(ref.imc + 31), at(ref.imc + 32), at(ref.imc + 34), at(ref.imc + 63)]).toEqual([0, 0, 1, 15, 0, 1, 15]);
    expect([at(ref.imc - 1), at(ref.imc - 3), at(ref.imc + 64), at(ref.gmc)]).toEqual([-1, -1, -1, -1]);
  });
});

describe('rb_class_clear_method_cache: fresh serials from one counter', () => {
  it('a class and every subclass, depth first, each from the global counter', () => {
    const { vm } = makeVm({ design: 'serial-gmc' });
    const t = vm.tree;
    const O = t.defineClass(0);
    const A = t.defineClass(O);
    const B = t.defineClass(O);
    const A1 = t.defineClass(A);
    const counter = vm.ref.header + VM_CLASS_SERIAL;
    const c0 = vm.mem.load(counter);
    expect(c0).toBe(33);
    vm.dc.v.fill(0);
    expect(rb_class_clear_method_cache(vm.mem, t, counter, O, vm.dc)).toBe(4);
    expect(vm.mem.load(counter)).toBe(c0 + 4);
    expect(vm.dc.get('serial_bump')).toBe(4);
    const serials = [O, A, B, A1].map((k) => vm.mem.load(t.serialWord(k)));
    expect(new Set(serials)).toEqual(new Set([c0 + 1, c0 + 2, c0 + 3, c0 + 4]));
    expect(serials[0]).toBe(c0 + 1);
    // A leaf: itself only.
    expect(rb_class_clear_method_cache(vm.mem, t, counter, A1, vm.dc)).toBe(1);
    expect(vm.mem.load(t.serialWord(A1))).toBe(c0 + 5);
  });

  it('a module: every iclass made from it and the classes under them, never the module itself', () => {
    const { vm } = makeVm({ design: 'serial-gmc' });
    const t = vm.tree;
    const O = t.defineClass(0);
    const A = t.defineClass(O);
    const A1 = t.defineClass(A);
    const B = t.defineClass(O);
    const M = t.defineModule();
    vm.include(A, M);
    vm.include(B, M);
    const counter = vm.ref.header + VM_CLASS_SERIAL;
    const untouched = [O, M].map((k) => vm.mem.load(t.serialWord(k)));
    const c0 = vm.mem.load(counter);
    vm.dc.v.fill(0);
    // I(M) in A, A, A1; I(M) in B, B.
    expect(rb_class_clear_method_cache(vm.mem, t, counter, M, vm.dc)).toBe(5);
    expect(vm.mem.load(counter)).toBe(c0 + 5);
    expect(vm.dc.get('serial_bump')).toBe(5);
    expect([O, M].map((k) => vm.mem.load(t.serialWord(k)))).toEqual(untouched);
    for (const k of [A, A1, B, t.superOf(A), t.superOf(B)]) expect(vm.mem.load(t.serialWord(k))).toBeGreaterThan(c0);
    // A module included nowhere has nothing to bump.
    const N = t.defineModule();
    expect(rb_class_clear_method_cache(vm.mem, t, counter, N, vm.dc)).toBe(0);
  });
});

describe('auditSerialCaches', () => {
  it('is clean after calls; reports an entry keyed by a current serial that a table change left behind; skips old serials', () => {
    const { vm, ref, cache } = serialVm(2);
    const t = vm.tree;
    const A = t.defineClass(0);
    const B = t.defineClass(A);
    const m = vm.defineMethod(A, 0, plain);
    const midOf = () => 0;
    const body = (me: number) => (me === 0 ? 0 : vm.mes.body(me));
    expect(auditSerialCaches(vm.mem, ref, t, midOf, body)).toEqual([]);
    cache(0).search(1, B, 0);
    cache(1).search(0, B, 0);
    expect(auditSerialCaches(vm.mem, ref, t, midOf, body)).toEqual([]);
    // A table change without the bump (the ordering the design needs, broken by hand).
    const m2 = vm.mes.create(0, B, B, plain);
    t.setMethodEntry(B, 0, m2);
    expect(auditSerialCaches(vm.mem, ref, t, midOf, body)).toEqual([
      { message: `inline cache keyed by ${t.nameOf(B)}'s current serial runs body ${vm.mes.body(m)}, a lookup finds ${vm.mes.body(m2)}`, where: 'copy 0 site 1' },
      { message: `inline cache keyed by ${t.nameOf(B)}'s current serial runs body ${vm.mes.body(m)}, a lookup finds ${vm.mes.body(m2)}`, where: 'copy 1 site 0' },
    ]);
    // Once B's serial moves on, the stale entries are keyed by no current serial.
    vm.method.bumpSerials(B);
    expect(auditSerialCaches(vm.mem, ref, t, midOf, body)).toEqual([]);
  });
});
