import { describe, expect, it } from 'vitest';
import { EINVAL } from '../src/errors.js';
import { CALL_ARGUMENT_ERROR, CALL_METHOD_MISSING } from '../src/ruby/call_handler.js';
import { VM_CALL_ARGS_SIMPLE, VM_CALL_FCALL } from '../src/ruby/call_info.js';
import { VM_METHOD_TYPE_ZSUPER } from '../src/ruby/layout.js';
import { cdCc, makeVm, plain, site } from './ruby-helpers.js';

describe('include after a call site cached the superclass method (include_modules_at)', () => {
  for (const skip of [undefined, 'include'] as const) {
    it(skip ? 'include-no-invalidate (the old bug): the cached A#foo keeps running' : 'clears the superclass cache for every method of the module', () => {
      const { vm, guild } = makeVm({ skipInvalidation: skip });
      const A = vm.tree.defineClass(0);
      const B = vm.tree.defineClass(A);
      const M = vm.tree.defineModule();
      const aFoo = vm.defineMethod(A, 0, plain);
      const mFoo = vm.defineMethod(M, 0, plain);
      const s = site(vm, 0, 0);
      expect(guild.call(s, B)).toBe(vm.mes.body(aFoo));
      expect(vm.include(B, M)).toBe(0);
      const fresh = site(vm, 1, 0);
      if (skip) {
        // Both the site's CC and the pCMC entry a fresh site would take are stale.
        expect(guild.call(s, B)).toBe(vm.mes.body(aFoo));
        expect(guild.call(fresh, B)).toBe(vm.mes.body(aFoo));
        return;
      }
      expect(vm.dc.get('include_invalidate')).toBe(1);
      expect(vm.dc.get('cc_invalidate_tree_cme')).toBe(1);
      expect(vm.mes.invalidated(aFoo)).toBe(true);
      expect(guild.call(s, B)).toBe(vm.mes.body(mFoo));
      expect(guild.call(fresh, B)).toBe(vm.mes.body(mFoo));
      // A itself still runs its own method, through the clone.
      expect(guild.call(site(vm, 2, 0), A)).toBe(vm.mes.body(aFoo));
      expect(vm.audit()).toEqual([]);
    });
  }

  it('into a root class with the negative cache: the "no such method" answers for the module\'s methods end', () => {
    const { vm, guild } = makeVm({ negativeCache: true });
    const R = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(R);
    const M = vm.tree.defineModule();
    const mFoo = vm.defineMethod(M, 3, plain);
    const s = site(vm, 0, 3);
    expect(guild.call(s, A)).toBe(CALL_METHOD_MISSING);
    expect(guild.call(s, A)).toBe(CALL_METHOD_MISSING);
    // CRuby clears nothing here (no superclass above the insertion point); the model's
    // negative cache serves calls, so the class itself is cleared.
    vm.include(R, M);
    expect(vm.dc.get('cc_invalidate_negative')).toBe(1);
    expect(guild.call(s, A)).toBe(vm.mes.body(mFoo));
  });

  it('leaves methods the module does not define alone', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const B = vm.tree.defineClass(A);
    const M = vm.tree.defineModule();
    const aBar = vm.defineMethod(A, 1, plain);
    vm.defineMethod(M, 0, plain);
    const s = site(vm, 0, 1);
    guild.call(s, B);
    const cc = cdCc(vm, s);
    vm.include(B, M);
    expect(vm.mes.invalidated(aBar)).toBe(false);
    expect(guild.call(s, B)).toBe(vm.mes.body(aBar));
    expect(cdCc(vm, s)).toBe(cc);
    expect(vm.dc.get('mc_inline_hit')).toBe(1);
  });
});

describe('what a call returns (vm_call_method_missing, argument_arity_error)', () => {
  it('a private method with a receiver is method_missing, with FCALL it runs; a wrong argc is ArgumentError', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const priv = vm.defineMethod(A, 0, { type: 0, req: 0, private: true });
    vm.defineMethod(A, 1, { type: 0, req: 1 });
    const recv = site(vm, 0, 0);
    const fcall = site(vm, 1, 0, 0, VM_CALL_ARGS_SIMPLE | VM_CALL_FCALL);
    const arity = site(vm, 2, 1, 2);
    for (let i = 0; i < 2; i++) {
      expect(guild.call(recv, A)).toBe(CALL_METHOD_MISSING);
      expect(guild.call(fcall, A)).toBe(vm.mes.body(priv));
      expect(guild.call(arity, A)).toBe(CALL_ARGUMENT_ERROR);
    }
    expect(vm.dc.get('mc_inline_hit')).toBe(3);
    expect(vm.dc.get('argument_error')).toBe(2);
  });
});

describe('prepend (ensure_origin, rb_prepend_module)', () => {
  for (const skip of [undefined, 'prepend'] as const) {
    it(skip ? 'prepend-no-invalidate: the cached C#foo keeps running' : "moves the class's methods to an origin and clears the class's cache for the module's methods", () => {
      const { vm, guild } = makeVm({ skipInvalidation: skip });
      const O = vm.tree.defineClass(0);
      const C = vm.tree.defineClass(O);
      const M = vm.tree.defineModule();
      const cFoo = vm.defineMethod(C, 0, plain);
      const cBar = vm.defineMethod(C, 1, plain);
      const mFoo = vm.defineMethod(M, 0, plain);
      const s = site(vm, 0, 0);
      const bar = site(vm, 1, 1);
      expect(guild.call(s, C)).toBe(vm.mes.body(cFoo));
      guild.call(bar, C);
      expect(vm.prepend(C, M)).toBe(0);
      const origin = vm.tree.origin(C);
      expect(vm.tree.ancestors(C)).toEqual([`C${C}`, `I${origin + 1}(M${M})`, `O${origin}(C${C})`, `C${O}`]);
      expect(vm.tree.lookupMethodTable(C, 0)).toBe(0);
      expect(vm.tree.lookupMethodTable(origin, 0)).toBe(cFoo);
      if (skip) {
        expect(guild.call(s, C)).toBe(vm.mes.body(cFoo));
        return;
      }
      expect(vm.dc.get('origin_new')).toBe(1);
      expect(vm.dc.get('prepend_invalidate')).toBe(1);
      expect(guild.call(s, C)).toBe(vm.mes.body(mFoo));
      // The methods the module does not define keep their CCs: same entry, now in the origin.
      expect(guild.call(bar, C)).toBe(vm.mes.body(cBar));
      expect(vm.dc.get('mc_inline_hit')).toBe(1);
      // A method defined in C after the prepend goes to the origin, below the module.
      const cFoo2 = vm.defineMethod(C, 0, plain);
      expect(vm.tree.lookupMethodTable(origin, 0)).toBe(cFoo2);
      expect(guild.call(s, C)).toBe(vm.mes.body(mFoo));
      expect(vm.audit()).toEqual([]);
    });
  }

  it('a subclass that cached the class method sees the module after a prepend', () => {
    const { vm, guild } = makeVm();
    const C = vm.tree.defineClass(0);
    const D = vm.tree.defineClass(C);
    const M = vm.tree.defineModule();
    const cFoo = vm.defineMethod(C, 0, plain);
    const mFoo = vm.defineMethod(M, 0, plain);
    const s = site(vm, 0, 0);
    expect(guild.call(s, D)).toBe(vm.mes.body(cFoo));
    vm.prepend(C, M);
    expect(vm.mes.invalidated(cFoo)).toBe(true);
    expect(guild.call(s, D)).toBe(vm.mes.body(mFoo));
  });

  it('cyclic prepend and include are ArgumentError (-EINVAL); prepending twice is a no-op', () => {
    const { vm } = makeVm();
    const C = vm.tree.defineClass(0);
    const M = vm.tree.defineModule();
    const N = vm.tree.defineModule();
    expect(vm.include(M, N)).toBe(0);
    expect(vm.include(N, M)).toBe(-EINVAL);
    expect(vm.prepend(C, M)).toBe(0);
    const n = vm.tree.ancestors(C).length;
    expect(vm.prepend(C, M)).toBe(0);
    expect(vm.tree.ancestors(C).length).toBe(n);
    expect(vm.prepend(N, M)).toBe(-EINVAL);
    expect(() => vm.prepend(vm.tree.origin(C), N)).toThrow(/is an iclass/);
  });
});

describe('include into a module that classes already include (rb_include_module on a module)', () => {
  it('reaches every ancestry through the iclasses and invalidates what the new module shadows', () => {
    const { vm, guild } = makeVm();
    const O = vm.tree.defineClass(0);
    const C = vm.tree.defineClass(O);
    const D = vm.tree.defineClass(O);
    const M = vm.tree.defineModule();
    const N = vm.tree.defineModule();
    const oFoo = vm.defineMethod(O, 0, plain);
    vm.include(C, M);
    vm.include(D, M);
    const s = site(vm, 0, 0);
    expect(guild.call(s, C)).toBe(vm.mes.body(oFoo));
    const nFoo = vm.defineMethod(N, 0, plain);
    vm.include(M, N);
    expect(vm.tree.ancestors(C).map((n) => n.replace(/^I\d+/, 'I'))).toEqual([`C${C}`, `I(M${M})`, `I(M${N})`, `C${O}`]);
    expect(guild.call(s, C)).toBe(vm.mes.body(nFoo));
    expect(guild.call(s, D)).toBe(vm.mes.body(nFoo));
    // A class including M later gets N too (include_modules_at walks M's ancestry).
    const E = vm.tree.defineClass(O);
    vm.include(E, M);
    expect(guild.call(s, E)).toBe(vm.mes.body(nFoo));
    expect(vm.audit()).toEqual([]);
  });
});

describe('super (vm_search_super_method)', () => {
  it('searches from the superclass of the frame record; a module method sees one superclass per ancestry', () => {
    const { vm, guild } = makeVm();
    const O = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(O);
    const B = vm.tree.defineClass(O);
    const M = vm.tree.defineModule();
    const aFoo = vm.defineMethod(A, 0, plain);
    const bFoo = vm.defineMethod(B, 0, plain);
    const mFoo = vm.defineMethod(M, 0, plain);
    const A2 = vm.tree.defineClass(A);
    const B2 = vm.tree.defineClass(B);
    vm.include(A2, M);
    vm.include(B2, M);
    const s = site(vm, 0, 0);
    const sup = site(vm, 1, 0, 0, VM_CALL_ARGS_SIMPLE | VM_CALL_FCALL);
    expect(guild.call(s, A2)).toBe(vm.mes.body(mFoo));
    expect(guild.callSuper(sup, guild.frame())).toBe(vm.mes.body(aFoo));
    expect(guild.call(s, B2)).toBe(vm.mes.body(mFoo));
    expect(guild.callSuper(sup, guild.frame())).toBe(vm.mes.body(bFoo));
    // The super site's CC is keyed by the superclass record: B2's iclass of M has B above it.
    expect(vm.ccs.klass(cdCc(vm, sup))).toBe(B);
    // Redefining A#foo invalidates what the super site cached for A2's ancestry.
    const aFoo2 = vm.defineMethod(A, 0, plain);
    guild.call(s, A2);
    expect(guild.callSuper(sup, guild.frame())).toBe(vm.mes.body(aFoo2));
    // No superclass method: method_missing.
    guild.call(site(vm, 2, 0), O);
    expect(guild.callSuper(sup, guild.frame())).toBe(CALL_METHOD_MISSING);
  });

  it('super from a class that has a prepended module goes on from its origin', () => {
    const { vm, guild } = makeVm();
    const O = vm.tree.defineClass(0);
    const C = vm.tree.defineClass(O);
    const M = vm.tree.defineModule();
    const oFoo = vm.defineMethod(O, 0, plain);
    const cFoo = vm.defineMethod(C, 0, plain);
    vm.defineMethod(M, 0, plain);
    vm.prepend(C, M);
    const s = site(vm, 0, 0);
    const sup = site(vm, 1, 0);
    guild.call(s, C);
    expect(guild.callSuper(sup, guild.frame())).toBe(vm.mes.body(cFoo));
    expect(guild.callSuper(sup, guild.frame())).toBe(vm.mes.body(oFoo));
  });
});

describe('visibility after definition (rb_export_method), alias, refinements', () => {
  it("private :m on the class's own method invalidates; public :m in a subclass is a ZSUPER entry", () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const B = vm.tree.defineClass(A);
    const aFoo = vm.defineMethod(A, 0, plain);
    const s = site(vm, 0, 0);
    expect(guild.call(s, B)).toBe(vm.mes.body(aFoo));
    expect(vm.setVisibility(A, 0, 'private')).toBe(0);
    expect(guild.call(s, B)).toBe(CALL_METHOD_MISSING);
    expect(vm.setVisibility(B, 0, 'public')).toBe(0);
    expect(vm.mes.type(vm.tree.lookupMethodTable(B, 0))).toBe(VM_METHOD_TYPE_ZSUPER);
    expect(guild.call(s, B)).toBe(vm.mes.body(aFoo));
    expect(vm.dc.get('call_zsuper')).toBe(1);
    expect(guild.call(site(vm, 1, 0), A)).toBe(CALL_METHOD_MISSING);
    // The ZSUPER entry runs whatever the superclass has at the time of the call.
    const aFoo2 = vm.defineMethod(A, 0, { type: 0, req: 0, private: true });
    expect(guild.call(s, B)).toBe(vm.mes.body(aFoo2));
    expect(vm.setVisibility(B, 7, 'private')).toBe(-2);
  });

  it('protected: runs when self is a kind of the owner, method_missing otherwise (checked on every call)', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const B = vm.tree.defineClass(A);
    const X = vm.tree.defineClass(0);
    const foo = vm.defineMethod(A, 0, { type: 0, req: 0, protected: true });
    const s = site(vm, 0, 0);
    expect(guild.call(s, A, B)).toBe(vm.mes.body(foo));
    expect(guild.call(s, A, X)).toBe(CALL_METHOD_MISSING);
    expect(guild.call(s, B, A)).toBe(vm.mes.body(foo));
    expect(vm.dc.get('call_protected')).toBe(3);
  });

  it('alias keeps the old body; a REFINED entry is transparent while no refinement is used', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const B = vm.tree.defineClass(A);
    const foo = vm.defineMethod(A, 0, plain);
    expect(vm.alias(B, 1, 0)).toBe(0);
    vm.defineMethod(A, 0, plain);
    expect(guild.call(site(vm, 0, 1), B)).toBe(vm.mes.body(foo));
    expect(vm.alias(B, 2, 5)).toBe(-2);
    const s = site(vm, 1, 0);
    const before = guild.call(s, B);
    vm.refine(B, 0);
    expect(guild.call(s, B)).toBe(before);
    expect(vm.dc.get('call_refined')).toBe(1);
    const bFoo = vm.defineMethod(B, 0, plain);
    expect(guild.call(s, B)).toBe(vm.mes.body(bFoo));
    expect(vm.dc.get('call_refined')).toBe(2);
  });
});
