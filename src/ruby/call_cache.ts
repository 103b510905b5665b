import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import {
  CC_CME, CC_GEN, CC_IMEMO, CC_KLASS, CC_MARK, CC_NEXT_FREE, CC_WORDS, EMPTY_CC,
  IMEMO_CALLCACHE, IMEMO_FREE,
} from './layout.js';

export interface CallCachesRef {
  /** Word 0: free-list head (0: empty); word 1: slots in use; word 2: slots ever allocated. */
  header: number;
  base: number;
  capacity: number;
}

const H_FREE = 0;
const H_LIVE = 1;
const H_ALLOCATED = 2;

/**
 * The pool of disposable cache slots (call caches and PICs). A slot is filled whole and
 * only then published by one store of its index; after that the only store to it is
 * `klass = 0`. It returns to the free list only through a collection (gc.ts), which runs
 * while every guild is parked, and its generation is bumped then, so a reader that
 * compares the generation before and after its reads proves it saw a single life of it.
 *
 * Allocation and the free list belong to whoever holds the VM lock (vm_search_cc runs
 * under it, as in CRuby); `klass` and the generation are atomic words that guilds read
 * without any lock.
 */
export class CallCaches {
  constructor(
    private readonly mem: Mem,
    readonly ref: CallCachesRef,
  ) {}

  static create(arena: Arena, mem: Mem, capacity: number): CallCaches {
    const ref: CallCachesRef = {
      header: arena.allocWords('ruby.cc.header', 4),
      base: arena.allocWords('ruby.cc', (capacity + 1) * CC_WORDS),
      capacity,
    };
    const cc = new CallCaches(mem, ref);
    // Slot 0 is vm_empty_cc: klass 0 never matches a receiver, so a site that holds it always misses.
    mem.store(cc.w(EMPTY_CC, CC_IMEMO), IMEMO_CALLCACHE);
    for (let i = capacity; i >= 1; i--) cc.pushFree(i);
    return cc;
  }

  static words(capacity: number): number {
    return 32 + (capacity + 1) * CC_WORDS;
  }

  w(cc: number, f: number): number {
    return this.ref.base + cc * CC_WORDS + f;
  }

  get live(): number {
    return this.mem.load(this.ref.header + H_LIVE);
  }

  get allocated(): number {
    return this.mem.load(this.ref.header + H_ALLOCATED);
  }

  get free(): number {
    return this.ref.capacity - this.live;
  }

  private pushFree(cc: number): void {
    // Stryker disable next-line ArithmeticOperator: H_FREE is 0, so header - H_FREE is header (an equivalent mutant)
    this.mem.store(this.w(cc, CC_NEXT_FREE), this.mem.load(this.ref.header + H_FREE));
    // Stryker disable next-line ArithmeticOperator: H_FREE is 0, so header - H_FREE is header (an equivalent mutant)
    this.mem.store(this.ref.header + H_FREE, cc);
  }

  /** A zeroed slot of kind `imemo`, or 0 when the pool is exhausted (the caller asks for a collection). Under the VM lock. */
  alloc(imemo: number): number {
    const mem = this.mem;
    // Stryker disable next-line ArithmeticOperator: H_FREE is 0, so header - H_FREE is header (an equivalent mutant)
    const cc = mem.load(this.ref.header + H_FREE);
    if (cc === 0) return 0;
    // Stryker disable next-line ArithmeticOperator: H_FREE is 0, so header - H_FREE is header (an equivalent mutant)
    mem.store(this.ref.header + H_FREE, mem.load(this.w(cc, CC_NEXT_FREE)));
    for (let f = 1; f < CC_WORDS; f++) mem.store(this.w(cc, f), 0);
    mem.store(this.w(cc, CC_IMEMO), imemo);
    mem.add(this.ref.header + H_LIVE, 1);
    mem.add(this.ref.header + H_ALLOCATED, 1);
    return cc;
  }

  /** vm_cc_new: klass, cme and the generic call handler; the caller publishes the index. */
  vm_cc_new(klass: number, cme: number): number {
    const cc = this.alloc(IMEMO_CALLCACHE);
    if (cc === 0) return 0;
    this.mem.store(this.w(cc, CC_CME), cme);
    this.mem.store(this.w(cc, CC_KLASS), klass);
    return cc;
  }

  /** vm_cc_invalidate: the one store a published CC ever receives. */
  invalidate(cc: number): void {
    this.mem.store(this.w(cc, CC_KLASS), 0);
  }

  klass(cc: number): number {
    return this.mem.load(this.w(cc, CC_KLASS));
  }

  cme(cc: number): number {
    return this.mem.load(this.w(cc, CC_CME));
  }

  gen(cc: number): number {
    return this.mem.load(this.w(cc, CC_GEN));
  }

  imemo(cc: number): number {
    return this.mem.load(this.w(cc, CC_IMEMO));
  }

  field(cc: number, f: number): number {
    return this.mem.load(this.w(cc, f));
  }

  setField(cc: number, f: number, v: number): void {
    this.mem.store(this.w(cc, f), v);
  }

  mark(cc: number): boolean {
    if (this.mem.load(this.w(cc, CC_MARK)) !== 0) return false;
    this.mem.store(this.w(cc, CC_MARK), 1);
    return true;
  }

  /**
   * Sweep: every allocated, unmarked slot returns to the free list with a new generation;
   * marks are cleared. Only while no guild can hold a slot index. Returns slots freed.
   */
  sweep(): number {
    const mem = this.mem;
    let freed = 0;
    for (let cc = 1; cc <= this.ref.capacity; cc++) {
      if (mem.load(this.w(cc, CC_IMEMO)) === IMEMO_FREE) continue;
      if (mem.load(this.w(cc, CC_MARK)) !== 0) {
        mem.store(this.w(cc, CC_MARK), 0);
        continue;
      }
      mem.add(this.w(cc, CC_GEN), 1);
      mem.store(this.w(cc, CC_IMEMO), IMEMO_FREE);
      mem.store(this.w(cc, CC_KLASS), 0);
      this.pushFree(cc);
      freed++;
    }
    mem.sub(this.ref.header + H_LIVE, freed);
    return freed;
  }

  /** Slots that are CCs (for audits and the memory report). */
  isLiveCallCache(cc: number): boolean {
    return this.imemo(cc) === IMEMO_CALLCACHE;
  }
}
