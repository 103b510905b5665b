/**
 * The per-class method cache's layout, sizes() and audit (src/ruby/method_cache.ts): the
 * regions it takes (one cc_tbl row per record, one ccs per (record, mid) reserved, the
 * negative cme table), what happens past the reservation, sizes() over a full tree, and
 * each invariant the audit states, broken by hand one at a time (vm_ccs_verify's checks:
 * the ccs's cme is for its mid and CACHED; every CC has the table's class or 0 and the
 * ccs's cme).
 */
import { describe, expect, it } from 'vitest';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { VM_CALL_ARGS_SIMPLE, vm_ci_pack } from '../src/ruby/call_info.js';
import { ClassTree } from '../src/ruby/class_tree.js';
import { CCS_CAPA, CCS_CME, CCS_WORDS, CC_CME, CC_KLASS, ME_CALLED_ID, ME_FLAGS } from '../src/ruby/layout.js';
import { MethodCache } from '../src/ruby/method_cache.js';
import { makeVm, plain, site } from './ruby-helpers.js';

describe('MethodCache layout', () => {
  it('takes its four named regions; the last row, the last ccs and the last mid lie inside their own', () => {
    const capacity = 4;
    const mids = 5;
    const arena = Arena.create(1 << 20);
    const mem = new AtomicsMem(arena.sab);
    const tree = ClassTree.create(arena, mem, capacity, mids);
    const ref = MethodCache.create(arena, mem, tree, true);
    expect(ref.ccsCapacity).toBe((capacity + 1) * mids);
    expect(arena.nameOf(ref.header)).toBe('ruby.ccs.header+0');
    expect(arena.nameOf(ref.ccTbl + (capacity + 1) * mids - 1)).toBe(`ruby.cc_tbl+${(capacity + 1) * mids - 1}`);
    const lastCcsWord = ref.ccsBase + ref.ccsCapacity * CCS_WORDS + CCS_WORDS - 1;
    expect(arena.nameOf(lastCcsWord)).toBe(`ruby.ccs+${(ref.ccsCapacity + 1) * CCS_WORDS - 1}`);
    expect(arena.nameOf(ref.negTbl + mids - 1)).toBe(`ruby.negative_cme_table+${mids - 1}`);
    // The free list runs 1, 2, ... ccsCapacity, then 0.
    expect(mem.load(ref.header)).toBe(1);
    expect(mem.load(ref.ccsBase + CCS_WORDS + CCS_CME)).toBe(2);
    expect(mem.load(ref.ccsBase + ref.ccsCapacity * CCS_WORDS + CCS_CME)).toBe(0);
  });

  it('words(capacity, mids) is the table, the ccs pool, a spare ccs and the negative table, with 64 words of alignment', () => {
    expect(MethodCache.words(4, 5)).toBe(64 + 5 * 5 * (1 + CCS_WORDS) + CCS_WORDS + 5);
    expect(MethodCache.words(0, 1)).toBe(64 + (1 + CCS_WORDS) + CCS_WORDS + 1);
  });

  it('past its reservation (more than one ccs per (record, mid)) the pool says so', () => {
    const { vm } = makeVm({ capacity: 2, mids: 2 });
    const pc = vm.pcmc;
    const A = vm.tree.defineClass(0);
    const foo = vm.defineMethod(A, 0, plain);
    for (let i = 0; i < pc.ref.ccsCapacity; i++) pc.vm_ccs_create(A, 0, foo);
    expect(() => pc.vm_ccs_create(A, 0, foo)).toThrow('ccs pool exhausted: one per (class, mid) was reserved');
  });

  it(`a ${CCS_CAPA + 1}th call shape is refused, naming the limit`, () => {
    const { vm, guild } = makeVm({ sites: CCS_CAPA + 1 });
    const A = vm.tree.defineClass(0);
    vm.defineMethod(A, 0, { type: 0, req: 0, opt: 15 });
    for (let argc = 0; argc < CCS_CAPA; argc++) guild.call(site(vm, argc, 0, argc), A);
    expect(() => guild.call(site(vm, CCS_CAPA, 0, CCS_CAPA), A)).toThrow(`a ccs holds ${CCS_CAPA} call shapes; the program uses more`);
    vm.lock.unlock();
  });
});

/** A VM whose tree is full (every record in use), with many mids: reads past a row or the table would find other words. */
function fullVm() {
  const { vm, guild } = makeVm({ capacity: 4, mids: 32, sites: 4 });
  const O = vm.tree.defineClass(0);
  const ks = [O];
  while (vm.tree.used <= vm.tree.capacity) ks.push(vm.tree.defineClass(O));
  return { vm, guild, ks };
}

/** fullVm with m31 defined in the root and cached for the last record: its ccs's cme, and where the audit names it. */
function cachedLast() {
  const { vm, guild, ks } = fullVm();
  const last = ks[ks.length - 1];
  vm.defineMethod(ks[0], 31, plain);
  guild.call(site(vm, 0, 31), last);
  const cme = vm.pcmc.ccsCme(vm.pcmc.ccsOf(last, 31));
  return { vm, guild, ks, last, cme, where: `cc_tbl[${vm.tree.nameOf(last)}][m31]` };
}

describe('sizes() and audit() over every record and every mid', () => {
  it('count the last record and the last mid, and nothing past them', () => {
    const { vm, guild, ks } = fullVm();
    const last = ks[ks.length - 1];
    expect(last).toBe(vm.tree.capacity);
    vm.defineMethod(ks[0], 31, plain);
    vm.defineMethod(ks[0], 0, plain);
    guild.call(site(vm, 0, 31), last);
    guild.call(site(vm, 1, 0), ks[1]);
    guild.call(site(vm, 2, 0, 0, VM_CALL_ARGS_SIMPLE | 4), ks[1]);
    expect(vm.pcmc.sizes()).toEqual({ classes: 2, ccs: 2, entries: 3, maxPerClass: 2 });
    expect(vm.audit()).toEqual([]);
  });

  it('reports a ccs whose cme is for another mid, at its table slot', () => {
    const { vm, cme, where } = cachedLast();
    vm.mem.store(vm.mes.w(cme, ME_CALLED_ID), 7);
    expect(vm.pcmc.audit()).toEqual([{ message: 'ccs cme is for m7', where }]);
  });

  it('reports a ccs whose cme is not CACHED', () => {
    const { vm, cme, where } = cachedLast();
    vm.mem.store(vm.mes.w(cme, ME_FLAGS), 0);
    expect(vm.pcmc.audit()).toEqual([{ message: 'ccs cme is not marked CACHED: an invalidation would skip it', where }]);
  });

  it("reports an entry's CC of another class (0 is fine: an invalidated CC) and an entry's CC with another cme, by index", () => {
    const { vm, guild, ks, last, where } = cachedLast();
    const other = vm.defineMethod(ks[0], 30, plain);
    guild.call(site(vm, 1, 31, 0, VM_CALL_ARGS_SIMPLE | 4), last);
    const ccs = vm.pcmc.ccsOf(last, 31);
    const [e0, e1] = [vm.pcmc.ccsEntry(ccs, 0), vm.pcmc.ccsEntry(ccs, 1)];
    expect(e1.ci).toBe(vm_ci_pack(0, VM_CALL_ARGS_SIMPLE | 4));
    vm.ccs.setField(e0.cc, CC_KLASS, 0);
    expect(vm.pcmc.audit()).toEqual([]);
    vm.ccs.setField(e1.cc, CC_KLASS, ks[1]);
    vm.ccs.setField(e1.cc, CC_CME, other);
    expect(vm.pcmc.audit()).toEqual([
      { message: `entry 1: cc ${e1.cc} has klass ${vm.tree.nameOf(ks[1])}`, where },
      { message: `entry 1: cc ${e1.cc} has another cme than its ccs`, where },
    ]);
  });
});
