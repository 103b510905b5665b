import { ENOBUFS, ENOENT } from '../errors.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import { LockStats, SpinLock } from '../shm/spinlock.js';
import type { MempoolOps, OpsStats } from './mempool_backend.js';

/**
 * The `stack` mempool driver: rte_stack's standard stack, an array and a length behind a
 * spinlock. LIFO, so the hottest object goes out first. `unlocked` is the broken variant
 * that leaves the lock out: two lcores then copy into or out of the same slots.
 */
const S_LOCK = 0;
const S_LEN = 1;
const S_SIZE = 2;
const S_OBJS = 16;

export function stackAlloc(arena: Arena, mem: Mem, name: string, size: number): number {
  const base = arena.allocWords(`stack:${name}`, S_OBJS + size);
  mem.store(base + S_SIZE, size);
  return base;
}

export class StdStack implements MempoolOps {
  private readonly lock: SpinLock;
  private readonly lockStats = new LockStats();
  private readonly size: number;

  constructor(
    private readonly mem: Mem,
    readonly base: number,
    /** The actor id kept in the lock word, so a dead holder can be named. */
    private readonly owner: number,
    private readonly unlocked: boolean,
  ) {
    // Stryker disable next-line ArithmeticOperator: S_LOCK is 0, so base - S_LOCK is base (an equivalent mutant)
    this.lock = new SpinLock(mem, base + S_LOCK, this.lockStats);
    this.size = mem.load(base + S_SIZE);
  }

  get lockWord(): number {
    // Stryker disable next-line ArithmeticOperator: S_LOCK is 0 (an equivalent mutant)
    return this.base + S_LOCK;
  }

  enqueue_bulk(objs: Int32Array, n: number, off: number): number {
    const mem = this.mem;
    if (!this.unlocked) this.lock.lock(this.owner);
    const len = mem.load(this.base + S_LEN);
    if (len + n > this.size) {
      if (!this.unlocked) this.lock.unlock();
      return -ENOBUFS;
    }
    const slots = this.base + S_OBJS + len;
    mem.writeBlock(slots, objs, off, n);
    mem.store(this.base + S_LEN, len + n);
    if (!this.unlocked) this.lock.unlock();
    return 0;
  }

  dequeue_bulk(out: Int32Array, n: number, off: number): number {
    const mem = this.mem;
    if (!this.unlocked) this.lock.lock(this.owner);
    const len = mem.load(this.base + S_LEN);
    if (n > len) {
      if (!this.unlocked) this.lock.unlock();
      return -ENOENT;
    }
    const top = this.base + S_OBJS + len - 1;
    for (let i = 0; i < n; i++) out[off + i] = mem.read(top - i);
    mem.store(this.base + S_LEN, len - n);
    if (!this.unlocked) this.lock.unlock();
    return 0;
  }

  get_count(): number {
    return this.mem.load(this.base + S_LEN);
  }

  forEach(fn: (obj: number) => void): void {
    const len = this.get_count();
    for (let i = 0; i < len; i++) fn(this.mem.load(this.base + S_OBJS + i));
  }

  get stats(): OpsStats {
    return { casRetries: this.lockStats.contended, spins: this.lockStats.spins, waits: this.lockStats.waits };
  }
}

/**
 * The `lf_stack` driver: rte_stack's lock-free stack. Objects ride in preallocated list
 * nodes {next, obj}; a `used` list holds the objects and a `free` list the spare nodes.
 * Each list head is {top node, modification count} in one 64-bit word moved by CAS: the
 * count defeats ABA, since a node popped and pushed back changes it. A pop first reserves
 * n from the list's length, so the walk always finds n nodes once the pushers that
 * counted them have linked them.
 */
const L_SIZE = 0;
const L_USED = 16;
const L_FREE = 32;
const L_LEN = 2;
const L_NODES = 48;
const MASK32 = 0xffffffffn;

function pack(top: number, cnt: number): bigint {
  return BigInt.asIntN(64, (BigInt(cnt >>> 0) << 32n) | BigInt(top >>> 0));
}

export function lfStackAlloc(arena: Arena, mem: Mem, name: string, size: number): number {
  const base = arena.allocWords(`lf_stack:${name}`, L_NODES + 2 * size);
  mem.store(base + L_SIZE, size);
  // Every node starts on the free list, linked in order.
  const nodes = base + L_NODES;
  for (let k = 0; k < size; k++) mem.store(nodes + 2 * k, k + 1 < size ? nodes + 2 * (k + 1) : 0);
  mem.store64((base + L_FREE) >> 1, pack(size > 0 ? nodes : 0, 0));
  mem.store(base + L_FREE + L_LEN, size);
  return base;
}

export class LfStack implements MempoolOps {
  readonly stats: OpsStats = { casRetries: 0, spins: 0, waits: 0 };
  /** Last node of the chain the last pop took (a field: no tuple allocation). */
  private last = 0;

  constructor(
    private readonly mem: Mem,
    readonly base: number,
  ) {}

  private popElems(list: number, n: number, out: Int32Array | null, off: number): number {
    const mem = this.mem;
    const lenW = list + L_LEN;
    for (;;) {
      const len = mem.load(lenW);
      if (len < n) return 0;
      if (mem.compareExchange(lenW, len, len - n) === len) break;
      this.stats.casRetries++;
    }
    const headI = list >> 1;
    let old = mem.load64(headI);
    for (;;) {
      let tmp = Number(old & MASK32);
      const first = tmp;
      let last = 0;
      let i = 0;
      for (; i < n && tmp !== 0; i++) {
        if (out !== null) out[off + i] = mem.load(tmp + 1);
        last = tmp;
        tmp = mem.load(tmp);
      }
      if (i < n) {
        // A pusher that counted its nodes has not linked them yet: look again.
        this.stats.spins++;
        mem.pause();
        old = mem.load64(headI);
        continue;
      }
      // Stryker disable next-line ArithmeticOperator: the count only has to change on every CAS (ABA); count - 1 changes it as count + 1 does
      const found = mem.compareExchange64(headI, old, pack(tmp, Number(old >> 32n) + 1));
      if (found === old) {
        this.last = last;
        return first;
      }
      this.stats.casRetries++;
      old = found;
    }
  }

  private pushElems(list: number, first: number, last: number, n: number): void {
    const mem = this.mem;
    const headI = list >> 1;
    let old = mem.load64(headI);
    for (;;) {
      mem.store(last, Number(old & MASK32));
      // Stryker disable next-line ArithmeticOperator: the count only has to change on every CAS (ABA); count - 1 changes it as count + 1 does
      const found = mem.compareExchange64(headI, old, pack(first, Number(old >> 32n) + 1));
      if (found === old) break;
      this.stats.casRetries++;
      old = found;
    }
    mem.add(list + L_LEN, n);
  }

  enqueue_bulk(objs: Int32Array, n: number, off: number): number {
    const first = this.popElems(this.base + L_FREE, n, null, 0);
    if (first === 0) return -ENOBUFS;
    const last = this.last;
    // Filled in reverse, as rte_stack_lf does, so the last object pushed pops first.
    let node = first;
    for (let i = n - 1; i >= 0; i--) {
      this.mem.store(node + 1, objs[off + i]);
      node = this.mem.load(node);
    }
    this.pushElems(this.base + L_USED, first, last, n);
    return 0;
  }

  dequeue_bulk(out: Int32Array, n: number, off: number): number {
    const first = this.popElems(this.base + L_USED, n, out, off);
    if (first === 0) return -ENOENT;
    this.pushElems(this.base + L_FREE, first, this.last, n);
    return 0;
  }

  get_count(): number {
    return this.mem.load(this.base + L_USED + L_LEN);
  }

  forEach(fn: (obj: number) => void): void {
    let node = Number(this.mem.load64((this.base + L_USED) >> 1) & MASK32);
    for (let i = 0; node !== 0 && i < this.mem.load(this.base + L_SIZE); i++) {
      fn(this.mem.load(node + 1));
      node = this.mem.load(node);
    }
  }
}
