/**
 * The method-entry pool on its own (src/ruby/method_entry.ts), as method.h and vm_method.c
 * state it: rb_method_entry_create writes every field of a new entry with a fresh
 * def->method_serial; rb_method_entry_clone (and the alias / complement copies) keep the
 * definition and METHOD_ENTRY_FLAGS_COPY only the visibility, never the cache state
 * (CACHED / INVALIDATED); the negative cme has owner nil and type UNDEF; flags only go up.
 */
import { describe, expect, it } from 'vitest';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { MethodEntries, visiBits } from '../src/ruby/method_entry.js';
import {
  METHOD_ENTRY_CACHED, METHOD_ENTRY_COMPLEMENTED, METHOD_ENTRY_INVALIDATED, METHOD_VISI_PRIVATE, METHOD_VISI_PROTECTED, ME_CALLED_ID,
  ME_DEFINED_CLASS, ME_DEF_ARITY, ME_DEF_ORIG, ME_DEF_SERIAL, ME_DEF_TYPE, ME_FLAGS, ME_OWNER, ME_WORDS, VM_METHOD_TYPE_ISEQ,
  VM_METHOD_TYPE_IVAR, VM_METHOD_TYPE_REFINED, VM_METHOD_TYPE_UNDEF,
} from '../src/ruby/layout.js';

const FIELDS = [ME_FLAGS, ME_OWNER, ME_DEFINED_CLASS, ME_CALLED_ID, ME_DEF_SERIAL, ME_DEF_TYPE, ME_DEF_ARITY, ME_DEF_ORIG];

function pool(capacity: number, bytes = 1 << 16) {
  const arena = Arena.create(bytes);
  const mem = new AtomicsMem(arena.sab);
  return { arena, mem, mes: MethodEntries.create(arena, mem, capacity) };
}

/** Every field of an entry, in FIELDS' order (flags, owner, defined class, called id, serial, type, arity, orig). */
function fields(mes: MethodEntries, me: number): number[] {
  return FIELDS.map((f) => mes.field(me, f));
}

describe('visiBits (METHOD_ENTRY_VISI of a definition)', () => {
  it('public is 0; private and protected their bit; both asked: private', () => {
    expect(visiBits({})).toBe(0);
    expect(visiBits({ private: false, protected: false })).toBe(0);
    expect(visiBits({ private: true })).toBe(METHOD_VISI_PRIVATE);
    expect(visiBits({ protected: true })).toBe(METHOD_VISI_PROTECTED);
    expect(visiBits({ private: true, protected: true })).toBe(METHOD_VISI_PRIVATE);
  });
});

describe('MethodEntries: the pool', () => {
  it('fits an image of exactly words(capacity) words, and its last entry lies inside its region', () => {
    expect(MethodEntries.words(3)).toBe(32 + 4 * ME_WORDS);
    const { arena, mem, mes } = pool(3, MethodEntries.words(3) * 4);
    expect(arena.nameOf(mes.ref.header)).toBe('ruby.me.header+0');
    expect(arena.nameOf(mes.w(0, ME_FLAGS))).toBe('ruby.me+0');
    for (let i = 0; i < 3; i++) mes.createNegative(i);
    expect(arena.nameOf(mes.w(3, ME_DEF_ORIG))).toBe(`ruby.me+${4 * ME_WORDS - 1}`);
    expect(mem.load(mes.ref.header + 1)).toBe(1);
  });

  it('entry 0 is NULL: the first entry handed out is 1, then 2; used counts from 1', () => {
    const { mes } = pool(4);
    expect(mes.used).toBe(1);
    expect(mes.create(1, 2, 2, { type: VM_METHOD_TYPE_ISEQ })).toBe(1);
    expect(mes.createNegative(1)).toBe(2);
    expect(mes.used).toBe(3);
  });

  it('full(margin): true once at most margin entries are left, at the exact boundary', () => {
    const { mes } = pool(4);
    // Entries 1..4 are free: 4 left.
    expect([mes.full(3), mes.full(4)]).toEqual([false, true]);
    mes.createNegative(0);
    mes.createNegative(0);
    expect([mes.full(1), mes.full(2)]).toEqual([false, true]);
    mes.createNegative(0);
    expect([mes.full(0), mes.full(1)]).toEqual([false, true]);
    mes.createNegative(0);
    expect(mes.full(0)).toBe(true);
  });

  it('hands out entries up to capacity, then throws E_LAYOUT and takes nothing', () => {
    const { mes } = pool(2);
    expect([mes.createNegative(0), mes.createNegative(0)]).toEqual([1, 2]);
    expect(() => mes.createNegative(0)).toThrow('method entry pool is full (2); give the VM more --max-entries');
    expect(() => mes.create(0, 1, 1, { type: VM_METHOD_TYPE_ISEQ })).toThrow(expect.objectContaining({ code: 'E_LAYOUT' }));
    expect(mes.used).toBe(3);
  });

  it('nextDefSerial: 1, 2, 3 (rb_method_definition_create numbers every definition)', () => {
    const { mes } = pool(2);
    expect([mes.nextDefSerial(), mes.nextDefSerial(), mes.nextDefSerial()]).toEqual([1, 2, 3]);
  });
});

describe('MethodEntries: rb_method_entry_create and the copies', () => {
  it('create writes every field: serial from the counter, arity opt << 8 | req, orig, visibility', () => {
    const { mes } = pool(8);
    const a = mes.create(5, 6, 7, { type: VM_METHOD_TYPE_ISEQ, req: 2, opt: 3, protected: true, orig: 0 });
    expect(fields(mes, a)).toEqual([METHOD_VISI_PROTECTED, 6, 7, 5, 1, VM_METHOD_TYPE_ISEQ, (3 << 8) | 2, 0]);
    const b = mes.create(1, 2, 0, { type: VM_METHOD_TYPE_REFINED, orig: a, private: true });
    expect(fields(mes, b)).toEqual([METHOD_VISI_PRIVATE, 2, 0, 1, 2, VM_METHOD_TYPE_REFINED, 0, a]);
    const c = mes.create(3, 4, 4, { type: VM_METHOD_TYPE_IVAR });
    expect(fields(mes, c)).toEqual([0, 4, 4, 3, 3, VM_METHOD_TYPE_IVAR, 0, 0]);
  });

  it('createNegative: called id only, owner nil, type UNDEF, no body, not visible-flagged', () => {
    const { mes } = pool(4);
    mes.create(1, 2, 2, plainDef());
    const n = mes.createNegative(6);
    expect(fields(mes, n)).toEqual([0, 0, 0, 6, 0, VM_METHOD_TYPE_UNDEF, 0, 0]);
    expect([mes.undefinedP(n), mes.body(n)]).toEqual([true, 0]);
  });

  it('clone keeps the definition and the visibility, drops CACHED and INVALIDATED (METHOD_ENTRY_FLAGS_COPY)', () => {
    const { mes } = pool(8);
    const a = mes.create(5, 6, 7, { type: VM_METHOD_TYPE_ISEQ, req: 1, opt: 2, private: true });
    mes.setFlag(a, METHOD_ENTRY_CACHED);
    mes.setFlag(a, METHOD_ENTRY_INVALIDATED);
    const c = mes.clone(a);
    expect(c).toBe(2);
    expect(fields(mes, c)).toEqual([METHOD_VISI_PRIVATE, 6, 7, 5, 1, VM_METHOD_TYPE_ISEQ, (2 << 8) | 1, 0]);
    expect([mes.cached(c), mes.invalidated(c), mes.complemented(c)]).toEqual([false, false, false]);
    // The source keeps its flags.
    expect(mes.flags(a)).toBe(METHOD_VISI_PRIVATE | METHOD_ENTRY_CACHED | METHOD_ENTRY_INVALIDATED);
  });

  it('withVisibility: a copy with the new visibility only (the old one is left as it was)', () => {
    const { mes } = pool(8);
    const a = mes.create(5, 6, 7, { type: VM_METHOD_TYPE_ISEQ, req: 1, protected: true, orig: 3 });
    mes.setFlag(a, METHOD_ENTRY_CACHED);
    const p = mes.withVisibility(a, METHOD_VISI_PRIVATE);
    expect(fields(mes, p)).toEqual([METHOD_VISI_PRIVATE, 6, 7, 5, 1, VM_METHOD_TYPE_ISEQ, 1, 3]);
    expect(mes.visi(p)).toBe(METHOD_VISI_PRIVATE);
    expect(mes.withVisibility(a, 0)).toBe(3);
    expect(mes.flags(3)).toBe(0);
    expect(mes.visi(a)).toBe(METHOD_VISI_PROTECTED);
  });

  it('aliasOf: the same definition under a new called id, owner and defined class (rb_alias)', () => {
    const { mes } = pool(8);
    const a = mes.create(5, 6, 7, { type: VM_METHOD_TYPE_ISEQ, req: 2, private: true });
    mes.setFlag(a, METHOD_ENTRY_INVALIDATED);
    const al = mes.aliasOf(a, 9, 10, 11);
    expect(fields(mes, al)).toEqual([METHOD_VISI_PRIVATE, 10, 11, 9, 1, VM_METHOD_TYPE_ISEQ, 2, 0]);
    expect(mes.body(al)).toBe(mes.body(a));
  });

  it('complement: callable through an iclass, COMPLEMENTED, the visibility kept, the cache state not', () => {
    const { mes } = pool(8);
    const m = mes.create(5, 6, 0, { type: VM_METHOD_TYPE_ISEQ, protected: true });
    mes.setFlag(m, METHOD_ENTRY_CACHED);
    const c = mes.complement(m, 12);
    expect(fields(mes, c)).toEqual([METHOD_VISI_PROTECTED | METHOD_ENTRY_COMPLEMENTED, 6, 12, 5, 1, VM_METHOD_TYPE_ISEQ, 0, 0]);
    expect([mes.complemented(c), mes.cached(c), mes.invalidated(c), mes.complemented(m)]).toEqual([true, false, false, false]);
  });
});

describe('MethodEntries: flags and reads', () => {
  it('setFlag ors bits in; each predicate reads its own bit only; visi masks the visibility', () => {
    const { mes } = pool(4);
    const a = mes.create(1, 2, 2, { type: VM_METHOD_TYPE_ISEQ, private: true });
    expect([mes.cached(a), mes.invalidated(a), mes.complemented(a)]).toEqual([false, false, false]);
    mes.setFlag(a, METHOD_ENTRY_CACHED);
    expect([mes.cached(a), mes.invalidated(a), mes.complemented(a)]).toEqual([true, false, false]);
    mes.setFlag(a, METHOD_ENTRY_INVALIDATED);
    expect([mes.cached(a), mes.invalidated(a), mes.complemented(a)]).toEqual([true, true, false]);
    mes.setFlag(a, METHOD_ENTRY_CACHED);
    expect(mes.flags(a)).toBe(METHOD_VISI_PRIVATE | METHOD_ENTRY_CACHED | METHOD_ENTRY_INVALIDATED);
    expect(mes.visi(a)).toBe(METHOD_VISI_PRIVATE);
    const b = mes.complement(a, 3);
    expect([mes.cached(b), mes.invalidated(b), mes.complemented(b)]).toEqual([false, false, true]);
  });

  it('body: def->method_serial; 0 for NULL and for an UNDEF entry; type and undefinedP read the type', () => {
    const { mes } = pool(4);
    mes.nextDefSerial();
    const a = mes.create(1, 2, 2, plainDef());
    const u = mes.create(1, 2, 2, { type: VM_METHOD_TYPE_UNDEF });
    expect([mes.body(0), mes.body(a), mes.body(u)]).toEqual([0, 2, 0]);
    expect([mes.type(a), mes.type(u), mes.undefinedP(a), mes.undefinedP(u)]).toEqual([VM_METHOD_TYPE_ISEQ, VM_METHOD_TYPE_UNDEF, false, true]);
  });
});

function plainDef() {
  return { type: VM_METHOD_TYPE_ISEQ, req: 0 } as const;
}
