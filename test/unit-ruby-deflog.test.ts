import { describe, expect, it } from 'vitest';
import { VM_CALL_ARGS_SIMPLE, VM_CALL_FCALL, VM_CALL_SUPER, vm_ci_pack } from '../src/ruby/call_info.js';
import { DISPATCH_OK, DISPATCH_STALE, DISPATCH_UNVERIFIABLE, DISPATCH_WRONG, DefLog, HISTORY } from '../src/ruby/deflog.js';
import { Vm, type VmConfig } from '../src/ruby/vm.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { plain } from './ruby-helpers.js';

/** A Mem whose wait plays what another thread does meanwhile (`onWait`), in this one. */
class Scripted extends AtomicsMem {
  waits = 0;
  onWait = () => {};
  /** (word, value) of every store while set. */
  stores: [number, number][] | null = null;
  /** Runs after each load of word `i` (another thread's store between two of this one's loads). */
  afterLoad: (i: number) => void = () => {};
  override store(i: number, v: number): void {
    this.stores?.push([i, v]);
    super.store(i, v);
  }
  override load(i: number): number {
    const v = super.load(i);
    this.afterLoad(i);
    return v;
  }
  override wait(i: number, expected: number, _timeoutMs: number): 'ok' | 'not-equal' | 'timed-out' {
    this.waits++;
    this.onWait();
    return this.load(i) === expected ? 'timed-out' : 'not-equal';
  }
}

const MIDS = 2;
const CALL = vm_ci_pack(0, VM_CALL_ARGS_SIMPLE);
const FCALL = vm_ci_pack(0, VM_CALL_ARGS_SIMPLE | VM_CALL_FCALL);
const SUPER = vm_ci_pack(0, VM_CALL_ARGS_SIMPLE | VM_CALL_FCALL | VM_CALL_SUPER);

/** O < A < B and a module M (no history: not a class), m0 = O#m0, the log initialised. */
function world() {
  const config: VmConfig = {
    capacity: 8, mids: MIDS, maxEntries: 64, ccSlots: 16, sites: 4, guilds: 1, design: 'ccs', sharedSerial: false, negativeCache: false, pic: 0,
  };
  const arena = Arena.create((Vm.words(config) + DefLog.words(config.capacity, MIDS)) * 4 + 65536);
  const mem = new Scripted(arena.sab);
  const vm = Vm.create(arena, mem, config);
  const t = vm.tree;
  const O = t.defineClass(0);
  const A = t.defineClass(O);
  const B = t.defineClass(A);
  const M = t.defineModule();
  const m0 = vm.defineMethod(O, 0, plain);
  const log = new DefLog(mem, DefLog.create(arena, config.capacity, MIDS), vm.mes);
  log.init(t, vm.mes);
  const changes: string[] = [];
  /** A redefinition bracketed as the redefiner does it, recording what the log hears changed. */
  const change = (mid: number, fn: () => void) => {
    log.begin();
    fn();
    log.commit(t, vm.mes, mid, (k, m, sup, before, after) => changes.push(`${t.nameOf(k)}#${m}${sup ? ' super' : ''}: ${before} -> ${after}`));
  };
  const body = (me: number) => vm.mes.body(me);
  return { vm, mem, t, O, A, B, M, m0, log, changes, change, body };
}

describe("the oracle's definition log: what each (class, mid) answered, from which version", () => {
  it('init records every class (not a module) at version 0: its call answer and its super answer', () => {
    const { log, O, A, B, M, m0, body } = world();
    expect(log.version()).toBe(0);
    expect(log.describe(B, 0, CALL)).toBe(`history v0: ${body(m0)}`);
    expect(log.describe(O, 0, CALL)).toBe(`history v0: ${body(m0)}`);
    // m1 is defined nowhere: method_missing (0).
    expect(log.describe(B, 1, CALL)).toBe('history v0: 0');
    // super from a method of A finds O#m0; O has no superclass.
    expect(log.describe(A, 0, SUPER)).toBe(`history v0: ${body(m0)}`);
    expect(log.describe(O, 0, SUPER)).toBe('history v0: 0');
    expect(log.describe(M, 0, CALL)).toBe('history ');
  });

  it('a commit records the (class, mid, kind) whose answer changed, from the version it publishes, and tells who changed', () => {
    const { vm, log, A, B, O, m0, changes, change, body } = world();
    let m1 = 0;
    change(0, () => (m1 = vm.defineMethod(A, 0, plain)));
    expect(log.version()).toBe(2);
    // A's and B's calls; super in B's method (from A); not super in A's method (from O), nor O.
    expect(changes).toEqual([`C${A}#0: ${m0 << 2} -> ${m1 << 2}`, `C${B}#0: ${m0 << 2} -> ${m1 << 2}`, `C${B}#0 super: ${m0 << 2} -> ${m1 << 2}`]);
    expect(log.describe(B, 0, CALL)).toBe(`history v2: ${body(m1)}, v0: ${body(m0)}`);
    expect(log.describe(B, 0, SUPER)).toBe(`history v2: ${body(m1)}, v0: ${body(m0)}`);
    expect(log.describe(A, 0, SUPER)).toBe(`history v0: ${body(m0)}`);
    expect(log.describe(O, 0, CALL)).toBe(`history v0: ${body(m0)}`);
  });

  it('the outcome follows the call info: private needs an FCALL, a wrong argc is ArgumentError (-1)', () => {
    const { vm, log, B, m0, change, body, changes } = world();
    change(0, () => vm.setVisibility(B, 0, 'private'));
    expect(changes.length).toBe(1);
    expect(log.describe(B, 0, CALL)).toBe(`history v2: 0, v0: ${body(m0)}`);
    expect(log.describe(B, 0, FCALL)).toMatch(/^history v2: \d+, v0: \d+$/);
    expect(log.describe(B, 0, vm_ci_pack(1, VM_CALL_ARGS_SIMPLE | VM_CALL_FCALL))).toBe('history v2: -1, v0: -1');
  });

  it('a commit for one mid looks at that mid only; -1 looks at every mid', () => {
    const { vm, log, A, change, changes, body } = world();
    let m1 = 0;
    change(1, () => vm.defineMethod(A, 0, plain));
    expect(changes).toEqual([]);
    change(-1, () => (m1 = vm.defineMethod(A, 1, plain)));
    expect(changes.map((c) => c.split(':')[0])).toEqual([`C${A}#0`, `C${A}#1`, `C${A + 1}#0`, `C${A + 1}#0 super`, `C${A + 1}#1`, `C${A + 1}#1 super`]);
    expect(log.describe(A, 1, CALL)).toBe(`history v4: ${body(m1)}, v0: 0`);
  });

  it('a commit for mid 0 leaves a change of mid 1 unrecorded', () => {
    const { vm, log, A, change, changes } = world();
    change(0, () => vm.defineMethod(A, 1, plain));
    expect(changes).toEqual([]);
    expect(log.describe(A, 1, CALL)).toBe('history v0: 0');
  });

  it('each change is heard with the answer it replaces: the newest of the history, not the first', () => {
    const { vm, B, m0, change, changes } = world();
    const mes = [m0];
    for (let i = 0; i < 3; i++) change(0, () => mes.push(vm.defineMethod(B, 0, plain)));
    expect(changes.map((c) => c.split(': ')[1])).toEqual([1, 2, 3].map((i) => `${mes[i - 1] << 2} -> ${mes[i] << 2}`));
  });

  it('a history entry is written torn-proof: its from made -1, then the answer, then the from, then the head', () => {
    const { vm, mem, log, t, B } = world();
    const pair = log.ref.base + (B * MIDS + 0) * (1 + 2 * HISTORY);
    log.begin();
    const m = vm.defineMethod(B, 0, plain);
    mem.stores = [];
    log.commit(t, vm.mes, 0);
    const mine = mem.stores.filter(([i]) => i >= pair && i < pair + 1 + 2 * HISTORY);
    mem.stores = null;
    // Entry 1 (words 3 and 4 of the pair): from, answer.
    expect(mine).toEqual([[pair + 3, -1], [pair + 4, m << 2], [pair + 3, 2], [pair, 2]]);
  });

  it('create: the version word and two tables of (capacity + 1) * mids pairs, in named regions', () => {
    const arena = Arena.create(1 << 20);
    const ref = DefLog.create(arena, 5, 3);
    expect(arena.region('ruby.deflog.version').bytes).toBe(4);
    expect(arena.region('ruby.deflog').bytes).toBe(6 * 3 * 9 * 4);
    expect(arena.region('ruby.deflog.super').bytes).toBe(6 * 3 * 9 * 4);
    expect(ref).toEqual({
      version: arena.region('ruby.deflog.version').offset / 4, base: arena.region('ruby.deflog').offset / 4, mids: 3,
      superBase: arena.region('ruby.deflog.super').offset / 4,
    });
  });

  it('a class made after init gets its first entry at the next commit, without a change reported', () => {
    const { t, B, log, change, changes, m0, body } = world();
    const C = t.defineClass(B);
    change(1, () => {});
    expect(changes).toEqual([]);
    expect(log.describe(C, 1, CALL)).toBe('history v2: 0');
    change(0, () => {});
    expect(log.describe(C, 0, CALL)).toBe(`history v4: ${body(m0)}`);
  });

  it(`keeps the ${HISTORY} newest answers of a (class, mid)`, () => {
    const { vm, log, B, m0, change, body } = world();
    expect(HISTORY).toBe(4);
    const mes = [m0];
    for (let i = 0; i < 5; i++) change(0, () => mes.push(vm.defineMethod(B, 0, plain)));
    expect(log.version()).toBe(10);
    expect(log.describe(B, 0, CALL)).toBe(`history v10: ${body(mes[5])}, v8: ${body(mes[4])}, v6: ${body(mes[3])}, v4: ${body(mes[2])}`);
  });
});

describe('DefLog.check: did a call return an answer valid at some instant of its window?', () => {
  function changedOnce() {
    const w = world();
    let m1 = 0;
    w.change(0, () => (m1 = w.vm.defineMethod(w.A, 0, plain)));
    return { ...w, m1 };
  }

  it('a call wholly before the change: the old body is OK, the new one WRONG', () => {
    const { log, B, m0, m1, body } = changedOnce();
    expect(log.check(B, 0, CALL, body(m0), 0, 0)).toBe(DISPATCH_OK);
    expect(log.check(B, 0, CALL, body(m1), 0, 0)).toBe(DISPATCH_WRONG);
    expect(log.check(B, 0, CALL, 12345, 0, 0)).toBe(DISPATCH_WRONG);
  });

  it('a call wholly after it: the new body is OK, the old one STALE (right only before the call began)', () => {
    const { log, B, m0, m1, body } = changedOnce();
    expect(log.check(B, 0, CALL, body(m1), 2, 2)).toBe(DISPATCH_OK);
    expect(log.check(B, 0, CALL, body(m0), 2, 2)).toBe(DISPATCH_STALE);
    expect(log.check(B, 0, CALL, 12345, 2, 2)).toBe(DISPATCH_WRONG);
  });

  it('a call across it (or begun while it was in flight): either body is OK', () => {
    const { log, B, m0, m1, body } = changedOnce();
    for (const v0 of [0, 1]) {
      expect(log.check(B, 0, CALL, body(m0), v0, 2)).toBe(DISPATCH_OK);
      expect(log.check(B, 0, CALL, body(m1), v0, 2)).toBe(DISPATCH_OK);
    }
  });

  it('the call kind picks the history: super in B finds the new A#m0, super in A still O#m0', () => {
    const { log, A, B, m0, m1, body } = changedOnce();
    expect(log.check(B, 0, SUPER, body(m1), 2, 2)).toBe(DISPATCH_OK);
    expect(log.check(A, 0, SUPER, body(m0), 2, 2)).toBe(DISPATCH_OK);
    expect(log.check(A, 0, SUPER, body(m1), 2, 2)).toBe(DISPATCH_WRONG);
    // A plain call from A with the same window finds m1.
    expect(log.check(A, 0, CALL, body(m1), 2, 2)).toBe(DISPATCH_OK);
  });

  it('more changes within the window than the history keeps: the oldest answer is UNVERIFIABLE, a kept one OK', () => {
    const { vm, log, B, m0, change, body } = world();
    const mes = [m0];
    for (let i = 0; i < 5; i++) change(0, () => mes.push(vm.defineMethod(B, 0, plain)));
    expect(log.check(B, 0, CALL, body(m0), 0, 10)).toBe(DISPATCH_UNVERIFIABLE);
    expect(log.check(B, 0, CALL, body(mes[1]), 0, 10)).toBe(DISPATCH_UNVERIFIABLE);
    expect(log.check(B, 0, CALL, body(mes[2]), 0, 10)).toBe(DISPATCH_OK);
    expect(log.check(B, 0, CALL, body(mes[4]), 6, 8)).toBe(DISPATCH_OK);
    expect(log.check(B, 0, CALL, body(mes[3]), 8, 8)).toBe(DISPATCH_STALE);
    expect(log.check(B, 0, CALL, body(mes[5]), 6, 6)).toBe(DISPATCH_WRONG);
  });

  it('an entry being rewritten (from -1) ends the walk: what lies behind it is not trusted', () => {
    const { vm, log, B, m0, m1, body } = changedOnce();
    // B's call pair: the newest entry (index 1) has its from word at pair + 2 * 1 + 1.
    const pair = log.ref.base + (B * MIDS + 0) * (1 + 2 * HISTORY);
    vm.mem.store(pair + 2 * 1 + 1, -1);
    expect(log.check(B, 0, CALL, body(m1), 2, 2)).toBe(DISPATCH_UNVERIFIABLE);
    expect(log.check(B, 0, CALL, body(m0), 0, 0)).toBe(DISPATCH_UNVERIFIABLE);
  });

  it('an entry rewritten between the two reads of its from is not trusted', () => {
    const { vm, mem, log, B, m1, body } = changedOnce();
    const from = log.ref.base + (B * MIDS + 0) * (1 + 2 * HISTORY) + 3;
    let first = true;
    mem.afterLoad = (i) => {
      if (i === from && first) {
        first = false;
        vm.mem.store(from, 6);
      }
    };
    expect(log.check(B, 0, CALL, body(m1), 2, 2)).toBe(DISPATCH_UNVERIFIABLE);
  });

  it('a call that ended while a change was in flight (odd version) waits for its history, then looks again', () => {
    const { vm, mem, t, log, A, B, m1, body } = changedOnce();
    log.begin();
    const m2 = vm.defineMethod(A, 0, plain);
    expect(log.version()).toBe(3);
    // Before the commit the history has no m2: WRONG, unless the commit is awaited.
    mem.onWait = () => log.commit(t, vm.mes, 0);
    expect(log.check(B, 0, CALL, body(m2), 2, 3)).toBe(DISPATCH_OK);
    expect(mem.waits).toBe(1);
    expect(log.version()).toBe(4);
    // An even end that does not fit is final: no wait.
    expect(log.check(B, 0, CALL, body(m1), 4, 4)).toBe(DISPATCH_STALE);
    expect(log.check(B, 0, CALL, 12345, 2, 5)).toBe(DISPATCH_WRONG);
    expect(mem.waits).toBe(1);
  });
});

describe('DefLog.words', () => {
  it('64 words and two tables (calls, supers) of (capacity + 1) * mids pairs of 1 + 2 * HISTORY words', () => {
    expect(DefLog.words(8, 2)).toBe(64 + 2 * 9 * 2 * 9);
  });
});
