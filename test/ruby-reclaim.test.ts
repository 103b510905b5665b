import { VM_CALL_ARGS_SIMPLE, vm_ci_pack } from '../src/ruby/call_info.js';
import { describe, expect, it } from 'vitest';
import { EMPTY_CC, IMEMO_PIC } from '../src/ruby/layout.js';
import { DefLog, DISPATCH_OK, DISPATCH_STALE, DISPATCH_UNVERIFIABLE, DISPATCH_WRONG } from '../src/ruby/deflog.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { cdCc, makeVm, plain, site } from './ruby-helpers.js';

describe('reclamation of dropped call caches', () => {
  it('sweeps CCs that no call site or pCMC holds, bumps their generation, keeps the rest', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    vm.defineMethod(A, 0, plain);
    vm.defineMethod(A, 1, plain);
    const s0 = site(vm, 0, 0);
    const s1 = site(vm, 1, 1);
    guild.call(s0, A);
    guild.call(s1, A);
    const dropped = cdCc(vm, s0);
    const gen = vm.ccs.gen(dropped);
    vm.defineMethod(A, 0, plain); // leaf: klass = 0, ccs dropped; the site still holds it
    expect(vm.collect(false)).toBe(0);
    guild.call(s0, A); // the site re-points to a new CC
    expect(cdCc(vm, s0)).not.toBe(dropped);
    const live = vm.ccs.live;
    expect(vm.collect(false)).toBe(1);
    expect(vm.ccs.live).toBe(live - 1);
    expect(vm.ccs.gen(dropped)).toBe(gen + 1);
    expect(vm.gcCount).toBe(2);
    // The reused slot is handed out again, and a reader of its old life sees the new generation.
    guild.call(s1, A);
    expect(vm.ccs.klass(cdCc(vm, s1))).toBe(A);
  });

  it('runs an exhausted pool uncached and asks for a collection instead of failing the call', () => {
    const { vm, guild } = makeVm({ ccSlots: 2 });
    const A = vm.tree.defineClass(0);
    const m = [0, 1, 2].map((mid) => vm.defineMethod(A, mid, plain));
    for (let mid = 0; mid < 3; mid++) expect(guild.call(site(vm, mid, mid), A)).toBe(vm.mes.body(m[mid]));
    expect(vm.dc.get('cc_pool_exhausted')).toBe(1);
    expect(vm.gcWanted).toBe(true);
    expect(cdCc(vm, 2)).toBe(EMPTY_CC);
  });

  it('the barrier: a collection with stop-the-world parks nobody when no guild is active', () => {
    const { vm } = makeVm({ guilds: 1 });
    vm.barrier.leave();
    expect(vm.collect(true)).toBe(0);
    expect(vm.barrier.stops).toBe(1);
  });
});

describe('polymorphic inline cache (beyond the seed)', () => {
  it('keeps up to --pic CCs at one site and hits each class; a site that outgrows it turns megamorphic', () => {
    const { vm, guild } = makeVm({ pic: 2 });
    const O = vm.tree.defineClass(0);
    const [A, B, C] = [0, 1, 2].map(() => vm.tree.defineClass(O));
    vm.defineMethod(O, 0, plain);
    const s = site(vm, 0, 0);
    guild.call(s, A);
    guild.call(s, B);
    expect(vm.ccs.imemo(cdCc(vm, s))).toBe(IMEMO_PIC);
    guild.call(s, A);
    guild.call(s, B);
    expect(vm.dc.get('pic_hit')).toBe(2);
    guild.call(s, C);
    expect(vm.dc.get('pic_megamorphic')).toBe(1);
    expect(vm.ccs.imemo(cdCc(vm, s))).not.toBe(IMEMO_PIC);
    guild.call(s, A);
    guild.call(s, B);
    expect(vm.dc.get('pic_new')).toBe(1);
    expect(vm.audit()).toEqual([]);
  });

  it('drops invalidated entries from a PIC instead of counting them', () => {
    const { vm, guild } = makeVm({ pic: 2 });
    const O = vm.tree.defineClass(0);
    const A = vm.tree.defineClass(O);
    const B = vm.tree.defineClass(O);
    vm.defineMethod(O, 0, plain);
    const s = site(vm, 0, 0);
    guild.call(s, A);
    guild.call(s, B);
    const b2 = vm.defineMethod(B, 0, plain); // B is a leaf: its CC's klass is cleared
    expect(guild.call(s, B)).toBe(vm.mes.body(b2));
    expect(vm.dc.get('pic_megamorphic')).toBe(0);
    expect(vm.dc.get('pic_new')).toBe(2);
  });
});

describe('definition log (the oracle)', () => {
  it('accepts the answer of any version inside the call window, flags stale and wrong ones', () => {
    const { vm } = makeVm();
    const A = vm.tree.defineClass(0);
    const v1 = vm.defineMethod(A, 0, plain);
    const arena = Arena.create(DefLog.words(32, 8) * 4 + 4096);
    const log = new DefLog(new AtomicsMem(arena.sab), DefLog.create(arena, 32, 8), vm.mes);
    const ci = vm_ci_pack(0, VM_CALL_ARGS_SIMPLE);
    log.init(vm.tree, vm.mes);
    const b1 = vm.mes.body(v1);
    expect(log.check(A, 0, ci, b1, 0, 0)).toBe(DISPATCH_OK);
    log.begin();
    const b2 = vm.mes.body(vm.defineMethod(A, 0, plain));
    // Mid-change (odd version) both answers are right.
    expect(log.check(A, 0, ci, b1, 0, 1)).toBe(DISPATCH_OK);
    log.commit(vm.tree, vm.mes, 0);
    expect(log.check(A, 0, ci, b2, 0, 2)).toBe(DISPATCH_OK);
    expect(log.check(A, 0, ci, b1, 0, 2)).toBe(DISPATCH_OK);
    // A call that began after publication must not run the old body.
    expect(log.check(A, 0, ci, b1, 2, 2)).toBe(DISPATCH_STALE);
    expect(log.check(A, 0, ci, 999, 2, 2)).toBe(DISPATCH_WRONG);
    for (let i = 0; i < 4; i++) {
      log.begin();
      vm.defineMethod(A, 0, plain);
      log.commit(vm.tree, vm.mes, 0);
    }
    expect(log.check(A, 0, ci, b1, 0, log.version())).toBe(DISPATCH_UNVERIFIABLE);
  });
});
