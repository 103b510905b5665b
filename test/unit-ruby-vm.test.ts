/**
 * The VM object on its own (src/ruby/vm.ts): its layout in the image, call-site definition
 * and its bad input, the definition entry points (each under the VM lock, which is free
 * again after a change that throws), Module#instance_method (proc.c mnew: the search
 * starts at the module itself, so a prepended module comes first), and the collector
 * (mark from every call site, PIC and pCMC entry; sweep the rest).
 */
import { describe, expect, it, vi } from 'vitest';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { SpinLock } from '../src/shm/spinlock.js';
import { CI_EMBED_ARGC_MASK, CI_EMBED_FLAG_MASK, VM_CALL_ARGS_SIMPLE, vm_ci_pack } from '../src/ruby/call_info.js';
import {
  EMPTY_CC, IMEMO_PIC, VM_BARRIER, MAX_RECV, METHOD_VISI_PRIVATE, METHOD_VISI_PROTECTED, ME_FLAGS, PIC_ENTRY0, SITE_WORDS, S_CD_CC, S_CI, S_MID,
  S_NRECV, S_PIC_OVERFLOW, S_RECV, VM_ACTIVE, VM_CLASS_SERIAL, VM_LOCK, VM_METHOD_TYPE_ZSUPER,
} from '../src/ruby/layout.js';
import { SerialCache } from '../src/ruby/serial_cache.js';
import { Vm, type VmConfig } from '../src/ruby/vm.js';
import { DESIGN_CCS, DESIGN_SERIAL } from '../src/ruby/vm_method.js';
import { Guild } from '../src/ruby/vm_insnhelper.js';
import { cdCc, makeVm, plain, site } from './ruby-helpers.js';

const BASE: VmConfig = {
  capacity: 8, mids: 4, maxEntries: 32, ccSlots: 8, sites: 4, guilds: 2, design: 'ccs', sharedSerial: false, negativeCache: false, pic: 0,
};

/** A VM in an image of exactly Vm.words(config) words. */
function exact(over: Partial<VmConfig>): Vm {
  const config = { ...BASE, ...over };
  const arena = Arena.create(Vm.words(config) * 4);
  return Vm.create(arena, new AtomicsMem(arena.sab), config);
}

function holder(vm: Vm): number {
  return SpinLock.holder(vm.mem, vm.ref.header + VM_LOCK);
}

describe('Vm.create and Vm.words', () => {
  it('fits an image of exactly words(config) for each design; the serial design adds its caches (one copy when shared)', () => {
    for (const over of [{}, { design: 'serial-gmc' as const }, { design: 'serial-gmc' as const, sharedSerial: true }, { sites: 16, capacity: 32, mids: 16 }]) {
      expect(() => exact(over)).not.toThrow();
    }
    const ccs = Vm.words(BASE);
    expect(Vm.words({ ...BASE, design: 'serial-gmc' }) - ccs).toBe(SerialCache.words(2, 4));
    expect(Vm.words({ ...BASE, design: 'serial-gmc', sharedSerial: true }) - ccs).toBe(SerialCache.words(1, 4));
    expect(Vm.words({ ...BASE, sharedSerial: true })).toBe(ccs);
  });

  it('starts the class serial past every record, counts the guilds active, and has the design asked for', () => {
    const vm = exact({});
    expect(vm.mem.load(vm.ref.header + VM_CLASS_SERIAL)).toBe(BASE.capacity + 1);
    const arena = Arena.create(Vm.words(BASE) * 4);
    const named = Vm.create(arena, new AtomicsMem(arena.sab), BASE);
    expect(arena.nameOf(named.ref.header)).toBe('ruby.vm+0');
    expect(arena.nameOf(named.siteWord(BASE.sites - 1, SITE_WORDS - 1))).toBe(`ruby.call_sites+${BASE.sites * SITE_WORDS - 1}`);
    expect(vm.mem.load(vm.ref.header + VM_ACTIVE)).toBe(2);
    expect([vm.design, vm.ref.serial]).toEqual([DESIGN_CCS, null]);
    expect(holder(vm)).toBe(-1);
    const serial = exact({ design: 'serial-gmc', sharedSerial: true });
    expect(serial.design).toBe(DESIGN_SERIAL);
    // rb_next_class_serial counts on from the header's counter: past every record's first serial.
    const A = serial.tree.defineClass(0);
    serial.defineMethod(A, 0, plain);
    expect(serial.mem.load(serial.tree.serialWord(A))).toBe(BASE.capacity + 2);
    expect(serial.mem.load(serial.ref.header + VM_CLASS_SERIAL)).toBe(BASE.capacity + 2);
    expect(serial.ref.serial?.copies).toBe(1);
    expect(exact({ design: 'serial-gmc' }).ref.serial?.copies).toBe(2);
  });

  it('a view attached to the same image with another owner shares everything and locks as that owner', () => {
    const vm = exact({});
    const other = new Vm(vm.mem, vm.ref, 5);
    expect(other.owner).toBe(5);
    const A = vm.tree.defineClass(0);
    other.lock.lock(other.owner);
    expect(holder(vm)).toBe(5);
    other.lock.unlock();
    expect(other.tree.typeOf(A)).toBe(vm.tree.typeOf(A));
  });
});

describe('serialCache (the replaced design)', () => {
  it('throws on a VM of the disposable design', () => {
    expect(() => exact({}).serialCache(0)).toThrow('this VM runs the disposable design; it has no serial caches');
  });

  it('gives each guild its own copy; the broken variant one copy for all', () => {
    for (const sharedSerial of [false, true]) {
      const { vm } = makeVm({ design: 'serial-gmc', guilds: 2, sharedSerial });
      const A = vm.tree.defineClass(0);
      vm.defineMethod(A, 0, plain);
      const s = site(vm, 0, 0);
      new Guild(vm, 0).call(s, A);
      const mine = vm.serialCache(0).inlineCache(s);
      const theirs = vm.serialCache(1).inlineCache(s);
      expect(mine.me).not.toBe(0);
      expect(theirs).toEqual(sharedSerial ? mine : { serial: 0, me: 0 });
      expect(vm.serialCache(1).shared).toBe(sharedSerial);
    }
  });
});

describe('defineCallSite', () => {
  it('writes the call info, mid, an empty CC, no overflow, the receivers and the scope', () => {
    const { vm } = makeVm({ sites: 4 });
    const A = vm.tree.defineClass(0);
    const B = vm.tree.defineClass(A);
    const recv = Array.from({ length: MAX_RECV }, (_, i) => (i % 2 === 0 ? A : B));
    vm.defineCallSite(3, 7, 2, VM_CALL_ARGS_SIMPLE, recv, 5);
    expect(vm.siteWord(3, S_MID)).toBe(vm.ref.sites + 3 * SITE_WORDS + S_MID);
    const w = (f: number) => vm.mem.load(vm.siteWord(3, f));
    expect([w(S_CI), w(S_MID), w(S_CD_CC), w(S_PIC_OVERFLOW), w(S_NRECV)]).toEqual([vm_ci_pack(2, VM_CALL_ARGS_SIMPLE), 7, EMPTY_CC, 0, MAX_RECV]);
    expect(vm.receivers(3)).toBe(MAX_RECV);
    expect(Array.from({ length: MAX_RECV }, (_, i) => vm.receiver(3, i))).toEqual(recv);
    expect(vm.mem.load(vm.refinements.ref.siteScopes + 3)).toBe(5);
    // Defined again: the cached CC and the overflow mark start over.
    vm.mem.store(vm.siteWord(3, S_CD_CC), 9);
    vm.mem.store(vm.siteWord(3, S_PIC_OVERFLOW), 1);
    vm.defineCallSite(3, 1, CI_EMBED_ARGC_MASK, CI_EMBED_FLAG_MASK, [B]);
    expect([w(S_CI), w(S_MID), w(S_CD_CC), w(S_PIC_OVERFLOW), w(S_NRECV), w(S_RECV)]).toEqual([vm_ci_pack(CI_EMBED_ARGC_MASK, CI_EMBED_FLAG_MASK), 1, EMPTY_CC, 0, 1, B]);
    expect(vm.mem.load(vm.refinements.ref.siteScopes + 3)).toBe(0);
  });

  it('refuses what does not fit, at each boundary, one line naming the value, and writes nothing', () => {
    const { vm } = makeVm({ sites: 4, mids: 8 });
    const A = vm.tree.defineClass(0);
    vm.defineCallSite(0, 1, 1, VM_CALL_ARGS_SIMPLE, [A]);
    const before = Array.from({ length: SITE_WORDS }, (_, f) => vm.mem.load(vm.siteWord(0, f)));
    const bad: [() => void, string][] = [
      [() => vm.defineCallSite(4, 0, 0, 0, [A]), 'call site 4 does not exist (0..3)'],
      [() => vm.defineCallSite(-1, 0, 0, 0, [A]), 'call site -1 does not exist (0..3)'],
      [() => vm.defineCallSite(0.5, 0, 0, 0, [A]), 'call site 0.5 does not exist (0..3)'],
      [() => vm.defineCallSite(0, 8, 0, 0, [A]), 'mid 8 is not a method id of this VM (0..7)'],
      [() => vm.defineCallSite(0, 0, CI_EMBED_ARGC_MASK + 1, 0, [A]), `argc ${CI_EMBED_ARGC_MASK + 1} / flag 0 do not fit an embedded call info (15 and 16 bits)`],
      [() => vm.defineCallSite(0, 0, -1, 0, [A]), 'argc -1 / flag 0 do not fit an embedded call info (15 and 16 bits)'],
      [() => vm.defineCallSite(0, 0, 0, CI_EMBED_FLAG_MASK + 1, [A]), `argc 0 / flag ${CI_EMBED_FLAG_MASK + 1} do not fit`],
      [() => vm.defineCallSite(0, 0, 0, -1, [A]), 'argc 0 / flag -1 do not fit'],
      [() => vm.defineCallSite(0, 0, 0, 0, []), `a call site takes 1..${MAX_RECV} receiver classes, not 0`],
      [() => vm.defineCallSite(0, 0, 0, 0, new Array(MAX_RECV + 1).fill(A)), `a call site takes 1..${MAX_RECV} receiver classes, not ${MAX_RECV + 1}`],
    ];
    for (const [f, msg] of bad) expect(f).toThrow(expect.objectContaining({ code: 'E_USAGE', message: expect.stringContaining(msg) }));
    expect(Array.from({ length: SITE_WORDS }, (_, f) => vm.mem.load(vm.siteWord(0, f)))).toEqual(before);
    // The last site exists.
    expect(() => vm.defineCallSite(3, 7, 0, 0, [A])).not.toThrow();
  });
});

describe('definition entry points run under the VM lock, and release it', () => {
  it('each holds the lock as the VM\'s owner while it changes the tree', () => {
    const { vm } = makeVm();
    const seen = new Map<string, Set<number>>();
    const watch = <T extends object>(obj: T, name: keyof T & string) => {
      const orig = (obj as Record<string, (...a: unknown[]) => unknown>)[name].bind(obj);
      vi.spyOn(obj as Record<string, (...a: unknown[]) => unknown>, name).mockImplementation((...a: unknown[]) => {
        seen.set(name, (seen.get(name) ?? new Set<number>()).add(holder(vm)));
        return orig(...a);
      });
    };
    const owned = new Vm(vm.mem, vm.ref, 3);
    for (const n of ['rb_add_method', 'rb_undef_method', 'rb_remove_method', 'rb_export_method', 'rb_alias', 'rb_add_refined_method_entry'] as const) watch(owned.method, n);
    for (const n of ['rb_include_module', 'rb_prepend_module'] as const) watch(owned.inclusion, n);
    watch(owned.tree, 'defineRefinement');
    watch(owned.refinements, 'using');
    watch(owned.tree, 'searchMethod');
    const A = owned.tree.defineClass(0);
    const B = owned.tree.defineClass(A);
    const M = owned.tree.defineModule();
    const N = owned.tree.defineModule();
    owned.defineMethod(A, 0, plain);
    owned.alias(A, 1, 0);
    owned.setVisibility(A, 1, 'private');
    owned.removeMethod(A, 1);
    owned.undefMethod(B, 0);
    owned.include(B, M);
    owned.prepend(B, N);
    owned.refine(A, 0);
    const r = owned.newRefinement(A);
    owned.using(1, [r]);
    owned.instanceMethod(A, 0);
    expect(seen.size).toBe(11);
    for (const [name, holders] of seen) expect([name, [...holders]]).toEqual([name, [3]]);
    expect(holder(vm)).toBe(-1);
    const C = owned.tree.defineClass(A);
    const copy = owned.copyClass(C);
    expect(owned.tree.superOf(copy)).toBe(A);
    expect(() => owned.copyClass(A)).toThrow("TypeError: can't copy the root class");
    expect(holder(vm)).toBe(-1);
  });

  it('a change that throws on misuse leaves the lock free', () => {
    const { vm } = makeVm();
    const A = vm.tree.defineClass(0);
    expect(() => vm.defineMethod(99, 0, plain)).toThrow(/does not exist/);
    expect(holder(vm)).toBe(-1);
    expect(() => vm.instanceMethod(A, 99)).toThrow(/is not a method id/);
    expect(holder(vm)).toBe(-1);
    expect(() => vm.instanceMethod(0, 0)).toThrow('class 0 does not exist');
    expect(holder(vm)).toBe(-1);
    expect(vm.defineMethod(A, 0, plain)).toBeGreaterThan(0);
  });

  it('setVisibility: public, private and protected each set their own bits (rb_export_method)', () => {
    const { vm } = makeVm();
    const A = vm.tree.defineClass(0);
    vm.defineMethod(A, 0, plain);
    const visi = () => vm.mes.visi(vm.tree.lookupMethodTable(A, 0));
    expect(vm.setVisibility(A, 0, 'protected')).toBe(0);
    expect(visi()).toBe(METHOD_VISI_PROTECTED);
    expect(vm.setVisibility(A, 0, 'private')).toBe(0);
    expect(visi()).toBe(METHOD_VISI_PRIVATE);
    expect(vm.setVisibility(A, 0, 'public')).toBe(0);
    expect(visi()).toBe(0);
  });
});

describe('instanceMethod (Module#instance_method: mnew)', () => {
  it('a module prepended to the class comes first (mnew searches from the class, not its origin)', () => {
    const { vm } = makeVm();
    const C = vm.tree.defineClass(0);
    const M = vm.tree.defineModule();
    vm.defineMethod(C, 0, plain);
    const mFoo = vm.defineMethod(M, 0, plain);
    const cBar = vm.defineMethod(C, 1, plain);
    vm.prepend(C, M);
    expect(vm.instanceMethod(C, 0)).toBe(mFoo);
    expect(vm.instanceMethod(C, 1)).toBe(cBar);
    // A module with a module prepended to it: the same.
    const P = vm.tree.defineModule();
    const Q = vm.tree.defineModule();
    vm.defineMethod(P, 2, plain);
    const qBaz = vm.defineMethod(Q, 2, plain);
    vm.prepend(P, Q);
    expect(vm.instanceMethod(P, 2)).toBe(qBaz);
  });

  it('follows a ZSUPER entry to the superclass method; 0 (NameError) for none and for undef', () => {
    const { vm } = makeVm();
    const A = vm.tree.defineClass(0);
    const B = vm.tree.defineClass(A);
    const aFoo = vm.defineMethod(A, 0, plain);
    vm.setVisibility(B, 0, 'private');
    expect(vm.mes.type(vm.tree.lookupMethodTable(B, 0))).toBe(VM_METHOD_TYPE_ZSUPER);
    expect(vm.instanceMethod(B, 0)).toBe(aFoo);
    expect(vm.instanceMethod(B, 1)).toBe(0);
    vm.undefMethod(B, 0);
    expect(vm.instanceMethod(B, 0)).toBe(0);
    expect(vm.instanceMethod(A, 0)).toBe(aFoo);
  });
});

describe('the collector (collect, markRoots)', () => {
  it('requestGc sets the wanted word (and wakes its sleeper); a collection clears it and counts', () => {
    const { vm } = makeVm();
    expect([vm.gcWanted, vm.gcCount]).toEqual([false, 0]);
    expect(vm.gcWantedWord).toBe(vm.ref.header + 2);
    const notify = vi.spyOn(vm.mem, 'notify');
    vm.requestGc();
    expect(notify.mock.calls).toEqual([[vm.gcWantedWord, 1]]);
    expect(vm.gcWanted).toBe(true);
    expect(vm.mem.load(vm.gcWantedWord)).toBe(1);
    expect(vm.collect(false)).toBe(0);
    expect([vm.gcWanted, vm.gcCount]).toEqual([false, 1]);
    expect(vm.collect(false)).toBe(0);
    expect(vm.gcCount).toBe(2);
    expect(holder(vm)).toBe(-1);
  });

  it('keeps what the last call site, a PIC and the last class\'s pCMC entry for the last mid reference; frees the rest', () => {
    const { vm, guild } = makeVm({ sites: 4, mids: 4, capacity: 8, ccSlots: 16 });
    const classes = [vm.tree.defineClass(0)];
    while (vm.tree.used < 8) classes.push(vm.tree.defineClass(classes[0]));
    const last = classes[classes.length - 1];
    expect(last).toBe(7);
    vm.defineMethod(classes[0], 3, plain);
    // The pCMC of `last` for mid 3 holds a CC; the site that cached it moves on.
    const s = site(vm, 3, 3);
    guild.call(s, last);
    const byPcmc = cdCc(vm, s);
    site(vm, 3, 3);
    // The last site holds a CC of its own (not in any pCMC).
    const bySite = vm.ccs.vm_cc_new(classes[0], 1);
    vm.mem.store(vm.siteWord(3, S_CD_CC), bySite);
    // Site 2 holds a PIC of two CCs.
    const inPic = [vm.ccs.vm_cc_new(classes[1], 1), vm.ccs.vm_cc_new(classes[2], 1)];
    const pic = vm.ccs.alloc(IMEMO_PIC);
    vm.ccs.setField(pic, PIC_ENTRY0, inPic[0]);
    vm.ccs.setField(pic, PIC_ENTRY0 + 1, inPic[1]);
    site(vm, 2, 0);
    vm.mem.store(vm.siteWord(2, S_CD_CC), pic);
    const garbage = [vm.ccs.vm_cc_new(classes[3], 1), vm.ccs.vm_cc_new(classes[4], 1)];
    const live = vm.ccs.live;
    expect(vm.collect(false)).toBe(2);
    expect(vm.ccs.live).toBe(live - 2);
    for (const cc of [byPcmc, bySite, pic, ...inPic]) expect(vm.ccs.imemo(cc)).not.toBe(0);
    for (const cc of garbage) expect(vm.ccs.imemo(cc)).toBe(0);
    // Nothing references the PIC now: it and its entries go, the rest stay.
    site(vm, 2, 0);
    expect(vm.collect(false)).toBe(3);
    expect(vm.ccs.imemo(byPcmc)).not.toBe(0);
    expect(vm.audit()).toEqual([]);
  });

  it('with stopTheWorld: the guilds are stopped first; when they cannot all be, -1 and nothing reclaimed', () => {
    const { vm } = makeVm({ guilds: 0 });
    vm.ccs.vm_cc_new(vm.tree.defineClass(0), 1);
    const stop = vi.spyOn(vm.barrier, 'stopTheWorld');
    const restart = vi.spyOn(vm.barrier, 'restart');
    expect(vm.collect(true)).toBe(1);
    expect([stop.mock.calls.length, restart.mock.calls.length]).toEqual([1, 1]);
    // The barrier's words are the header's: the stop and the restart each moved the request word.
    expect(vm.mem.load(vm.ref.header + VM_BARRIER)).toBe(2);
    vm.ccs.vm_cc_new(1, 1);
    stop.mockReturnValueOnce(false);
    vm.requestGc();
    expect(vm.collect(true)).toBe(-1);
    expect([vm.ccs.live, vm.gcCount, vm.gcWanted]).toEqual([1, 1, true]);
    expect(restart.mock.calls.length).toBe(1);
    expect(vm.collect(false)).toBe(1);
    expect(restart.mock.calls.length).toBe(1);
  });
});

describe('the collector: what it must not keep', () => {
  it('a PIC holds at most PIC_MAX entries: the word after them (its imemo type) is no entry', () => {
    const { vm } = makeVm({ ccSlots: 8 });
    const A = vm.tree.defineClass(0);
    const pic = vm.ccs.alloc(IMEMO_PIC);
    const entries = [0, 1, 2, 3].map(() => vm.ccs.vm_cc_new(A, 1));
    entries.forEach((cc, i) => vm.ccs.setField(pic, PIC_ENTRY0 + i, cc));
    // Slot IMEMO_PIC (2) is one of the entries here; make it garbage instead.
    expect(entries).toEqual([2, 3, 4, 5]);
    vm.ccs.setField(pic, PIC_ENTRY0, 6);
    vm.ccs.vm_cc_new(A, 1);
    site(vm, 0, 0);
    vm.mem.store(vm.siteWord(0, S_CD_CC), pic);
    expect(vm.collect(false)).toBe(1);
    expect(vm.ccs.imemo(2)).toBe(0);
  });

  it("a ccs's entries past its length (left from the ccs's last life) are no roots", () => {
    const { vm, guild } = makeVm({ ccSlots: 8 });
    const A = vm.tree.defineClass(0);
    vm.defineMethod(A, 0, plain);
    guild.call(site(vm, 0, 0), A);
    guild.call(site(vm, 1, 0, 0, VM_CALL_ARGS_SIMPLE | 4), A);
    const [c1, c2] = [cdCc(vm, 0), cdCc(vm, 1)];
    // A leaf's redefinition frees its ccs; the next call's ccs is the same one, with one entry.
    vm.defineMethod(A, 0, plain);
    guild.call(site(vm, 2, 0), A);
    const ccs = vm.pcmc.ccsOf(A, 0);
    expect([vm.pcmc.ccsLen(ccs), vm.pcmc.ccsEntry(ccs, 1).cc]).toEqual([1, c2]);
    site(vm, 0, 0);
    site(vm, 1, 0);
    expect(vm.collect(false)).toBe(2);
    expect([vm.ccs.imemo(c1), vm.ccs.imemo(c2)]).toEqual([0, 0]);
  });
});

describe('audit', () => {
  it('is empty for a sound VM and reports the tree\'s and the pCMC\'s violations together', () => {
    const { vm, guild } = makeVm();
    const A = vm.tree.defineClass(0);
    const foo = vm.defineMethod(A, 0, plain);
    guild.call(site(vm, 0, 0), A);
    expect(vm.audit()).toEqual([]);
    // The cached cme loses its CACHED mark (a pCMC violation) ...
    vm.mem.store(vm.mes.w(foo, ME_FLAGS), 0);
    expect(vm.audit().map((v) => v.message)).toEqual(['ccs cme is not marked CACHED: an invalidation would skip it']);
    // ... and a class points to itself as its superclass (a tree violation), listed first.
    vm.mem.store(vm.tree.ref.base + A * 12 + 1, A);
    const msgs = vm.audit().map((v) => v.message);
    expect(msgs[0]).toBe('ancestry does not end: the superclass chain has a cycle');
    expect(msgs[msgs.length - 1]).toBe('ccs cme is not marked CACHED: an invalidation would skip it');
  });
});
