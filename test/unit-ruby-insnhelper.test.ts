/**
 * A guild's call (src/ruby/vm_insnhelper.ts) at the edges, with CRuby's counters
 * (RB_DEBUG_COUNTER names) counted exactly: vm_search_method_fastpath (klass compare, the
 * cme's INVALIDATED bit), vm_search_method_slowpath0 (vm_search_cc under the VM lock, one
 * store to publish; the empty CC for "not found" is never a CC of its own), cc->call_
 * filled in lazily by the first call (vm_call_method_each_type), the PIC beyond CRuby, the
 * replaced serial design, vm_search_super_method, umethod_bind_call, and the reuse oracle's
 * generation stamp.
 */
import { describe, expect, it } from 'vitest';
import { SpinLock } from '../src/shm/spinlock.js';
import {
  CALL_ARGUMENT_ERROR, CALL_METHOD_MISSING, CALL_TYPE_ERROR, VM_CALL_GENERAL, VM_CALL_ISEQ_SETUP_NORMAL, VM_CALL_ISEQ_SETUP_OPT,
} from '../src/ruby/call_handler.js';
import { VM_CALL_ARGS_SIMPLE, VM_CALL_FCALL, vm_ci_pack } from '../src/ruby/call_info.js';
import { CC_CALL, CC_GEN, EMPTY_CC, IMEMO_PIC, PIC_ENTRY0, S_PIC_OVERFLOW, VM_LOCK } from '../src/ruby/layout.js';
import type { Vm } from '../src/ruby/vm.js';
import { FRAME_ORIGIN, FRAME_SEARCH, Guild } from '../src/ruby/vm_insnhelper.js';
import { cdCc, makeVm, plain, site } from './ruby-helpers.js';

const FCALL = VM_CALL_ARGS_SIMPLE | VM_CALL_FCALL;

/** The counters that are not 0, by name. */
function counted(vm: Vm): Record<string, number> {
  return Object.fromEntries(Object.entries(vm.dc.toJSON()).filter(([, v]) => v !== 0));
}

function picEntries(vm: Vm, p: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < 4; i++) out.push(vm.ccs.field(p, PIC_ENTRY0 + i));
  return out;
}

describe('vm_search_method: the fast path and the slow path', () => {
  it('a first call misses on klass and publishes a CC; the second hits; a redefinition misses on INVALIDATED', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const foo = vm.defineMethod(A, 0, plain);
    const s = site(vm, 0, 0);
    vm.dc.v.fill(0);
    expect(guild.call(s, A)).toBe(vm.mes.body(foo));
    const cc = cdCc(vm, s);
    expect([vm.ccs.klass(cc), vm.ccs.cme(cc)]).toEqual([A, foo]);
    expect(counted(vm)).toEqual({ mc_inline_miss_klass: 1, cc_not_found_in_ccs: 1, cc_new: 1, search_method: 1 });
    expect(guild.call(s, A)).toBe(vm.mes.body(foo));
    expect(vm.dc.get('mc_inline_hit')).toBe(1);
    // A leaf class's redefinition clears its CCs (klass 0): a klass miss.
    const foo2 = vm.defineMethod(A, 0, plain);
    expect(guild.call(s, A)).toBe(vm.mes.body(foo2));
    expect([vm.dc.get('mc_inline_miss_klass'), vm.dc.get('mc_inline_miss_invalidated'), vm.dc.get('mc_inline_hit')]).toEqual([2, 0, 1]);
    expect(cdCc(vm, s)).not.toBe(cc);
    // With a subclass the cme is INVALIDATED instead (rb_clear_method_cache's tree case): a call through B misses on it.
    const B = vm.tree.defineClass(A);
    const t = site(vm, 1, 0);
    expect(guild.call(t, B)).toBe(vm.mes.body(foo2));
    const foo3 = vm.defineMethod(A, 0, plain);
    expect(vm.mes.invalidated(foo2)).toBe(true);
    expect(guild.call(t, B)).toBe(vm.mes.body(foo3));
    expect([vm.dc.get('mc_inline_miss_klass'), vm.dc.get('mc_inline_miss_invalidated'), vm.dc.get('mc_inline_hit')]).toEqual([3, 1, 1]);
    // Another class at the same site: a klass miss, and the site's CC is for that class now.
    expect(guild.call(t, A)).toBe(vm.mes.body(foo3));
    expect([vm.dc.get('mc_inline_miss_klass'), vm.ccs.klass(cdCc(vm, t))]).toEqual([4, A]);
    // Without a PIC nothing of the PIC's runs: no PIC, no megamorphic mark.
    expect([vm.dc.get('pic_new'), vm.dc.get('pic_megamorphic'), vm.mem.load(vm.siteWord(t, S_PIC_OVERFLOW))]).toEqual([0, 0, 0]);
    expect(SpinLock.holder(vm.mem, vm.ref.header + VM_LOCK)).toBe(-1);
  });

  it('a method found nowhere: the site keeps the empty CC, every call goes the slow way, method_missing each time', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const s = site(vm, 0, 0);
    for (let i = 0; i < 3; i++) expect(guild.call(s, A)).toBe(CALL_METHOD_MISSING);
    expect(cdCc(vm, s)).toBe(EMPTY_CC);
    expect(guild.cc).toBe(EMPTY_CC);
    expect(counted(vm)).toMatchObject({ mc_inline_miss_klass: 3, method_missing: 3 });
    expect(vm.dc.get('mc_inline_hit')).toBe(0);
    // The empty CC's handler is worked out each time and never stored.
    expect(vm.ccs.field(EMPTY_CC, CC_CALL)).toBe(VM_CALL_GENERAL);
    expect(guild.frameMe).toBe(0);
  });

  it('cc->call_ is vm_call_general until the first call stores the fast path (CC_SET_FASTPATH)', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    vm.defineMethod(A, 0, plain);
    vm.defineMethod(A, 1, { type: 0, req: 1, opt: 1 });
    const s = site(vm, 0, 0);
    const t = site(vm, 1, 1, 2);
    guild.call(s, A);
    guild.call(t, A);
    expect(vm.ccs.field(cdCc(vm, s), CC_CALL)).toBe(VM_CALL_ISEQ_SETUP_NORMAL);
    expect(vm.ccs.field(cdCc(vm, t), CC_CALL)).toBe(VM_CALL_ISEQ_SETUP_OPT);
  });

  it('records the frame of the body that ran: the entry, and the origin of its defined class', () => {
    const { vm, guild } = makeVm();
    const O = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(O);
    const oFoo = vm.defineMethod(O, 0, plain);
    const s = site(vm, 0, 0);
    guild.call(s, A);
    expect(guild.frameMe).toBe(oFoo);
    // The call itself does not work the record out (the fast path does not); frame() does, on demand.
    expect(guild.frameAt).toBe(FRAME_ORIGIN);
    expect(guild.frame()).toBe(O);
    expect(guild.frameAt).toBe(O);
    // frame() is worked out once: asking again gives the same record.
    expect(guild.frame()).toBe(O);
    guild.call(s, A);
    expect(guild.frameAt).toBe(FRAME_ORIGIN);
    expect(guild.frame()).toBe(O);
  });

  it('the CC pool exhausted: the call runs uncached, asks for a collection, publishes nothing', () => {
    const { vm, guild } = makeVm({ ccSlots: 1 });
    const A = vm.tree.defineClass(0);
    const B = vm.tree.defineClass(A);
    const foo = vm.defineMethod(A, 0, plain);
    const s = site(vm, 0, 0);
    const t = site(vm, 1, 0);
    expect(guild.call(s, A)).toBe(vm.mes.body(foo));
    const full = cdCc(vm, s);
    expect(vm.gcWanted).toBe(false);
    expect(guild.call(t, B)).toBe(vm.mes.body(foo));
    expect(vm.dc.get('cc_pool_exhausted')).toBe(1);
    expect(vm.gcWanted).toBe(true);
    expect(cdCc(vm, t)).toBe(EMPTY_CC);
    expect(guild.cc).toBe(EMPTY_CC);
    expect(guild.frameMe).toBe(foo);
    expect(SpinLock.holder(vm.mem, vm.ref.header + VM_LOCK)).toBe(-1);
    expect(cdCc(vm, s)).toBe(full);
  });

  it('private without FCALL, a wrong argc, a protected method from outside: each the slow way, counted', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    vm.defineMethod(A, 0, { ...plain, private: true });
    vm.defineMethod(A, 1, { type: 0, req: 2 });
    const prot = vm.defineMethod(A, 2, { ...plain, protected: true });
    const s0 = site(vm, 0, 0);
    const s1 = site(vm, 1, 1, 1);
    const s2 = site(vm, 2, 2);
    const s3 = site(vm, 3, 2, 0, FCALL);
    expect(guild.call(s0, A)).toBe(CALL_METHOD_MISSING);
    expect(guild.call(s1, A)).toBe(CALL_ARGUMENT_ERROR);
    expect([guild.frameMe, guild.frameAt]).toEqual([0, 0]);
    expect(guild.call(s2, A)).toBe(CALL_METHOD_MISSING);
    expect(guild.call(s2, A, A)).toBe(vm.mes.body(prot));
    expect(guild.frameMe).toBe(prot);
    expect(guild.frame()).toBe(A);
    // With FCALL a protected method is no protected call: it runs without the check.
    expect(guild.call(s3, A)).toBe(vm.mes.body(prot));
    expect(counted(vm)).toMatchObject({ method_missing: 2, argument_error: 1, call_protected: 2 });
  });
});

describe('the generation stamp (the reuse oracle)', () => {
  it('holds the generation the slot had when read; after the slot is swept and reused it differs', () => {
    const { vm, guild } = makeVm({ ccSlots: 3 });
    const A = vm.tree.defineClass(0);
    const B = vm.tree.defineClass(A);
    vm.defineMethod(A, 0, plain);
    const s = site(vm, 0, 0);
    guild.call(s, A);
    const cc = guild.cc;
    expect(cc).toBe(cdCc(vm, s));
    expect(guild.gen).toBe(0);
    expect(guild.genIntact()).toBe(true);
    // Redefined: another guild's call drops the stale ccs; the site forgets the CC; a collection frees it.
    vm.defineMethod(A, 0, plain);
    new Guild(vm, 0).call(site(vm, 1, 0), A);
    site(vm, 0, 0);
    expect(vm.collect(false)).toBe(1);
    expect(vm.ccs.field(cc, CC_GEN)).toBe(1);
    expect(guild.genIntact()).toBe(false);
    // The freed slot is handed out again for B's CC: the call reads its new generation, slow path and fast path.
    guild.call(s, B);
    expect([guild.cc, guild.gen, guild.genIntact()]).toEqual([cc, 1, true]);
    guild.call(s, B);
    expect(vm.dc.get('mc_inline_hit')).toBe(1);
    expect([guild.cc, guild.gen, guild.genIntact()]).toEqual([cc, 1, true]);
  });

  it('without stamp the generation is never read (benchmarks)', () => {
    const { vm } = makeVm({ ccSlots: 2 });
    const g = new Guild(vm, 0, false);
    const A = vm.tree.defineClass(0);
    vm.defineMethod(A, 0, plain);
    // Slot 1 has lived once: generation 1. The empty CC's is set to 7 by hand.
    vm.ccs.vm_cc_new(A, 1);
    vm.collect(false);
    vm.ccs.setField(EMPTY_CC, CC_GEN, 7);
    const s = site(vm, 0, 0);
    g.call(s, A);
    expect([g.cc, g.gen]).toEqual([1, 0]);
    g.call(s, A);
    expect(g.gen).toBe(0);
    g.callSuper(s, 0);
    expect([g.cc, g.gen]).toEqual([EMPTY_CC, 0]);
    const h = new Guild(vm, 0);
    h.callSuper(s, 0);
    expect([h.cc, h.gen]).toEqual([EMPTY_CC, 7]);
    h.call(s, A);
    expect([h.cc, h.gen]).toEqual([1, 1]);
  });
});

describe('the PIC (beyond CRuby: --pic N)', () => {
  function picVm(pic: number, ccSlots = 64) {
    const { vm, guild } = makeVm({ pic, ccSlots });
    const O = vm.tree.defineClass(0);
    const ks = [0, 1, 2, 3, 4, 5].map(() => vm.tree.defineClass(O));
    const foo = vm.defineMethod(O, 0, plain);
    return { vm, guild, ks, foo, s: site(vm, 0, 0) };
  }

  it('a second class makes a PIC of both CCs, newest first; both hit from then on', () => {
    const { vm, guild, ks, foo, s } = picVm(4);
    expect(guild.call(s, ks[0])).toBe(vm.mes.body(foo));
    const a = cdCc(vm, s);
    expect(guild.call(s, ks[1])).toBe(vm.mes.body(foo));
    const p = cdCc(vm, s);
    expect(vm.ccs.imemo(p)).toBe(IMEMO_PIC);
    const b = guild.cc;
    expect(vm.ccs.klass(b)).toBe(ks[1]);
    expect(picEntries(vm, p)).toEqual([b, a, 0, 0]);
    expect(vm.dc.get('pic_new')).toBe(1);
    // The slot a call reads (for the reuse oracle) is the PIC itself.
    expect(guild.call(s, ks[0])).toBe(vm.mes.body(foo));
    expect(guild.cc).toBe(p);
    expect(guild.call(s, ks[1])).toBe(vm.mes.body(foo));
    expect(vm.dc.get('pic_hit')).toBe(2);
    expect(vm.dc.get('mc_inline_hit')).toBe(0);
    // The same class again on a plain CC: the fast path through viaCc.
    const t = site(vm, 1, 0);
    guild.call(t, ks[0]);
    guild.call(t, ks[0]);
    expect(vm.dc.get('mc_inline_hit')).toBe(1);
  });

  it('grows to N entries; a miss with N valid entries for other classes goes megamorphic for good', () => {
    const { vm, guild, ks, s } = picVm(3);
    for (let i = 0; i < 3; i++) guild.call(s, ks[i]);
    const p = cdCc(vm, s);
    expect(picEntries(vm, p).filter((x) => x !== 0).length).toBe(3);
    expect(vm.dc.get('pic_new')).toBe(2);
    guild.call(s, ks[3]);
    expect(vm.dc.get('pic_megamorphic')).toBe(1);
    expect(vm.mem.load(vm.siteWord(s, S_PIC_OVERFLOW))).toBe(1);
    expect(vm.ccs.imemo(cdCc(vm, s))).not.toBe(IMEMO_PIC);
    expect(vm.ccs.klass(cdCc(vm, s))).toBe(ks[3]);
    // From now on one CC: no new PIC, no second megamorphic count.
    guild.call(s, ks[4]);
    guild.call(s, ks[0]);
    expect(vm.dc.get('pic_new')).toBe(2);
    expect(vm.dc.get('pic_megamorphic')).toBe(1);
    expect(vm.ccs.klass(cdCc(vm, s))).toBe(ks[0]);
  });

  it('an invalidated entry ends the PIC search and is not kept in the new PIC', () => {
    const { vm, guild, ks, s } = picVm(4);
    const [A, B, C] = ks;
    vm.defineMethod(A, 0, plain);
    guild.call(s, A);
    guild.call(s, B);
    const bFoo = vm.defineMethod(B, 0, plain);
    // B's entry is invalidated: the PIC search stops there and misses.
    const misses = vm.dc.get('mc_inline_miss_klass');
    expect(guild.call(s, B)).toBe(vm.mes.body(bFoo));
    expect(vm.dc.get('mc_inline_miss_klass')).toBe(misses + 1);
    const p = cdCc(vm, s);
    expect(picEntries(vm, p).map((cc) => (cc === 0 ? 0 : vm.ccs.klass(cc)))).toEqual([B, A, 0, 0]);
    expect(vm.mes.invalidated(vm.ccs.cme(picEntries(vm, p)[1]))).toBe(false);
    // Redefine A#foo: A's entry goes stale; a call for C keeps only B's.
    vm.defineMethod(A, 0, plain);
    guild.call(s, C);
    expect(picEntries(vm, cdCc(vm, s)).map((cc) => (cc === 0 ? 0 : vm.ccs.klass(cc)))).toEqual([C, B, 0, 0]);
  });

  it('a site whose method is found nowhere keeps its PIC (the empty CC is never published over it)', () => {
    const { vm, guild, ks, s } = picVm(4);
    guild.call(s, ks[0]);
    guild.call(s, ks[1]);
    const p = cdCc(vm, s);
    const X = vm.tree.defineClass(0);
    expect(guild.call(s, X)).toBe(CALL_METHOD_MISSING);
    expect(cdCc(vm, s)).toBe(p);
    expect([vm.dc.get('pic_new'), vm.dc.get('pic_megamorphic')]).toEqual([1, 0]);
    // Without a PIC the empty CC is published.
    const { vm: v1, guild: g1, ks: k1, s: s1 } = picVm(1);
    g1.call(s1, k1[0]);
    const Y = v1.tree.defineClass(0);
    g1.call(s1, Y);
    expect(cdCc(v1, s1)).toBe(EMPTY_CC);
    expect(v1.dc.get('pic_new')).toBe(0);
  });

  it('no slot left for a PIC: the new CC alone is published', () => {
    const { vm, guild, ks, s } = picVm(4, 2);
    guild.call(s, ks[0]);
    guild.call(s, ks[1]);
    expect(vm.ccs.klass(cdCc(vm, s))).toBe(ks[1]);
    expect(vm.dc.get('pic_new')).toBe(0);
    expect([vm.ccs.klass(EMPTY_CC), vm.ccs.cme(EMPTY_CC)]).toEqual([0, 0]);
  });

  it('a second call for a class the PIC holds behind another: it goes past the first entry', () => {
    const { vm, guild, ks, s } = picVm(4);
    for (let i = 0; i < 3; i++) guild.call(s, ks[i]);
    const hits = vm.dc.get('pic_hit');
    for (let i = 0; i < 3; i++) expect(guild.call(s, ks[i])).toBeGreaterThan(0);
    expect(vm.dc.get('pic_hit')).toBe(hits + 3);
    expect(vm.dc.get('pic_new')).toBe(2);
  });
});

describe('the serial design (Ruby 2.x: serial-keyed inline and global caches)', () => {
  it('runs the entry found, keeps the frame, and resolves ZSUPER and REFINED entries on a fresh walk', () => {
    const { vm, guild } = makeVm({ design: 'serial-gmc' });
    const A = vm.tree.defineClass(0);
    const B = vm.tree.defineClass(A);
    const aFoo = vm.defineMethod(A, 0, plain);
    const s = site(vm, 0, 0);
    expect(guild.call(s, B)).toBe(vm.mes.body(aFoo));
    expect([guild.frameMe, guild.frameAt]).toEqual([aFoo, FRAME_ORIGIN]);
    expect(guild.frame()).toBe(A);
    // A protected method from a self of a kind of A: the protected check, the frame still on demand.
    const prot = vm.defineMethod(A, 1, { ...plain, protected: true });
    expect(guild.call(site(vm, 5, 1), B, B)).toBe(vm.mes.body(prot));
    expect([guild.frameMe, guild.frameAt]).toEqual([prot, FRAME_ORIGIN]);
    expect(guild.frame()).toBe(A);
    vm.setVisibility(B, 0, 'private');
    expect(guild.call(s, B)).toBe(CALL_METHOD_MISSING);
    expect(guild.call(site(vm, 1, 0, 0, FCALL), B)).toBe(vm.mes.body(aFoo));
    expect(vm.dc.get('call_zsuper')).toBe(1);
    expect(guild.frame()).toBe(A);
    vm.refine(A, 0);
    expect(guild.call(site(vm, 2, 0), A)).toBe(vm.mes.body(aFoo));
    expect(vm.dc.get('call_refined')).toBe(1);
    expect(guild.call(site(vm, 3, 5), A)).toBe(CALL_METHOD_MISSING);
    vm.undefMethod(A, 0);
    expect(guild.call(site(vm, 4, 0), A)).toBe(CALL_METHOD_MISSING);
  });

  it("a module's raw entry: super from it searches on from the module's iclass in the receiver's ancestry", () => {
    const { vm, guild } = makeVm({ design: 'serial-gmc' });
    const O = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(O);
    const M = vm.tree.defineModule();
    const oFoo = vm.defineMethod(O, 0, plain);
    const mFoo = vm.defineMethod(M, 0, plain);
    vm.include(A, M);
    const s = site(vm, 0, 0);
    const sup = site(vm, 1, 0, 0, FCALL);
    expect(guild.call(s, A)).toBe(vm.mes.body(mFoo));
    expect(guild.frameAt).toBe(FRAME_SEARCH);
    const at = guild.frame();
    expect(vm.tree.moduleOf(at)).toBe(M);
    expect(vm.tree.superOf(at)).toBe(O);
    expect(guild.callSuper(sup, at)).toBe(vm.mes.body(oFoo));
  });
});

describe('super (vm_search_super_method)', () => {
  it('with no frame or no superclass: method_missing, nothing read but the empty CC, counted as a super call', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const foo = vm.defineMethod(A, 0, plain);
    const s = site(vm, 0, 0);
    const sup = site(vm, 1, 0, 0, FCALL);
    expect(guild.callSuper(sup, 0)).toBe(CALL_METHOD_MISSING);
    expect(guild.callSuper(sup, -1)).toBe(CALL_METHOD_MISSING);
    guild.call(s, A);
    expect(guild.frameMe).toBe(foo);
    expect(guild.callSuper(sup, guild.frame())).toBe(CALL_METHOD_MISSING);
    expect([guild.cc, guild.frameMe, guild.frameAt]).toEqual([EMPTY_CC, 0, 0]);
    expect(counted(vm)).toMatchObject({ super_call: 3, method_missing: 3 });
    // No superclass: no lookup at all, not even in the super site's cache.
    expect([vm.dc.get('mc_inline_hit'), vm.dc.get('mc_inline_miss_klass'), vm.dc.get('search_method')]).toEqual([0, 1, 1]);
    expect(cdCc(vm, sup)).toBe(EMPTY_CC);
  });

  it("from a refinement's method: super goes to the refined class's method (the refinement's includer)", () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const aFoo = vm.defineMethod(A, 0, plain);
    const R = vm.newRefinement(A);
    const rFoo = vm.defineMethod(R, 0, plain);
    vm.refine(A, 0);
    vm.using(1, [R]);
    vm.defineCallSite(0, 0, 0, VM_CALL_ARGS_SIMPLE, [A], 1);
    const sup = site(vm, 1, 0, 0, FCALL);
    expect(guild.call(0, A)).toBe(vm.mes.body(rFoo));
    expect(guild.frame()).toBe(R);
    expect(guild.callSuper(sup, guild.frame())).toBe(vm.mes.body(aFoo));
  });
});

describe('REFINED entries (vm_call_refined)', () => {
  it('an active refinement runs; the original private one is method_missing without FCALL and runs with it', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const B = vm.tree.defineClass(A);
    const aFoo = vm.defineMethod(A, 0, { ...plain, private: true });
    vm.refine(A, 0);
    const s = site(vm, 0, 0);
    const f = site(vm, 1, 0, 0, FCALL);
    expect(guild.call(s, B)).toBe(CALL_METHOD_MISSING);
    expect(guild.call(f, B)).toBe(vm.mes.body(aFoo));
    expect(guild.frame()).toBe(A);
    expect(vm.dc.get('call_refined')).toBe(2);
  });

  it('the original protected: runs for a self that is a kind of the owner, method_missing for another', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const X = vm.tree.defineClass(0);
    const aFoo = vm.defineMethod(A, 0, { ...plain, protected: true });
    vm.refine(A, 0);
    const s = site(vm, 0, 0);
    expect(guild.call(s, A, A)).toBe(vm.mes.body(aFoo));
    expect(guild.call(s, A, X)).toBe(CALL_METHOD_MISSING);
    expect(guild.call(s, A)).toBe(CALL_METHOD_MISSING);
  });

  it('a refinement found but with the wrong argc: ArgumentError; a refined name with nothing under it: method_missing', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const R = vm.newRefinement(A);
    vm.defineMethod(R, 0, { type: 0, req: 1 });
    vm.refine(A, 0);
    vm.refine(A, 1);
    vm.using(1, [R]);
    vm.defineCallSite(0, 0, 0, VM_CALL_ARGS_SIMPLE, [A], 1);
    expect(guild.call(0, A)).toBe(CALL_ARGUMENT_ERROR);
    expect(vm.dc.get('argument_error')).toBe(1);
    expect(guild.call(site(vm, 1, 1), A)).toBe(CALL_METHOD_MISSING);
    expect([vm.dc.get('method_missing'), guild.frameMe]).toEqual([1, 0]);
  });
});

describe('bind_call (umethod_bind_call)', () => {
  it('TypeError unless the receiver is a kind of the owner; any visibility runs; counted', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const B = vm.tree.defineClass(A);
    const X = vm.tree.defineClass(0);
    const foo = vm.defineMethod(A, 0, { ...plain, private: true });
    const ci = vm_ci_pack(0, FCALL);
    expect(guild.bindCall(foo, X, ci)).toBe(CALL_TYPE_ERROR);
    expect([guild.frameMe, guild.frameAt]).toEqual([0, 0]);
    expect(guild.bindCall(foo, B, ci)).toBe(vm.mes.body(foo));
    expect(guild.frameMe).toBe(foo);
    expect(guild.frame()).toBe(A);
    expect(guild.bindCall(foo, A, vm_ci_pack(1, FCALL))).toBe(CALL_ARGUMENT_ERROR);
    expect(vm.dc.get('argument_error')).toBe(1);
    expect(vm.dc.get('bind_call')).toBe(3);
  });

  it("a module's method binds to anything, and its frame is the module's iclass in the receiver's ancestry", () => {
    const { vm, guild } = makeVm();
    const O = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(O);
    const X = vm.tree.defineClass(0);
    const M = vm.tree.defineModule();
    const N = vm.tree.defineModule();
    vm.defineMethod(N, 0, plain);
    const mFoo = vm.defineMethod(M, 0, plain);
    vm.include(A, N);
    vm.include(A, M);
    const ci = vm_ci_pack(0, FCALL);
    expect(guild.bindCall(mFoo, A, ci)).toBe(vm.mes.body(mFoo));
    const at = guild.frame();
    expect([vm.tree.moduleOf(at), vm.tree.typeOf(at)]).toEqual([M, 3]);
    expect(vm.tree.kindOf(A, M)).toBe(true);
    // Not in the ancestry: no iclass to go on from.
    expect(guild.bindCall(mFoo, X, ci)).toBe(vm.mes.body(mFoo));
    expect(guild.frameAt).toBe(0);
  });

  it('the broken variant looks the method up again by name: it runs the redefinition, or method_missing after a removal', () => {
    const { vm, guild } = makeVm({ bindCallLookup: true });
    const A = vm.tree.defineClass(0);
    const foo = vm.defineMethod(A, 0, plain);
    const ci = vm_ci_pack(0, FCALL);
    const foo2 = vm.defineMethod(A, 0, plain);
    expect(guild.bindCall(foo, A, ci)).toBe(vm.mes.body(foo2));
    vm.removeMethod(A, 0);
    expect(guild.bindCall(foo, A, ci)).toBe(CALL_METHOD_MISSING);
    expect(vm.dc.get('method_missing')).toBe(1);
    // The correct form runs the entry it holds.
    const ok = makeVm();
    const K = ok.vm.tree.defineClass(0);
    const k1 = ok.vm.defineMethod(K, 0, plain);
    ok.vm.defineMethod(K, 0, plain);
    expect(ok.guild.bindCall(k1, K, ci)).toBe(ok.vm.mes.body(k1));
  });
});
