import { MemraceError } from '../errors.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import {
  METHOD_ENTRY_CACHED, METHOD_ENTRY_COMPLEMENTED, METHOD_ENTRY_INVALIDATED, METHOD_VISI_MASK, METHOD_VISI_PRIVATE, METHOD_VISI_PROTECTED,
  ME_CALLED_ID, ME_DEFINED_CLASS, ME_DEF_ARITY, ME_DEF_ORIG, ME_DEF_SERIAL, ME_DEF_TYPE, ME_FLAGS, ME_OWNER, ME_WORDS,
  VM_METHOD_TYPE_ISEQ, VM_METHOD_TYPE_IVAR, VM_METHOD_TYPE_REFINED, VM_METHOD_TYPE_UNDEF, VM_METHOD_TYPE_ZSUPER,
} from './layout.js';

export interface MethodEntriesRef {
  /** Word 0: entries handed out (entry 0 is NULL); word 1: the next def->method_serial. */
  header: number;
  base: number;
  capacity: number;
}

/** What a definition says: its type, parameters and visibility. */
export interface MethodDef {
  /**
   * UNDEF is `undef_method`: an entry that ends the search with "no method". ZSUPER is a
   * visibility change of an inherited method; REFINED a refinement's entry (see vm_method.ts).
   */
  type: typeof VM_METHOD_TYPE_ISEQ | typeof VM_METHOD_TYPE_IVAR | typeof VM_METHOD_TYPE_UNDEF | typeof VM_METHOD_TYPE_ZSUPER | typeof VM_METHOD_TYPE_REFINED;
  /** Required arguments (iseq). */
  req?: number;
  /** Optional arguments (iseq). */
  opt?: number;
  private?: boolean;
  protected?: boolean;
  /** REFINED: the entry it wraps (orig_me), 0 or absent for none. */
  orig?: number;
}

/** The visibility bits a definition asks for. */
export function visiBits(def: { private?: boolean; protected?: boolean }): number {
  return def.private ? METHOD_VISI_PRIVATE : def.protected ? METHOD_VISI_PROTECTED : 0;
}

/**
 * Method entries. Every entry is written whole before it is stored into a table, so a
 * guild that reads the table word sees a complete entry; afterwards only flags change,
 * and only by `or` (0 -> 1), so a reader never sees a flag go back.
 *
 * Entries are never freed: CRuby's GC reclaims them, but the model's run is short and
 * the entries a run makes are a handful per redefinition (the new one, a clone, a few
 * complemented copies). `full` tells the redefiner to stop before the pool runs out.
 */
export class MethodEntries {
  constructor(
    private readonly mem: Mem,
    readonly ref: MethodEntriesRef,
  ) {}

  static create(arena: Arena, mem: Mem, capacity: number): MethodEntries {
    const ref: MethodEntriesRef = {
      header: arena.allocWords('ruby.me.header', 2),
      base: arena.allocWords('ruby.me', (capacity + 1) * ME_WORDS),
      capacity,
    };
    mem.store(ref.header, 1);
    mem.store(ref.header + 1, 1);
    return new MethodEntries(mem, ref);
  }

  static words(capacity: number): number {
    return 32 + (capacity + 1) * ME_WORDS;
  }

  get used(): number {
    return this.mem.load(this.ref.header);
  }

  /** At most `margin` entries left (entries used..capacity are free): the redefiner stops with one to spare. */
  full(margin: number): boolean {
    return this.used + margin > this.ref.capacity;
  }

  /** Word of field `f` of entry `me`. */
  w(me: number, f: number): number {
    return this.ref.base + me * ME_WORDS + f;
  }

  private alloc(): number {
    const me = this.mem.load(this.ref.header);
    if (me > this.ref.capacity) throw new MemraceError('E_LAYOUT', `method entry pool is full (${this.ref.capacity}); give the VM more --max-entries`);
    this.mem.store(this.ref.header, me + 1);
    return me;
  }

  /** rb_method_definition_create's method_serial: a fresh body id. */
  nextDefSerial(): number {
    return this.mem.add(this.ref.header + 1, 1);
  }

  /** rb_method_entry_create for a new definition in `owner` (a class or a module: modules' entries are not callable). */
  create(mid: number, owner: number, definedClass: number, def: MethodDef): number {
    const me = this.alloc();
    const mem = this.mem;
    mem.store(this.w(me, ME_CALLED_ID), mid);
    mem.store(this.w(me, ME_OWNER), owner);
    mem.store(this.w(me, ME_DEFINED_CLASS), definedClass);
    mem.store(this.w(me, ME_DEF_SERIAL), this.nextDefSerial());
    mem.store(this.w(me, ME_DEF_TYPE), def.type);
    mem.store(this.w(me, ME_DEF_ARITY), ((def.opt ?? 0) << 8) | (def.req ?? 0));
    mem.store(this.w(me, ME_DEF_ORIG), def.orig ?? 0);
    mem.store(this.w(me, ME_FLAGS), visiBits(def));
    return me;
  }

  /** The negative cme (Ruby 3.0's negative_cme): owner nil, type UNDEF, no body. */
  createNegative(mid: number): number {
    const me = this.alloc();
    this.mem.store(this.w(me, ME_CALLED_ID), mid);
    this.mem.store(this.w(me, ME_DEF_TYPE), VM_METHOD_TYPE_UNDEF);
    return me;
  }

  /**
   * rb_method_entry_clone: same definition (method serial), owner, defined class and
   * visibility. METHOD_ENTRY_FLAGS_COPY copies the visibility and basic bits, not the cache
   * state: the clone starts neither CACHED nor INVALIDATED.
   */
  clone(src: number): number {
    return this.copy(src, this.mem.load(this.w(src, ME_DEFINED_CLASS)), 0);
  }

  /**
   * METHOD_ENTRY_VISI_SET, as rb_export_method does for a method of klass's own: CRuby sets
   * the bits in place; here entries are immutable once published, so the table gets a copy
   * with the new visibility (same definition) after the old one has been invalidated.
   */
  withVisibility(src: number, visi: number): number {
    const me = this.copy(src, this.mem.load(this.w(src, ME_DEFINED_CLASS)), 0);
    this.mem.store(this.w(me, ME_FLAGS), visi);
    return me;
  }

  /** rb_method_entry_clone with a new called_id: `alias_method new old` (rb_alias) in the same class. */
  aliasOf(src: number, mid: number, owner: number, definedClass: number): number {
    const me = this.copy(src, definedClass, 0);
    this.mem.store(this.w(me, ME_CALLED_ID), mid);
    this.mem.store(this.w(me, ME_OWNER), owner);
    return me;
  }

  /** rb_method_entry_complement_defined_class: a module's entry made callable through `iclass`. */
  complement(src: number, iclass: number): number {
    return this.copy(src, iclass, METHOD_ENTRY_COMPLEMENTED);
  }

  private copy(src: number, definedClass: number, extra: number): number {
    const me = this.alloc();
    const mem = this.mem;
    for (const f of [ME_CALLED_ID, ME_OWNER, ME_DEF_SERIAL, ME_DEF_TYPE, ME_DEF_ARITY, ME_DEF_ORIG]) mem.store(this.w(me, f), mem.load(this.w(src, f)));
    mem.store(this.w(me, ME_DEFINED_CLASS), definedClass);
    mem.store(this.w(me, ME_FLAGS), (mem.load(this.w(src, ME_FLAGS)) & METHOD_VISI_MASK) | extra);
    return me;
  }

  flags(me: number): number {
    return this.mem.load(this.w(me, ME_FLAGS));
  }

  /** Set flag bits; they are never cleared. */
  setFlag(me: number, bit: number): void {
    this.mem.or(this.w(me, ME_FLAGS), bit);
  }

  invalidated(me: number): boolean {
    return (this.flags(me) & METHOD_ENTRY_INVALIDATED) !== 0;
  }

  cached(me: number): boolean {
    return (this.flags(me) & METHOD_ENTRY_CACHED) !== 0;
  }

  complemented(me: number): boolean {
    return (this.flags(me) & METHOD_ENTRY_COMPLEMENTED) !== 0;
  }

  field(me: number, f: number): number {
    return this.mem.load(this.w(me, f));
  }

  /** def->method_serial: the body a call through this entry runs; 0 (method_missing) for NULL and undef. */
  body(me: number): number {
    // Stryker disable next-line ConditionalExpression: entry 0 (NULL) is never written, so without the test it reads as an ISEQ entry of serial 0 (equivalent; the test says what 0 means)
    return me === 0 || this.undefinedP(me) ? 0 : this.mem.load(this.w(me, ME_DEF_SERIAL));
  }

  /** METHOD_ENTRY_VISI: 0 public, METHOD_VISI_PRIVATE or METHOD_VISI_PROTECTED. */
  visi(me: number): number {
    return this.mem.load(this.w(me, ME_FLAGS)) & METHOD_VISI_MASK;
  }

  type(me: number): number {
    return this.mem.load(this.w(me, ME_DEF_TYPE));
  }

  /** UNDEFINED_METHOD_ENTRY_P. */
  undefinedP(me: number): boolean {
    return this.mem.load(this.w(me, ME_DEF_TYPE)) === VM_METHOD_TYPE_UNDEF;
  }
}
