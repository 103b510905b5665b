import { describe, expect, it } from 'vitest';
import { ConfigError } from '../src/errors.js';
import { VM_CALL_ARGS_SIMPLE, VM_CALL_FCALL, VM_CALL_SUPER, vm_ci_argc, vm_ci_flag } from '../src/ruby/call_info.js';
import { ME_DEF_ARITY, S_CI, S_MID, VM_METHOD_TYPE_ISEQ, VM_METHOD_TYPE_IVAR } from '../src/ruby/layout.js';
import { buildProgram, checkParents, hotSite, programCapacity, randomDef, usualArity, type ProgramSpec } from '../src/ruby/program.js';
import type { Rng } from '../src/runtime/rng.js';
import { makeVm } from './ruby-helpers.js';

/** An Rng that always draws `f` from float() and `pick(n)` from below(n). */
const fixed = (f: number, pick: (n: number) => number = () => 0) => ({ float: () => f, below: pick }) as unknown as Rng;
/** float() always `f`; below(n) gives `picks` in turn (then 0), each capped at n - 1. */
const scripted = (f: number, picks: number[]) => {
  let i = 0;
  return fixed(f, (n) => Math.min(picks[i++] ?? 0, n - 1));
};

function built(spec: ProgramSpec, rng: Rng) {
  const { vm } = makeVm({ capacity: programCapacity(spec), mids: spec.mids, sites: spec.callsites });
  const info = buildProgram(vm, spec, rng);
  const t = vm.tree;
  const site = (s: number) => {
    const ci = vm.mem.load(vm.siteWord(s, S_CI));
    return { mid: vm.mem.load(vm.siteWord(s, S_MID)), argc: vm_ci_argc(ci), flag: vm_ci_flag(ci), receivers: Array.from({ length: vm.receivers(s) }, (_, i) => vm.receiver(s, i)) };
  };
  return { vm, t, info, site };
}

describe('program shape helpers', () => {
  it('programCapacity: the classes, and per module itself and its two iclasses', () => {
    expect(programCapacity({ classes: 10, depth: 3, modules: 4, mids: 2, callsites: 1 })).toBe(10 + 4 * 3);
    expect(programCapacity({ classes: 1, depth: 1, modules: 0, mids: 1, callsites: 1 })).toBe(1);
  });

  it('usualArity cycles 0, 1, 2 over the mids', () => {
    expect([0, 1, 2, 3, 4, 5].map(usualArity)).toEqual([0, 1, 2, 0, 1, 2]);
  });

  it('hotSite skews to low sites: floor(sites * r^3)', () => {
    expect([0, 0.5, 0.9, 0.99].map((r) => hotSite(100, r))).toEqual([0, 12, 72, 97]);
    expect(hotSite(8, 0.999)).toBe(7);
  });
});

describe('randomDef: mostly plain methods of the usual arity', () => {
  it('below 0.1 an attr_reader; from 0.1 an iseq method', () => {
    expect(randomDef(fixed(0.0999), 4)).toEqual({ type: VM_METHOD_TYPE_IVAR });
    expect(randomDef(fixed(0.1), 4)).toEqual({ type: VM_METHOD_TYPE_ISEQ, req: 1, opt: 1, private: false });
  });

  it('an optional argument below 0.3, the usual arity below 0.9, another from 0.9, private above 0.95', () => {
    const other = (n: number) => n - 1;
    expect(randomDef(fixed(0.2999, other), 5)).toEqual({ type: VM_METHOD_TYPE_ISEQ, req: 2, opt: 1, private: false });
    expect(randomDef(fixed(0.3, other), 5)).toEqual({ type: VM_METHOD_TYPE_ISEQ, req: 2, opt: 0, private: false });
    expect(randomDef(fixed(0.8999, other), 3)).toEqual({ type: VM_METHOD_TYPE_ISEQ, req: 0, opt: 0, private: false });
    expect(randomDef(fixed(0.9, other), 3)).toEqual({ type: VM_METHOD_TYPE_ISEQ, req: 2, opt: 0, private: false });
    expect(randomDef(fixed(0.95, other), 3)).toEqual({ type: VM_METHOD_TYPE_ISEQ, req: 2, opt: 0, private: false });
    expect(randomDef(fixed(0.9501, other), 3)).toEqual({ type: VM_METHOD_TYPE_ISEQ, req: 2, opt: 0, private: true });
  });
});

describe('checkParents: a user-given tree', () => {
  it('wants one parent per class 2..classes', () => {
    expect(() => checkParents([1, 1, 1], 3)).toThrow('--tree: 3 parents for 3 classes (allowed: 2 comma-separated parents, one per class 2..3)');
    expect(() => checkParents([1], 3)).toThrow(ConfigError);
  });

  it('wants each parent an integer class 1..classes other than the class itself', () => {
    const allowed = '(allowed: a class 1..4 other than itself)';
    expect(() => checkParents([1, 0, 1], 4)).toThrow(`--tree: class 3 has parent 0 ${allowed}`);
    expect(() => checkParents([1, 5, 1], 4)).toThrow(`--tree: class 3 has parent 5 ${allowed}`);
    expect(() => checkParents([1, 1.5, 1], 4)).toThrow(`--tree: class 3 has parent 1.5 ${allowed}`);
    expect(() => checkParents([2, 1, 1], 4)).toThrow(`--tree: class 2 has parent 2 ${allowed}`);
    expect(() => checkParents([4, 4, 1], 4)).not.toThrow();
    expect(() => checkParents([1], 2)).not.toThrow();
  });

  it('shows the first cycle found, from its start', () => {
    expect(() => checkParents([3, 2, 1], 4)).toThrow('--tree: C2 < C3 < C2 is a cycle (allowed: a tree rooted at class 1)');
    expect(() => checkParents([1, 4, 5, 3], 5)).toThrow('--tree: C3 < C4 < C5 < C3 is a cycle');
    // Met from class 2, which is not in it: the cycle alone is shown.
    expect(() => checkParents([3, 4, 3], 4)).toThrow('--tree: C3 < C4 < C3 is a cycle');
  });
});

describe('buildProgram', () => {
  it('creates parents before children whatever the order of the list, and returns the classes in creation order', () => {
    // C2 < C4 < C3 < C1: C3 first, then C4, then C2.
    const { t, info } = built({ classes: 4, depth: 3, modules: 0, mids: 1, callsites: 1, parents: [4, 1, 3] }, fixed(0.5));
    const [c1, c3, c4, c2] = info.classes;
    expect(info.classes.length).toBe(4);
    expect([t.superOf(c1), t.superOf(c3), t.superOf(c4), t.superOf(c2)]).toEqual([0, c1, c3, c4]);
    expect(info).toMatchObject({ modules: [], capacity: 4 });
  });

  it('all draws high: the root defines 3/4 of the mids (private, another arity), nothing else does; one monomorphic site per draw', () => {
    const spec = { classes: 4, depth: 2, modules: 1, mids: 4, callsites: 3, parents: [1, 1, 2] };
    const { vm, t, info, site } = built(spec, fixed(0.99, (n) => n - 1));
    const [root, , , last] = info.classes;
    // Both includes go to the last class: M once in its ancestry.
    expect(info.modules.length).toBe(1);
    expect(t.ancestors(last)).toEqual([`C${last}`, `I${t.superOf(last)}(M${info.modules[0]})`, `C${t.superOf(t.superOf(last))}`, `C${root}`]);
    for (let mid = 0; mid < 4; mid++) {
      const me = t.ownMethodEntry(root, mid);
      if (mid === 3) expect(me).toBe(0);
      else expect([vm.mes.type(me), vm.mes.field(me, ME_DEF_ARITY), vm.mes.visi(me) !== 0]).toEqual([VM_METHOD_TYPE_ISEQ, 2, true]);
    }
    for (const k of [...info.classes.slice(1), ...info.modules]) for (let mid = 0; mid < 4; mid++) expect(t.ownMethodEntry(k, mid)).toBe(0);
    for (let s = 0; s < 3; s++) expect(site(s)).toEqual({ mid: 3, argc: 2, flag: VM_CALL_ARGS_SIMPLE, receivers: [last] });
  });

  it('all draws low: every class but the root and every module defines every mid as an attr_reader; every site megamorphic, FCALL', () => {
    const spec = { classes: 3, depth: 2, modules: 1, mids: 4, callsites: 2, parents: [1, 2] };
    const { vm, t, info, site } = built(spec, fixed(0));
    const [root, ...rest] = info.classes;
    for (const k of [...rest, ...info.modules]) for (let mid = 0; mid < 4; mid++) expect(vm.mes.type(t.ownMethodEntry(k, mid))).toBe(VM_METHOD_TYPE_IVAR);
    // The root defines mids 0..2 (3/4 of 4, rounded up) and no more.
    expect([0, 1, 2, 3].map((mid) => t.ownMethodEntry(root, mid) !== 0)).toEqual([true, true, true, false]);
    for (let s = 0; s < 2; s++) expect(site(s)).toEqual({ mid: 0, argc: 0, flag: VM_CALL_ARGS_SIMPLE | VM_CALL_FCALL, receivers: Array(8).fill(root) });
    // A megamorphic site takes 8 + below(4) receivers: up to MAX_RECV (11).
    expect(built(spec, fixed(0, (n) => n - 1)).site(0).receivers.length).toBe(11);
  });

  it('other classes define a mid below 0.15 only; a site sends the usual arity below 0.95 and FCALL below 0.2', () => {
    const spec = { classes: 2, depth: 1, modules: 0, mids: 2, callsites: 1, parents: [1] };
    const at = (f: number) => built(spec, fixed(f, (n) => n - 1));
    const b = at(0.15);
    expect([0, 1].map((mid) => b.t.ownMethodEntry(b.info.classes[1], mid))).toEqual([0, 0]);
    // mid 1 (the last), usual arity 1.
    expect(at(0.9499).site(0)).toMatchObject({ mid: 1, argc: 1, flag: VM_CALL_ARGS_SIMPLE });
    expect(at(0.95).site(0)).toMatchObject({ mid: 1, argc: 2 });
    expect(at(0.1999).site(0).flag).toBe(VM_CALL_ARGS_SIMPLE | VM_CALL_FCALL);
    expect(at(0.2).site(0).flag).toBe(VM_CALL_ARGS_SIMPLE);
  });

  it('includes each module into two classes other than the root', () => {
    const spec = { classes: 4, depth: 1, modules: 1, mids: 1, callsites: 1, parents: [1, 1, 1] };
    const { t, info } = built(spec, scripted(0.99, [0, 1, 2]));
    const m = `M${info.modules[0]}`;
    expect(info.classes.map((k) => t.ancestors(k).some((a) => a.includes(m)))).toEqual([false, true, true, false]);
  });

  it('super sites: `super` with the usual arity in a method of one class (SUPER | FCALL)', () => {
    const spec = { classes: 2, depth: 1, modules: 0, mids: 3, callsites: 2, parents: [1], superSites: 0.5 };
    const { info, site } = built(spec, fixed(0.4999, (n) => n - 1));
    expect(site(1).flag).toBe(VM_CALL_ARGS_SIMPLE | VM_CALL_FCALL | VM_CALL_SUPER);
    expect(built(spec, fixed(0.5)).site(0).flag).toBe(VM_CALL_ARGS_SIMPLE);
    expect(site(0)).toEqual({ mid: 2, argc: 2, flag: VM_CALL_ARGS_SIMPLE | VM_CALL_FCALL | VM_CALL_SUPER, receivers: [info.classes[1]] });
  });

  it('site mix at the boundaries: megamorphic below 0.02, polymorphic (2..4) below 0.02 + 0.08, else one receiver', () => {
    const spec = { classes: 2, depth: 1, modules: 0, mids: 1, callsites: 1, parents: [1] };
    const n = (f: number, over: Partial<ProgramSpec> = {}) => built({ ...spec, ...over }, fixed(f, (k) => (k === 2 ? 1 : 0))).site(0).receivers.length;
    expect([n(0.0199), n(0.02), n(0.0999), n(0.1)]).toEqual([8, 2, 2, 1]);
    expect([n(0.29, { polymorphic: 0.1, megamorphic: 0.2 }), n(0.31, { polymorphic: 0.1, megamorphic: 0.2 }), n(0.19, { megamorphic: 0.2 })]).toEqual([2, 1, 8]);
  });

  it('a random tree: at or above 0.5 a child of the newest class while that has room, else of a class with room', () => {
    const depths = (f: number) => {
      const { t, info } = built({ classes: 7, depth: 2, modules: 0, mids: 1, callsites: 1 }, fixed(f));
      return info.classes.map((k) => t.ancestors(k).length - 1);
    };
    // Parents 1, 2, (3 is full) 1, 4, (5 is full) 1, 6: depths 1 2 1 2 1 2, created by depth.
    expect(depths(0.5)).toEqual([0, 1, 1, 1, 2, 2, 2]);
    // Below 0.5 every draw picks class 1.
    expect(depths(0.4999)).toEqual([0, 1, 1, 1, 1, 1, 1]);
  });

  it('a random tree draws again while the class drawn is full', () => {
    // Class 3: the newest (2) is full at depth 1; the first draw is 2 again, the second 1.
    const { t, info } = built({ classes: 3, depth: 1, modules: 0, mids: 1, callsites: 1 }, scripted(0.5, [1, 0]));
    expect(info.classes.map((k) => t.superOf(k))).toEqual([0, info.classes[0], info.classes[0]]);
  });
});
