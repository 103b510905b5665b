/**
 * What a lookup means apart from any cache (src/ruby/method_lookup.ts), entry type by entry
 * type, as vm_method.c and vm_insnhelper.c resolve them: UNDEF ends the search; ZSUPER
 * (a visibility change of an inherited method) runs the superclass's method with its own
 * visibility, searched on from the record it was found in; REFINED with no refinement
 * active runs its original, or (none) the superclass's method, with that one's visibility;
 * and the answer's packing (entry << 2 | visibility), its key (def serial * 4 + visibility),
 * and a call's outcome for each visibility, with and without FCALL, and each arity.
 */
import { describe, expect, it } from 'vitest';
import { CALL_ARGUMENT_ERROR, CALL_METHOD_MISSING } from '../src/ruby/call_handler.js';
import { VM_CALL_ARGS_SIMPLE, VM_CALL_FCALL, vm_ci_pack } from '../src/ruby/call_info.js';
import { ME_DEF_SERIAL, VM_METHOD_TYPE_REFINED, VM_METHOD_TYPE_UNDEF, VM_METHOD_TYPE_ZSUPER } from '../src/ruby/layout.js';
import { answerKey, callOutcome, lookupAnswer, resolveMethod, visiCode, visibleEntry } from '../src/ruby/method_lookup.js';
import { makeVm, plain } from './ruby-helpers.js';

const CALL = vm_ci_pack(0, VM_CALL_ARGS_SIMPLE);
const FCALL = vm_ci_pack(0, VM_CALL_ARGS_SIMPLE | VM_CALL_FCALL);

describe('visiCode, answerKey, callOutcome', () => {
  it('visibility codes: public 0, private 1, protected 2', () => {
    const { vm } = makeVm();
    const A = vm.tree.defineClass(0);
    const pub = vm.defineMethod(A, 0, plain);
    const priv = vm.defineMethod(A, 1, { ...plain, private: true });
    const prot = vm.defineMethod(A, 2, { ...plain, protected: true });
    expect([visiCode(vm.mes, pub), visiCode(vm.mes, priv), visiCode(vm.mes, prot)]).toEqual([0, 1, 2]);
    expect(lookupAnswer(vm.tree, vm.mes, A, 0)).toBe(pub << 2);
    expect(lookupAnswer(vm.tree, vm.mes, A, 1)).toBe((priv << 2) | 1);
    expect(lookupAnswer(vm.tree, vm.mes, A, 2)).toBe((prot << 2) | 2);
  });

  it("answerKey: 0 for no method, else the definition's serial * 4 + the visibility (an alias keys as its original)", () => {
    const { vm } = makeVm();
    const A = vm.tree.defineClass(0);
    const priv = vm.defineMethod(A, 1, { ...plain, private: true });
    expect(vm.alias(A, 3, 1)).toBe(0);
    const serial = vm.mes.field(priv, ME_DEF_SERIAL);
    expect(serial).toBeGreaterThan(0);
    expect(answerKey(vm.mes, 0)).toBe(0);
    expect(answerKey(vm.mes, (priv << 2) | 1)).toBe(serial * 4 + 1);
    expect(answerKey(vm.mes, priv << 2)).toBe(serial * 4);
    expect(answerKey(vm.mes, lookupAnswer(vm.tree, vm.mes, A, 3))).toBe(serial * 4 + 1);
  });

  it('callOutcome: no method and a private or protected one without FCALL are method_missing; FCALL runs them; a wrong argc is ArgumentError', () => {
    const { vm } = makeVm();
    const A = vm.tree.defineClass(0);
    const pub = vm.defineMethod(A, 0, { ...plain, req: 1 });
    const priv = vm.defineMethod(A, 1, { ...plain, private: true });
    const prot = vm.defineMethod(A, 2, { ...plain, protected: true });
    const body = (me: number) => vm.mes.field(me, ME_DEF_SERIAL);
    expect(callOutcome(vm.mes, 0, FCALL)).toBe(CALL_METHOD_MISSING);
    expect(callOutcome(vm.mes, pub << 2, vm_ci_pack(1, VM_CALL_ARGS_SIMPLE))).toBe(body(pub));
    expect(callOutcome(vm.mes, pub << 2, CALL)).toBe(CALL_ARGUMENT_ERROR);
    expect(callOutcome(vm.mes, pub << 2, vm_ci_pack(2, VM_CALL_ARGS_SIMPLE))).toBe(CALL_ARGUMENT_ERROR);
    expect(callOutcome(vm.mes, (priv << 2) | 1, CALL)).toBe(CALL_METHOD_MISSING);
    expect(callOutcome(vm.mes, (priv << 2) | 1, FCALL)).toBe(body(priv));
    expect(callOutcome(vm.mes, (prot << 2) | 2, CALL)).toBe(CALL_METHOD_MISSING);
    expect(callOutcome(vm.mes, (prot << 2) | 2, FCALL)).toBe(body(prot));
    // A private method with the wrong argc: the visibility is checked first.
    expect(callOutcome(vm.mes, (priv << 2) | 1, vm_ci_pack(1, VM_CALL_ARGS_SIMPLE))).toBe(CALL_METHOD_MISSING);
    expect(callOutcome(vm.mes, (priv << 2) | 1, vm_ci_pack(1, VM_CALL_ARGS_SIMPLE | VM_CALL_FCALL))).toBe(CALL_ARGUMENT_ERROR);
  });
});

describe('resolveMethod and visibleEntry by entry type', () => {
  it('UNDEF: no method, though a superclass defines it', () => {
    const { vm } = makeVm();
    const P = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(P);
    vm.defineMethod(P, 0, plain);
    expect(vm.undefMethod(A, 0)).toBe(0);
    const me = vm.tree.searchMethod(A, 0);
    expect(vm.mes.type(me)).toBe(VM_METHOD_TYPE_UNDEF);
    expect(resolveMethod(vm.tree, vm.mes, me, A, 0)).toBe(0);
    expect(lookupAnswer(vm.tree, vm.mes, A, 0)).toBe(0);
    expect(lookupAnswer(vm.tree, vm.mes, P, 5)).toBe(0);
  });

  it("ZSUPER chains: each is searched on from where it was found; the visibility is the first entry's", () => {
    const { vm } = makeVm();
    const P = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(P);
    const B = vm.tree.defineClass(A);
    const C = vm.tree.defineClass(B);
    const foo = vm.defineMethod(P, 0, plain);
    expect(vm.setVisibility(A, 0, 'private')).toBe(0);
    expect(vm.setVisibility(B, 0, 'protected')).toBe(0);
    expect(vm.setVisibility(C, 0, 'public')).toBe(0);
    const zc = vm.tree.lookupMethodTable(C, 0);
    const zb = vm.tree.lookupMethodTable(B, 0);
    expect(vm.mes.type(zc)).toBe(VM_METHOD_TYPE_ZSUPER);
    expect(vm.mes.type(zb)).toBe(VM_METHOD_TYPE_ZSUPER);
    expect(resolveMethod(vm.tree, vm.mes, zc, C, 0)).toBe(foo);
    expect(visibleEntry(vm.tree, vm.mes, zc, C, 0)).toBe(zc);
    expect(lookupAnswer(vm.tree, vm.mes, C, 0)).toBe(foo << 2);
    expect(lookupAnswer(vm.tree, vm.mes, B, 0)).toBe((foo << 2) | 2);
    expect(lookupAnswer(vm.tree, vm.mes, A, 0)).toBe((foo << 2) | 1);
    expect(lookupAnswer(vm.tree, vm.mes, P, 0)).toBe(foo << 2);
  });

  it('ZSUPER found in an iclass: the search goes on above the iclass', () => {
    const { vm } = makeVm();
    const P = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(P);
    const M = vm.tree.defineModule();
    const foo = vm.defineMethod(P, 0, plain);
    vm.defineMethod(M, 0, plain);
    expect(vm.include(A, M)).toBe(0);
    // M's own entry replaced by a ZSUPER one (private :foo of a method M does not define would be NameError).
    expect(vm.removeMethod(M, 0)).toBe(0);
    const z = vm.mes.create(0, M, 0, { type: VM_METHOD_TYPE_ZSUPER, private: true });
    vm.tree.setMethodEntry(M, 0, z);
    const iclass = vm.tree.superOf(A);
    expect(vm.tree.searchMethod(A, 0)).toBe(z);
    expect(vm.tree.definedClass).toBe(iclass);
    expect(resolveMethod(vm.tree, vm.mes, z, iclass, 0)).toBe(foo);
    expect(lookupAnswer(vm.tree, vm.mes, A, 0)).toBe((foo << 2) | 1);
  });

  it('ZSUPER or REFINED with no original in a root class: nothing runs (a private ZSUPER too), and the REFINED one has no visible entry', () => {
    const { vm } = makeVm();
    const A = vm.tree.defineClass(0);
    const z = vm.mes.create(0, A, A, { type: VM_METHOD_TYPE_ZSUPER, private: true });
    vm.tree.setMethodEntry(A, 0, z);
    expect(resolveMethod(vm.tree, vm.mes, z, A, 0)).toBe(0);
    expect(visibleEntry(vm.tree, vm.mes, z, A, 0)).toBe(z);
    expect(lookupAnswer(vm.tree, vm.mes, A, 0)).toBe(0);
    const r = vm.refine(A, 1);
    expect(vm.mes.type(r)).toBe(VM_METHOD_TYPE_REFINED);
    expect(resolveMethod(vm.tree, vm.mes, r, A, 1)).toBe(0);
    expect(visibleEntry(vm.tree, vm.mes, r, A, 1)).toBe(0);
    expect(lookupAnswer(vm.tree, vm.mes, A, 1)).toBe(0);
  });

  it("REFINED with an original: the original's body and visibility", () => {
    const { vm } = makeVm();
    const P = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(P);
    vm.defineMethod(P, 0, plain);
    const foo = vm.defineMethod(A, 0, { ...plain, protected: true });
    const r = vm.refine(A, 0);
    expect(resolveMethod(vm.tree, vm.mes, r, A, 0)).toBe(foo);
    expect(visibleEntry(vm.tree, vm.mes, r, A, 0)).toBe(foo);
    expect(lookupAnswer(vm.tree, vm.mes, A, 0)).toBe((foo << 2) | 2);
  });

  it("REFINED with no original: the superclass's method, with its visibility; through a ZSUPER original, the ZSUPER's visibility", () => {
    const { vm } = makeVm();
    const Q = vm.tree.defineClass(0);
    const P = vm.tree.defineClass(Q);
    const A = vm.tree.defineClass(P);
    const foo = vm.defineMethod(Q, 0, { ...plain, private: true });
    expect(vm.setVisibility(P, 0, 'protected')).toBe(0);
    const r = vm.refine(A, 0);
    // From A: REFINED (no original) -> P's ZSUPER (protected) -> Q's foo.
    expect(resolveMethod(vm.tree, vm.mes, r, A, 0)).toBe(foo);
    const zp = vm.tree.lookupMethodTable(P, 0);
    expect(visibleEntry(vm.tree, vm.mes, r, A, 0)).toBe(zp);
    expect(lookupAnswer(vm.tree, vm.mes, A, 0)).toBe((foo << 2) | 2);
    // A REFINED entry above another REFINED one with no original: both passed, the search goes on from the second's record.
    const r2 = vm.refine(P, 1);
    vm.defineMethod(Q, 1, { ...plain, protected: true });
    const r1 = vm.refine(A, 1);
    expect(vm.mes.type(r2)).toBe(VM_METHOD_TYPE_REFINED);
    const q1 = vm.tree.lookupMethodTable(Q, 1);
    expect(resolveMethod(vm.tree, vm.mes, r1, A, 1)).toBe(q1);
    expect(visibleEntry(vm.tree, vm.mes, r1, A, 1)).toBe(q1);
    expect(lookupAnswer(vm.tree, vm.mes, A, 1)).toBe((q1 << 2) | 2);
  });

  it('a cyclic ancestry (a corrupt tree) of ZSUPER or REFINED entries ends after capacity hops with 0, not in a loop', () => {
    const { vm } = makeVm({ capacity: 8 });
    const t = vm.tree;
    const A = t.defineClass(0);
    const B = t.defineClass(A);
    for (const [k, mid, type] of [[A, 0, VM_METHOD_TYPE_ZSUPER], [B, 0, VM_METHOD_TYPE_ZSUPER], [A, 1, VM_METHOD_TYPE_REFINED], [B, 1, VM_METHOD_TYPE_REFINED]] as const) {
      t.setMethodEntry(k, mid, vm.mes.create(mid, k, k, { type }));
    }
    t.rb_class_set_super(A, B);
    const z = t.lookupMethodTable(B, 0);
    const r = t.lookupMethodTable(B, 1);
    expect(resolveMethod(t, vm.mes, z, B, 0)).toBe(0);
    expect(resolveMethod(t, vm.mes, r, B, 1)).toBe(0);
    expect(visibleEntry(t, vm.mes, r, B, 1)).toBe(0);
    expect(visibleEntry(t, vm.mes, z, B, 0)).toBe(z);
  });
});
