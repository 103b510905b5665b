import { describe, expect, it } from 'vitest';
import { VM_CALL_ARGS_SIMPLE, vm_ci_pack } from '../src/ruby/call_info.js';
import { CCS_CAPA, EMPTY_CC } from '../src/ruby/layout.js';
import { cdCc, makeVm, plain, site } from './ruby-helpers.js';

/**
 * The per-class method cache (vm_method.c's cc_tbl of ccs, CRuby 3.x) driven directly:
 * the ccs pool and its table slots, rb_vm_ccs_free's counts, a ccs's limit of call shapes,
 * rb_callable_method_entry with and without the negative cache, and vm_search_cc's reuse
 * of a ccs for a second call shape without a new method search.
 */
describe('the ccs pool and cc_tbl', () => {
  it('hands out ccs 1, 2, ... one per (class, mid), each in its own table slot, and counts them live', () => {
    const { vm } = makeVm({ negativeCache: true });
    const pc = vm.pcmc;
    const A = vm.tree.defineClass(0);
    const B = vm.tree.defineClass(0);
    for (const [k, mid] of [[A, 1], [A, 2], [B, 1]] as const) pc.callableMethodEntry(k, mid);
    expect([pc.ccsOf(A, 1), pc.ccsOf(A, 2), pc.ccsOf(B, 1)]).toEqual([1, 2, 3]);
    const taken = new Set([`${A}:1`, `${A}:2`, `${B}:1`]);
    for (const k of [A, B]) for (let mid = 0; mid < vm.tree.mids; mid++) if (!taken.has(`${k}:${mid}`)) expect(pc.ccsOf(k, mid)).toBe(0);
    expect(pc.ccsLive).toBe(3);
    expect([1, 2, 3].map((c) => pc.ccsLen(c))).toEqual([0, 0, 0]);
    expect([pc.ccsCme(1), pc.ccsCme(3)]).toEqual([pc.negativeCmeOf(1), pc.negativeCmeOf(1)]);
    expect(pc.ccsCme(2)).toBe(pc.negativeCmeOf(2));
    expect(pc.sizes()).toEqual({ classes: 0, ccs: 3, entries: 0, maxPerClass: 0 });
  });

  it('dropCcs invalidates each CC of the ccs once, frees the ccs to be reused first, and ignores a (class, mid) with none', () => {
    const { vm, guild } = makeVm();
    const pc = vm.pcmc;
    const A = vm.tree.defineClass(0);
    vm.defineMethod(A, 1, plain);
    const s0 = site(vm, 0, 1, 0);
    const s1 = site(vm, 1, 1, 1);
    const s2 = site(vm, 2, 1, 2);
    for (const s of [s0, s1, s2]) guild.call(s, A);
    const ccs = pc.ccsOf(A, 1);
    expect(pc.ccsLen(ccs)).toBe(3);
    expect(pc.sizes()).toEqual({ classes: 1, ccs: 1, entries: 3, maxPerClass: 3 });
    const [e0, e1, e2] = [0, 1, 2].map((i) => pc.ccsEntry(ccs, i));
    expect([e0.cc, e1.cc, e2.cc]).toEqual([cdCc(vm, s0), cdCc(vm, s1), cdCc(vm, s2)]);
    expect([e0.ci, e1.ci, e2.ci]).toEqual([0, 1, 2].map((argc) => vm_ci_pack(argc, VM_CALL_ARGS_SIMPLE)));
    const before = [vm.dc.get('cc_ent_invalidate'), vm.dc.get('ccs_free'), pc.ccsLive];
    pc.dropCcs(A, 2);
    expect([vm.dc.get('cc_ent_invalidate'), vm.dc.get('ccs_free'), pc.ccsLive]).toEqual(before);
    pc.dropCcs(A, 1);
    expect([vm.dc.get('cc_ent_invalidate') - before[0], vm.dc.get('ccs_free') - before[1], pc.ccsLive]).toEqual([3, 1, 0]);
    expect([e0, e1, e2].map((e) => vm.ccs.klass(e.cc))).toEqual([0, 0, 0]);
    expect(vm.ccs.klass(EMPTY_CC)).toBe(0);
    expect(pc.ccsOf(A, 1)).toBe(0);
    expect(pc.vm_ccs_create(A, 3, vm.pcmc.callableMethodEntry(A, 1))).toBe(ccs);
  });

  it(`a ccs holds ${CCS_CAPA} call shapes; the next one is refused with E_LAYOUT`, () => {
    const { vm, guild } = makeVm({ sites: CCS_CAPA + 2, ccSlots: 64 });
    const A = vm.tree.defineClass(0);
    vm.defineMethod(A, 1, plain);
    for (let argc = 0; argc < CCS_CAPA; argc++) guild.call(site(vm, argc, 1, argc, VM_CALL_ARGS_SIMPLE), A);
    expect(vm.pcmc.ccsLen(vm.pcmc.ccsOf(A, 1))).toBe(CCS_CAPA);
    expect(() => guild.call(site(vm, CCS_CAPA, 1, CCS_CAPA, VM_CALL_ARGS_SIMPLE), A)).toThrow(`a ccs holds ${CCS_CAPA} call shapes`);
  });
});

describe('rb_callable_method_entry', () => {
  it('without the negative cache: every call searches, nothing is remembered, a found entry is returned', () => {
    const { vm, guild } = makeVm();
    const pc = vm.pcmc;
    const A = vm.tree.defineClass(0);
    const m = vm.defineMethod(A, 1, plain);
    expect([pc.callableMethodEntry(A, 1), pc.callableMethodEntry(A, 1)]).toEqual([m, m]);
    expect(pc.callableMethodEntry(A, 2)).toBe(0);
    expect(vm.dc.get('search_method')).toBe(3);
    expect([pc.ccsOf(A, 1), pc.ccsOf(A, 2), pc.ccsLive]).toEqual([0, 0, 0]);
    // A ccs that a call site's search made is not consulted either.
    guild.call(site(vm, 0, 1), A);
    expect(pc.ccsOf(A, 1)).not.toBe(0);
    pc.callableMethodEntry(A, 1);
    expect(vm.dc.get('search_method')).toBe(5);
  });

  it('with it: found or not, the second call walks nothing; an invalidated entry is dropped and searched again', () => {
    const { vm } = makeVm({ negativeCache: true });
    const pc = vm.pcmc;
    const O = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(O);
    const m = vm.defineMethod(O, 1, plain);
    expect([pc.callableMethodEntry(A, 1), pc.callableMethodEntry(A, 1)]).toEqual([m, m]);
    expect([pc.callableMethodEntry(A, 2), pc.callableMethodEntry(A, 2)]).toEqual([0, 0]);
    expect(vm.dc.get('search_method')).toBe(2);
    // Redefining O#1 invalidates its entry (vm_method.c: the old cme is invalidated, not dropped from A's table).
    const m2 = vm.defineMethod(O, 1, plain);
    expect(vm.mes.invalidated(m)).toBe(true);
    expect(pc.ccsCme(pc.ccsOf(A, 1))).toBe(m);
    const freed = vm.dc.get('ccs_free');
    expect(pc.callableMethodEntry(A, 1)).toBe(m2);
    expect(vm.dc.get('search_method')).toBe(3);
    expect(pc.ccsCme(pc.ccsOf(A, 1))).toBe(m2);
    // A's ccs still held the old cme: this call dropped it (rb_vm_ccs_free) before searching.
    expect(vm.dc.get('ccs_free') - freed).toBe(1);
  });

  it('with it: an undef entry cached for the class still answers "no method"', () => {
    const { vm } = makeVm({ negativeCache: true });
    const pc = vm.pcmc;
    const O = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(O);
    vm.defineMethod(O, 1, plain);
    vm.undefMethod(A, 1);
    expect([pc.callableMethodEntry(A, 1), pc.callableMethodEntry(A, 1)]).toEqual([0, 0]);
    expect(vm.dc.get('search_method')).toBe(1);
    expect(pc.ccsCme(pc.ccsOf(A, 1))).toBe(vm.tree.lookupMethodTable(A, 1));
  });

  it('invalidateNegative: true once for a mid that has a negative entry, then false; false for one that never had it', () => {
    const { vm } = makeVm({ negativeCache: true });
    const pc = vm.pcmc;
    const A = vm.tree.defineClass(0);
    pc.callableMethodEntry(A, 4);
    const neg = pc.negativeCmeOf(4);
    expect(neg).not.toBe(0);
    expect([pc.invalidateNegative(4), pc.invalidateNegative(4), pc.invalidateNegative(5)]).toEqual([true, false, false]);
    expect([vm.mes.invalidated(neg), pc.negativeCmeOf(4)]).toEqual([true, 0]);
  });
});

describe('vm_search_cc', () => {
  it('a second call shape reuses the ccs and its cme: one search, two CCs, counted as not found in the ccs twice', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const m = vm.defineMethod(A, 1, plain);
    guild.call(site(vm, 0, 1, 0), A);
    guild.call(site(vm, 1, 1, 1), A);
    expect(vm.dc.get('search_method')).toBe(1);
    expect(vm.dc.get('cc_not_found_in_ccs')).toBe(2);
    expect(vm.dc.get('cc_new')).toBe(2);
    expect(vm.pcmc.ccsCme(vm.pcmc.ccsOf(A, 1))).toBe(m);
  });
});
