import { describe, expect, it } from 'vitest';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { CallCaches } from '../src/ruby/call_cache.js';
import { CC_AUX, CC_CALL, CC_CME, CC_GEN, CC_IMEMO, CC_KLASS, EMPTY_CC, IMEMO_CALLCACHE, IMEMO_FREE, IMEMO_PIC } from '../src/ruby/layout.js';

/**
 * The pool of disposable call-cache slots on its own (vm_callcache imemos): slot 0 is
 * vm_empty_cc; a slot is handed out zeroed but for its generation; an exhausted pool
 * answers 0 and touches nothing; sweep frees every allocated, unmarked slot (the last one
 * too) with a new generation and clears the marks of the rest.
 */
function pool(capacity: number) {
  const arena = Arena.create(1 << 16);
  const mem = new AtomicsMem(arena.sab);
  const ccs = CallCaches.create(arena, mem, capacity);
  return { arena, mem, ccs };
}

describe('CallCaches', () => {
  it('names its regions, and the last slot lies inside its own', () => {
    const { arena, mem, ccs } = pool(4);
    expect(arena.nameOf(ccs.ref.header)).toBe('ruby.cc.header+0');
    expect(arena.nameOf(ccs.ref.base)).toBe('ruby.cc+0');
    const next = arena.allocWords('next', 16);
    for (let i = 0; i < 16; i++) mem.store(next + i, 7);
    for (let k = 0; k < 4; k++) ccs.vm_cc_new(100 + k, 200 + k);
    for (let i = 0; i < 16; i++) expect(mem.load(next + i)).toBe(7);
  });

  it('starts with slot 0 as vm_empty_cc (a call cache whose klass 0 never matches) and every other slot free', () => {
    const { ccs } = pool(3);
    expect([ccs.imemo(EMPTY_CC), ccs.klass(EMPTY_CC)]).toEqual([IMEMO_CALLCACHE, 0]);
    expect([ccs.live, ccs.allocated, ccs.free]).toEqual([0, 0, 3]);
    expect([1, 2, 3].map((cc) => ccs.isLiveCallCache(cc))).toEqual([false, false, false]);
  });

  it('hands out slots 1, 2, 3 in order and counts them; then answers 0 and writes nothing', () => {
    const { ccs } = pool(3);
    expect([ccs.vm_cc_new(11, 21), ccs.vm_cc_new(12, 22), ccs.alloc(IMEMO_PIC)]).toEqual([1, 2, 3]);
    expect([ccs.live, ccs.allocated, ccs.free]).toEqual([3, 3, 0]);
    expect([ccs.klass(1), ccs.cme(1), ccs.klass(2), ccs.cme(2)]).toEqual([11, 21, 12, 22]);
    expect([ccs.isLiveCallCache(1), ccs.isLiveCallCache(3)]).toEqual([true, false]);
    expect(ccs.vm_cc_new(13, 23)).toBe(0);
    expect(ccs.alloc(IMEMO_CALLCACHE)).toBe(0);
    expect([ccs.live, ccs.allocated]).toEqual([3, 3]);
    expect([ccs.imemo(EMPTY_CC), ccs.klass(EMPTY_CC), ccs.cme(EMPTY_CC)]).toEqual([IMEMO_CALLCACHE, 0, 0]);
  });

  it('mark says true the first time only; sweep frees the unmarked, the last slot too, and unmarks the rest', () => {
    const { ccs } = pool(3);
    for (let k = 0; k < 3; k++) ccs.vm_cc_new(10 + k, 20 + k);
    expect([ccs.mark(2), ccs.mark(2)]).toEqual([true, false]);
    expect(ccs.sweep()).toBe(2);
    expect([ccs.live, ccs.allocated, ccs.free]).toEqual([1, 3, 2]);
    expect([ccs.imemo(1), ccs.imemo(2), ccs.imemo(3)]).toEqual([IMEMO_FREE, IMEMO_CALLCACHE, IMEMO_FREE]);
    expect([ccs.gen(1), ccs.gen(2), ccs.gen(3)]).toEqual([1, 0, 1]);
    expect([ccs.klass(1), ccs.klass(3)]).toEqual([0, 0]);
    // Unmarked now: the next sweep frees slot 2 as well.
    expect(ccs.sweep()).toBe(1);
    expect(ccs.live).toBe(0);
  });

  it('a slot handed out again is zeroed but for its generation, which the sweep bumped', () => {
    const { ccs } = pool(1);
    const cc = ccs.vm_cc_new(10, 20);
    ccs.setField(cc, CC_CALL, 5);
    ccs.setField(cc, CC_AUX, 6);
    ccs.sweep();
    expect(ccs.alloc(IMEMO_PIC)).toBe(cc);
    expect([CC_GEN, CC_KLASS, CC_CME, CC_CALL, CC_AUX, CC_IMEMO].map((f) => ccs.field(cc, f))).toEqual([1, 0, 0, 0, 0, IMEMO_PIC]);
    expect(ccs.mark(cc)).toBe(true);
  });

  it('invalidate stores klass 0 and nothing else', () => {
    const { ccs } = pool(2);
    const cc = ccs.vm_cc_new(10, 20);
    ccs.invalidate(cc);
    expect([ccs.klass(cc), ccs.cme(cc), ccs.imemo(cc), ccs.live]).toEqual([0, 20, IMEMO_CALLCACHE, 1]);
  });
});
