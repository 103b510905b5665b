/**
 * Refinements (src/ruby/refinement.ts: rb_using_refinement's cref list, search_refined_method)
 * at their edges: the image's words, the scope bounds (0 is the top level, 15 the last), the
 * seven refinements a scope holds, the order a `using` leaves (its own first, the earlier
 * ones after it, none twice), and which refinement search_refined_method takes: the first
 * active one that refines the entry's owner and defines the method (an undef does not count).
 */
import { describe, expect, it } from 'vitest';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { VM_CALL_ARGS_SIMPLE } from '../src/ruby/call_info.js';
import { CREF_SCOPES, Refinements } from '../src/ruby/refinement.js';
import { makeVm, plain, site, thrown } from './ruby-helpers.js';

/** The refinements active in `scope`, latest `using` first. */
function active(r: Refinements, mem: AtomicsMem, scope: number): number[] {
  const base = r.ref.scopes + scope * 8;
  return Array.from({ length: mem.load(base) }, (_, i) => mem.load(base + 1 + i));
}

/** A VM with class A (refined) and B, and `n` refinements of A, each defining mid 0 (R[i] returns the entries too). */
function refined(n: number) {
  const { vm, guild } = makeVm({ capacity: 32 });
  const A = vm.tree.defineClass(0);
  const B = vm.tree.defineClass(0);
  const orig = vm.defineMethod(A, 0, plain);
  const R: number[] = [];
  const me: number[] = [];
  for (let i = 0; i < n; i++) {
    R.push(vm.newRefinement(A));
    me.push(vm.defineMethod(R[i], 0, plain));
  }
  const entry = vm.refine(A, 0);
  return { vm, guild, A, B, orig, R, me, entry };
}

describe('Refinements: the image and the scopes', () => {
  it('an image of exactly Refinements.words holds the site scopes and the 16 scopes of 8 words', () => {
    for (const sites of [1, 16, 100]) {
      const arena = Arena.create(Refinements.words(sites) * 4);
      const ref = Refinements.create(arena, sites);
      expect(arena.region('ruby.cref.sites').bytes).toBe(sites * 4);
      expect(arena.region('ruby.cref.scopes').bytes).toBe(CREF_SCOPES * 8 * 4);
      expect(ref.scopes - ref.siteScopes).toBeGreaterThanOrEqual(sites);
      const mem = new AtomicsMem(arena.sab);
      // The last scope's last word is inside the image.
      mem.store(ref.scopes + CREF_SCOPES * 8 - 1, 7);
      expect(mem.load(ref.scopes + CREF_SCOPES * 8 - 1)).toBe(7);
    }
    expect(CREF_SCOPES).toBe(16);
  });

  it('scopes are 0..15: -1, 16 and a fraction are refused; using in scope 0 (the top level) is refused; 15 is a scope', () => {
    const { vm, R } = refined(1);
    const r = vm.refinements;
    r.setSiteScope(0, 0);
    r.setSiteScope(1, 15);
    for (const bad of [-1, 16, 1.5]) {
      expect(thrown(() => r.setSiteScope(0, bad))).toBe(`E_USAGE: scope ${bad} does not exist (0..15)`);
      expect(thrown(() => vm.using(bad, R))).toBe(`E_USAGE: scope ${bad} does not exist (0..15)`);
    }
    expect(thrown(() => vm.using(0, R))).toBe('E_USAGE: scope 0 is the top level of the model: use a scope 1..15');
    vm.using(15, R);
    expect(active(r, vm.mem as AtomicsMem, 15)).toEqual(R);
    expect(active(r, vm.mem as AtomicsMem, 14)).toEqual([]);
    // The lock was released after each refusal.
    vm.using(1, R);
  });

  it('using: its refinements first, in its order, then those active before that it does not name; at most 7', () => {
    const { vm, R } = refined(8);
    const mem = vm.mem as AtomicsMem;
    const r = vm.refinements;
    vm.using(3, [R[0], R[1]]);
    expect(active(r, mem, 3)).toEqual([R[0], R[1]]);
    vm.using(3, [R[2], R[1]]);
    expect(active(r, mem, 3)).toEqual([R[2], R[1], R[0]]);
    vm.using(3, [R[0]]);
    expect(active(r, mem, 3)).toEqual([R[0], R[2], R[1]]);
    vm.using(3, [R[3], R[4], R[5], R[6]]);
    expect(active(r, mem, 3)).toEqual([R[3], R[4], R[5], R[6], R[0], R[2], R[1]]);
    // Seven is the most; an eighth is refused and the list is left as it was.
    expect(thrown(() => vm.using(3, [R[7]]))).toBe('E_USAGE: more than 7 refinements active in scope 3');
    expect(active(r, mem, 3)).toEqual([R[3], R[4], R[5], R[6], R[0], R[2], R[1]]);
    // Naming one already active moves it to the front without growing the list.
    vm.using(3, [R[1]]);
    expect(active(r, mem, 3)).toEqual([R[1], R[3], R[4], R[5], R[6], R[0], R[2]]);
    expect(active(r, mem, 2)).toEqual([]);
    expect(active(r, mem, 4)).toEqual([]);
  });
});

describe('search_refined_method', () => {
  it('the first active refinement that defines the method wins; a site at the top level, or in another scope, gets none', () => {
    const { vm, guild, R, me, entry } = refined(3);
    vm.using(2, [R[1], R[0]]);
    site(vm, 0, 0);
    vm.defineCallSite(1, 0, 0, VM_CALL_ARGS_SIMPLE, [1], 2);
    vm.defineCallSite(2, 0, 0, VM_CALL_ARGS_SIMPLE, [1], 5);
    const r = vm.refinements;
    r.rec = -1;
    expect(r.search(vm.tree, vm.mes, 0, entry, 0)).toBe(0);
    expect(r.rec).toBe(-1);
    expect(r.search(vm.tree, vm.mes, 1, entry, 0)).toBe(me[1]);
    expect(r.rec).toBe(R[1]);
    expect(r.search(vm.tree, vm.mes, 2, entry, 0)).toBe(0);
    expect(guild.call(1, 1)).toBe(vm.mes.body(me[1]));
    vm.using(2, [R[0]]);
    expect(r.search(vm.tree, vm.mes, 1, entry, 0)).toBe(me[0]);
    expect(r.rec).toBe(R[0]);
  });

  it("a refinement of another class, or one that does not define the method, or undefines it, is passed over", () => {
    const { vm, A, B, R, me, entry } = refined(2);
    const ofB = vm.newRefinement(B);
    vm.defineMethod(ofB, 0, plain);
    const bare = vm.newRefinement(A);
    vm.defineMethod(bare, 1, plain);
    const undef = vm.newRefinement(A);
    vm.defineMethod(undef, 0, plain);
    expect(vm.undefMethod(undef, 0)).toBe(0);
    vm.using(1, [ofB, bare, undef, R[1], R[0]]);
    vm.defineCallSite(0, 0, 0, VM_CALL_ARGS_SIMPLE, [A], 1);
    const r = vm.refinements;
    expect(r.search(vm.tree, vm.mes, 0, entry, 0)).toBe(me[1]);
    expect(r.rec).toBe(R[1]);
    vm.using(1, [ofB, bare, undef]);
    expect(r.search(vm.tree, vm.mes, 0, entry, 0)).toBe(me[1]);
    // Only those that pass: none.
    vm.using(4, [ofB, bare, undef]);
    vm.defineCallSite(1, 0, 0, VM_CALL_ARGS_SIMPLE, [A], 4);
    expect(r.search(vm.tree, vm.mes, 1, entry, 0)).toBe(0);
  });

  it("with seven active and none defining the method: 0, though the next scope's count word is a refinement's record number", () => {
    // Records: A 1, B 2, R 3 (defines mid 0), then seven refinements of A with mid 1 only.
    const { vm, A, R, me, entry } = refined(1);
    expect(R[0]).toBe(3);
    const seven = Array.from({ length: 7 }, () => vm.newRefinement(A));
    for (const s of seven) vm.defineMethod(s, 1, plain);
    vm.using(5, seven);
    // Scope 6 holds three refinements: its count word, right after scope 5's seventh, reads 3 = R.
    vm.using(6, [seven[0], seven[1], R[0]]);
    vm.defineCallSite(0, 0, 0, VM_CALL_ARGS_SIMPLE, [A], 5);
    expect(vm.refinements.search(vm.tree, vm.mes, 0, entry, 0)).toBe(0);
    vm.defineCallSite(1, 0, 0, VM_CALL_ARGS_SIMPLE, [A], 6);
    expect(vm.refinements.search(vm.tree, vm.mes, 1, entry, 0)).toBe(me[0]);
  });
});
