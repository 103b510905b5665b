import { describe, expect, it } from 'vitest';
import { ENOENT } from '../src/errors.js';
import { VM_CALL_ARGS_SIMPLE, VM_CALL_FCALL, vm_ci_argc, vm_ci_flag, vm_ci_pack, vm_ci_value } from '../src/ruby/call_info.js';
import { CALL_HANDLER_NAMES } from '../src/ruby/call_handler.js';
import { CC_CALL, EMPTY_CC, METHOD_ENTRY_CACHED, METHOD_ENTRY_INVALIDATED } from '../src/ruby/layout.js';
import { cdCc, makeVm, plain, site } from './ruby-helpers.js';

describe('call info', () => {
  it('packs as vm_callinfo.h embeds it: tag bit, argc << 1, flag << 16, mid << 32', () => {
    const lo = vm_ci_pack(2, VM_CALL_ARGS_SIMPLE | VM_CALL_FCALL);
    expect(vm_ci_argc(lo)).toBe(2);
    expect(vm_ci_flag(lo)).toBe(VM_CALL_ARGS_SIMPLE | VM_CALL_FCALL);
    expect(vm_ci_value(lo, 7)).toBe((7n << 32n) | (0x14n << 16n) | (2n << 1n) | 1n);
    // The largest argc and flag fill their fields without spilling into the mid.
    expect(vm_ci_value(vm_ci_pack(0x7fff, 0xffff), 1)).toBe((1n << 32n) | 0xffff_fffFn);
  });
});

describe('inline cache hits and misses (vm_search_method)', () => {
  it('misses once on klass, then hits; a second site with the same CI shares the CC from the pCMC', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const foo = vm.defineMethod(A, 0, plain);
    const s0 = site(vm, 0, 0);
    const s1 = site(vm, 1, 0);
    expect(guild.call(s0, A)).toBe(vm.mes.body(foo));
    expect(vm.dc.get('mc_inline_miss_klass')).toBe(1);
    expect(vm.dc.get('cc_new')).toBe(1);
    expect(guild.call(s0, A)).toBe(vm.mes.body(foo));
    expect(vm.dc.get('mc_inline_hit')).toBe(1);
    guild.call(s1, A);
    expect(vm.dc.get('cc_found_in_ccs')).toBe(1);
    expect(vm.dc.get('cc_new')).toBe(1);
    expect(cdCc(vm, s1)).toBe(cdCc(vm, s0));
    expect(vm.mes.flags(foo) & METHOD_ENTRY_CACHED).toBeTruthy();
  });

  it('keeps one CC per (argc, flag) in a ccs, and re-points a site whose receiver class changes', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const B = vm.tree.defineClass(A);
    vm.defineMethod(A, 0, { type: 0, req: 0, opt: 2 });
    const s0 = site(vm, 0, 0, 0);
    const s1 = site(vm, 1, 0, 2);
    guild.call(s0, A);
    guild.call(s1, A);
    expect(vm.dc.get('cc_new')).toBe(2);
    expect(vm.pcmc.ccsLen(vm.pcmc.ccsOf(A, 0))).toBe(2);
    const ccA = cdCc(vm, s0);
    guild.call(s0, B);
    expect(cdCc(vm, s0)).not.toBe(ccA);
    expect(vm.ccs.klass(cdCc(vm, s0))).toBe(B);
    expect(vm.dc.get('mc_inline_miss_klass')).toBe(3);
    expect(vm.audit()).toEqual([]);
  });

  it('sets the call handler on first use (CRuby wins over SPEC: cc->call_ is stored after publication)', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    vm.defineMethod(A, 0, { type: 3 });
    vm.defineMethod(A, 1, { type: 0, req: 1 });
    vm.defineMethod(A, 2, { type: 0, req: 0, private: true });
    const ivar = site(vm, 0, 0);
    const arity = site(vm, 1, 1, 2);
    const priv = site(vm, 2, 2);
    const fcall = site(vm, 3, 2, 0, VM_CALL_ARGS_SIMPLE | VM_CALL_FCALL);
    for (const s of [ivar, arity, priv, fcall]) guild.call(s, A);
    const handler = (s: number) => CALL_HANDLER_NAMES[vm.ccs.field(cdCc(vm, s), CC_CALL)];
    expect(handler(ivar)).toBe('vm_call_ivar');
    expect(handler(arity)).toBe('argument_arity_error');
    expect(handler(priv)).toBe('vm_call_method_missing');
    expect(handler(fcall)).toBe('vm_call_iseq_setup_normal');
  });
});

describe('invalidation (rb_clear_method_cache), as CRuby test_method_cache', () => {
  it('leaf class: clears klass of the CCs in cc_tbl[mid] and drops the ccs', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const old = vm.defineMethod(A, 0, plain);
    const s = site(vm, 0, 0);
    guild.call(s, A);
    const cc = cdCc(vm, s);
    const neu = vm.defineMethod(A, 0, plain);
    expect(vm.dc.get('cc_invalidate_leaf_ccs')).toBe(1);
    expect(vm.ccs.klass(cc)).toBe(0);
    expect(vm.pcmc.ccsOf(A, 0)).toBe(0);
    expect(vm.mes.flags(old) & METHOD_ENTRY_INVALIDATED).toBe(0);
    expect(guild.call(s, A)).toBe(vm.mes.body(neu));
    expect(vm.dc.get('mc_inline_miss_klass')).toBe(2);
  });

  it('redefine in a superclass: clones the cached cme into its owner and marks the old one INVALIDATED', () => {
    const { vm, guild } = makeVm();
    const O = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(O);
    const B = vm.tree.defineClass(A);
    const C = vm.tree.defineClass(B);
    const top = vm.defineMethod(O, 0, plain);
    const s = site(vm, 0, 0);
    expect(guild.call(s, C)).toBe(vm.mes.body(top));
    const bFoo = vm.defineMethod(B, 0, plain);
    expect(vm.dc.get('cc_invalidate_tree_cme')).toBe(1);
    expect(vm.mes.invalidated(top)).toBe(true);
    const clone = vm.tree.lookupMethodTable(O, 0);
    expect(clone).not.toBe(top);
    expect(vm.mes.body(clone)).toBe(vm.mes.body(top));
    expect(vm.mes.invalidated(clone)).toBe(false);
    expect(guild.call(s, C)).toBe(vm.mes.body(bFoo));
    expect(vm.dc.get('mc_inline_miss_invalidated')).toBe(1);
    // A receiver of A still runs Object's method, through the clone.
    expect(guild.call(site(vm, 1, 0), A)).toBe(vm.mes.body(top));
    expect(vm.audit()).toEqual([]);
  });

  it('an uncached entry is left alone (METHOD_ENTRY_CACHED gates the clone)', () => {
    const { vm } = makeVm();
    const O = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(O);
    vm.tree.defineClass(A);
    const top = vm.defineMethod(O, 0, plain);
    vm.defineMethod(A, 0, plain);
    expect(vm.mes.invalidated(top)).toBe(false);
    expect(vm.tree.lookupMethodTable(O, 0)).toBe(top);
    expect(vm.dc.get('cc_invalidate_tree')).toBe(1);
    expect(vm.dc.get('cc_invalidate_tree_cme')).toBe(0);
  });

  it('redefine in an included module: the complemented cme is invalidated, not cloned', () => {
    const { vm, guild } = makeVm();
    const O = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(O);
    const M = vm.tree.defineModule();
    const ic = (vm.include(A, M), vm.tree.superOf(A));
    expect(vm.tree.ancestors(A)).toEqual([`C${A}`, `I${ic}(M${M})`, `C${O}`]);
    const mBar = vm.defineMethod(M, 1, plain);
    const s = site(vm, 0, 1);
    expect(guild.call(s, A)).toBe(vm.mes.body(mBar));
    const complemented = vm.ccs.cme(cdCc(vm, s));
    expect(vm.mes.complemented(complemented)).toBe(true);
    const mBar2 = vm.defineMethod(M, 1, plain);
    expect(vm.mes.invalidated(complemented)).toBe(true);
    expect(vm.dc.get('cc_invalidate_tree_callable')).toBe(1);
    expect(vm.tree.lookupMethodTable(M, 1)).toBe(mBar2);
    expect(guild.call(s, A)).toBe(vm.mes.body(mBar2));
  });

  it('remove_method: falls back to the superclass; removing what the class lacks is NameError (-ENOENT)', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const B = vm.tree.defineClass(A);
    const C = vm.tree.defineClass(B);
    const aFoo = vm.defineMethod(A, 0, plain);
    const bFoo = vm.defineMethod(B, 0, plain);
    const s = site(vm, 0, 0);
    expect(guild.call(s, C)).toBe(vm.mes.body(bFoo));
    expect(vm.removeMethod(B, 0)).toBe(0);
    expect(guild.call(s, C)).toBe(vm.mes.body(aFoo));
    expect(vm.removeMethod(B, 0)).toBe(-ENOENT);
    expect(vm.removeMethod(C, 0)).toBe(-ENOENT);
  });

  it('undef_method hides the ancestors\' method (method_missing) until it is defined again', () => {
    for (const design of ['ccs', 'serial-gmc'] as const) {
      const { vm, guild } = makeVm({ design });
      const O = vm.tree.defineClass(0);
      const A = vm.tree.defineClass(O);
      const B = vm.tree.defineClass(A);
      const top = vm.defineMethod(O, 0, plain);
      const s = site(vm, 0, 0);
      expect(guild.call(s, B)).toBe(vm.mes.body(top));
      expect(vm.undefMethod(A, 0)).toBe(0);
      expect(guild.call(s, B)).toBe(0);
      expect(guild.call(site(vm, 1, 0), O)).toBe(vm.mes.body(top));
      // Ruby: undef of what nothing defines, remove_method of an undef: NameError.
      expect(vm.undefMethod(A, 0)).toBe(-ENOENT);
      expect(vm.removeMethod(A, 0)).toBe(-ENOENT);
      expect(vm.undefMethod(B, 7)).toBe(-ENOENT);
      const again = vm.defineMethod(A, 0, plain);
      expect(guild.call(s, B)).toBe(vm.mes.body(again));
    }
  });

  it('method_missing, then define: the empty CC never hits, so the next call finds the new method', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const s = site(vm, 0, 5);
    expect(guild.call(s, A)).toBe(0);
    expect(guild.call(s, A)).toBe(0);
    expect(cdCc(vm, s)).toBe(EMPTY_CC);
    expect(vm.dc.get('method_missing')).toBe(2);
    expect(vm.dc.get('search_method')).toBe(2);
    const m = vm.defineMethod(A, 5, plain);
    expect(guild.call(s, A)).toBe(vm.mes.body(m));
  });

  it('throws on a class that does not exist (API misuse), names it', () => {
    const { vm } = makeVm();
    vm.tree.defineClass(0);
    expect(() => vm.defineMethod(9, 0, plain)).toThrow(/class 9 does not exist/);
    expect(() => vm.defineMethod(1, 99, plain)).toThrow(/mid 99/);
    expect(() => vm.defineCallSite(0, 99, 0, 0, [1])).toThrow(/mid 99 is not a method id/);
    expect(() => vm.defineCallSite(0, 0, 1 << 15, 0, [1])).toThrow(/embedded call info/);
    expect(() => vm.defineCallSite(99, 0, 0, 0, [1])).toThrow(/call site 99/);
  });
});

describe('negative cache (Ruby 3.0, beyond the seed)', () => {
  it('remembers "no such method" per class; defining the mid in an ancestor invalidates it', () => {
    const { vm, guild } = makeVm({ negativeCache: true });
    const O = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(O);
    const s = site(vm, 0, 5);
    guild.call(s, A);
    guild.call(s, A);
    expect(vm.dc.get('search_method')).toBe(1);
    const neg = vm.pcmc.negativeCmeOf(5);
    expect(neg).not.toBe(0);
    const m = vm.defineMethod(O, 5, plain);
    expect(vm.dc.get('cc_invalidate_negative')).toBe(1);
    expect(vm.mes.invalidated(neg)).toBe(true);
    expect(guild.call(s, A)).toBe(vm.mes.body(m));
  });

  it('CRuby wins over SPEC ("invalidated by defining mid anywhere"): an unrelated leaf class leaves it alone', () => {
    const { vm, guild } = makeVm({ negativeCache: true });
    const O = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(O);
    const B = vm.tree.defineClass(O);
    guild.call(site(vm, 0, 5), A);
    const neg = vm.pcmc.negativeCmeOf(5);
    // clear_method_cache_by_id_in_class(B) is the leaf branch, and B cached nothing for m5.
    vm.defineMethod(B, 5, plain);
    expect(vm.mes.invalidated(neg)).toBe(false);
    expect(guild.call(site(vm, 1, 5), A)).toBe(0);
    expect(vm.dc.get('search_method')).toBe(1);
  });

  it('caches an undef entry itself (CACHED), so defining the method where the undef stands invalidates it', () => {
    const { vm, guild } = makeVm({ negativeCache: true });
    const O = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(O);
    const B = vm.tree.defineClass(A);
    vm.defineMethod(O, 3, plain);
    vm.undefMethod(A, 3);
    const s = site(vm, 0, 3);
    expect(guild.call(s, B)).toBe(0);
    const undef = vm.tree.lookupMethodTable(A, 3);
    expect(vm.pcmc.ccsCme(vm.pcmc.ccsOf(B, 3))).toBe(undef);
    expect(vm.mes.cached(undef)).toBe(true);
    const m = vm.defineMethod(A, 3, plain);
    expect(vm.mes.invalidated(undef)).toBe(true);
    expect(guild.call(s, B)).toBe(vm.mes.body(m));
  });

  it('defining the mid in the leaf class that cached the negative answer invalidates it too', () => {
    const { vm, guild } = makeVm({ negativeCache: true });
    const A = vm.tree.defineClass(0);
    const s = site(vm, 0, 5);
    guild.call(s, A);
    const m = vm.defineMethod(A, 5, plain);
    expect(vm.dc.get('cc_invalidate_negative')).toBe(1);
    expect(guild.call(s, A)).toBe(vm.mes.body(m));
  });
});
