/**
 * Where CRuby's method-cache structures live in the image: word offsets of each record,
 * the flag bits with CRuby's meaning, and the reserved indices. Every record is addressed
 * by its index in a pool; index 0 is CRuby's NULL / Qnil / "no entry" everywhere, so a
 * zeroed word reads as "nothing" and `cc.klass = 0` is exactly CRuby's vm_cc_invalidate.
 */

/** Class records (RClass): a class, a module or an iclass (a module's copy in an ancestry, or a class's origin). */
export const CLASS_WORDS = 12;
export const K_TYPE = 0;
/** RCLASS_SUPER: the next record in the ancestry (0 past the root). */
export const K_SUPER = 1;
/**
 * The record whose method-table row this one reads: itself for a class, a module or an
 * origin; for an iclass, the module whose table it shares (RBASIC(iclass)->klass).
 */
export const K_MODULE = 2;
/** RCLASS_SUBCLASSES: first subclass (for a module: first iclass made from it). */
export const K_SUBCLASSES = 3;
/** Next sibling in the superclass's subclass list. */
export const K_NEXT_SIBLING = 4;
/** Next iclass of the same module (CRuby keeps these in the module's subclass list). */
export const K_NEXT_MODULE_SUB = 5;
/** RCLASS_SERIAL: the replaced design's cache key, from one global counter. */
export const K_SERIAL = 6;
/** RCLASS_ORIGIN: where the class's own methods live (itself until something is prepended). */
export const K_ORIGIN = 7;
/** RCLASS_INCLUDER: for an iclass, the class or module it was included into; for an origin, its class. */
export const K_INCLUDER = 8;
/** RCLASS_M_TBL: the id_table's items array (id_table.ts), 0 before the first method; then its entry and used-slot counts. */
export const K_MTBL = 9;
export const K_MTBL_NUM = 10;
export const K_MTBL_USED = 11;

export const T_CLASS = 1;
export const T_MODULE = 2;
export const T_ICLASS = 3;
export const TYPE_NAMES = ['nil', 'class', 'module', 'iclass'] as const;

/** Method entries (rb_method_entry_t with its definition folded in). */
export const ME_WORDS = 8;
/** METHOD_ENTRY_CACHED / INVALIDATED / COMPLEMENTED and the visibility: flags only ever go 0 -> 1. */
export const ME_FLAGS = 0;
export const ME_OWNER = 1;
/** The class a callable entry was found through (an iclass for a module's method); 0 when not callable. */
export const ME_DEFINED_CLASS = 2;
export const ME_CALLED_ID = 3;
/** def->method_serial: one per definition, shared by clones and complemented copies. What a call "runs". */
export const ME_DEF_SERIAL = 4;
export const ME_DEF_TYPE = 5;
/** Required argument count in bits 0..7, optional count in bits 8..15 (iseq params). */
export const ME_DEF_ARITY = 6;

export const METHOD_ENTRY_CACHED = 1 << 0;
export const METHOD_ENTRY_INVALIDATED = 1 << 1;
export const METHOD_ENTRY_COMPLEMENTED = 1 << 2;
export const METHOD_VISI_PRIVATE = 1 << 3;
export const METHOD_VISI_PROTECTED = 1 << 4;
export const METHOD_VISI_MASK = METHOD_VISI_PRIVATE | METHOD_VISI_PROTECTED;
/** For a REFINED entry: the entry it wraps (def->body.refined.orig_me), 0 when the class had none. */
export const ME_DEF_ORIG = 7;

/** rb_method_type_t values that the model uses, with CRuby's numbers. */
export const VM_METHOD_TYPE_ISEQ = 0;
export const VM_METHOD_TYPE_IVAR = 3;
/** A visibility change of an inherited method (rb_export_method): the body is the superclass's. */
export const VM_METHOD_TYPE_ZSUPER = 5;
export const VM_METHOD_TYPE_UNDEF = 7;
/** `refine C do def m` puts one in C: transparent until a `using` activates the refinement. */
export const VM_METHOD_TYPE_REFINED = 11;

/**
 * Call caches (rb_callcache) and polymorphic inline caches share one pool of disposable
 * slots. Written whole before publication; afterwards only `klass` is ever stored (to 0).
 */
export const CC_WORDS = 8;
/** Generation stamp: bumped when the slot is reclaimed, so a reader can prove it saw one life of it. */
export const CC_GEN = 0;
export const CC_KLASS = 1;
export const CC_CME = 2;
/** cc->call_: the fast path, set lazily by the first call (see call_handler.ts). */
export const CC_CALL = 3;
export const CC_AUX = 4;
/** 0: free, 1: callcache, 2: PIC. */
export const CC_IMEMO = 5;
/** Free-list link while free; mark bit during a collection. */
export const CC_NEXT_FREE = 6;
export const CC_MARK = 7;
export const IMEMO_FREE = 0;
export const IMEMO_CALLCACHE = 1;
export const IMEMO_PIC = 2;
/** vm_empty_cc: klass 0, cme NULL, shared by every call site whose method was not found. */
export const EMPTY_CC = 0;
/**
 * A PIC uses a pool slot as a tuple of up to PIC_MAX CC indices in words 1..4 (the words a
 * CC keeps klass, cme, call and aux in), most recently added first; 0 ends the list.
 */
export const PIC_ENTRY0 = 1;
export const PIC_MAX = 4;

/** Per-class method cache entries (rb_class_cc_entries): cme, len, then (ci key, cc) pairs. */
export const CCS_CAPA = 8;
export const CCS_WORDS = 2 + 2 * CCS_CAPA;
export const CCS_CME = 0;
export const CCS_LEN = 1;
export const CCS_ENTRIES = 2;

/** Call sites (rb_call_data with the receivers a program sends to it). */
export const SITE_WORDS = 16;
/** The packed call info's low word (tag, argc, flag); the mid is the next word. */
export const S_CI = 0;
export const S_MID = 1;
/** cd->cc: the one word a guild publishes a new CC into. */
export const S_CD_CC = 2;
export const S_NRECV = 3;
/** PIC overflows at this site: once it has overflowed it is megamorphic and gets no new PIC (slow path only). */
export const S_PIC_OVERFLOW = 4;
export const S_RECV = 5;
export const MAX_RECV = SITE_WORDS - S_RECV;

/** VM-wide words. The lock has its line; the barrier words that guilds read on every call have theirs. */
export const VM_LOCK = 0;
/** The global class-serial counter (rb_next_class_serial) of the serial design. */
export const VM_CLASS_SERIAL = 1;
/** Set by a guild that found the CC pool exhausted: the collector runs soon. */
export const VM_GC_WANTED = 2;
export const VM_GC_COUNT = 3;
export const VM_BARRIER = 16;
export const VM_PARKED = 17;
export const VM_ACTIVE = 18;
export const VM_HEADER_WORDS = 32;
