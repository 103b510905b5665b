import { EEXIST, ENAMETOOLONG } from '../errors.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import { SpinLock } from '../shm/spinlock.js';
import { RteError } from './rte_errno.js';

/**
 * The EAL's named object lists (rte_ring_tailq, rte_mempool_tailq) in the image, so every
 * lcore worker sees the same names. The list heads and their lock sit in one line carved on
 * the first create ('eal:tailq'); each entry lives inside the object it names (a ring's or
 * a mempool's header line): TQ_NEXT then the name, NUL-padded, in TQ_NAME_WORDS words.
 * Creation, free and lookup take the lock (DPDK's rte_mcfg_tailq write and read locks).
 */
export const TAILQ_RING = 0;
export const TAILQ_MEMPOOL = 1;
const KINDS = ['ring', 'mempool'] as const;
const REGION = 'eal:tailq';
const H_LOCK = 0;
const H_HEAD = 1;

export const TQ_NEXT = 0;
export const TQ_NAME = 1;
export const TQ_NAME_WORDS = 8;
export const TQ_WORDS = TQ_NAME + TQ_NAME_WORDS;
/** Bytes the list heads take in the image (one line), carved on the first create. */
export const TAILQ_HEAD_BYTES = 64;

/** RTE_MEMZONE_NAMESIZE: a memzone name with its NUL. */
export const RTE_MEMZONE_NAMESIZE = 32;
/** RTE_RING_NAMESIZE: 32 - sizeof("RG_") + 1 = 29, so a ring name has at most 28 characters. */
export const RTE_RING_NAMESIZE = RTE_MEMZONE_NAMESIZE - 4 + 1;
/** RTE_MEMPOOL_NAMESIZE: 29 - sizeof("MP_") + 1 = 26 (the backend ring is named "MP_<pool>"). */
export const RTE_MEMPOOL_NAMESIZE = RTE_RING_NAMESIZE - 4 + 1;

const enc = new TextEncoder();
const dec = new TextDecoder();

/** The name as a tailq entry holds it; ENAMETOOLONG when it does not fit `size` bytes with its NUL. */
export function checkName(name: string, size: number, what: string): Uint8Array {
  const bytes = enc.encode(name);
  if (bytes.length === 0 || bytes.length >= size) {
    throw new RteError(ENAMETOOLONG, 'name', `${what} name '${name}' has ${bytes.length} bytes`, `1 to ${size - 1} bytes (${what === 'ring' ? 'RTE_RING_NAMESIZE' : 'RTE_MEMPOOL_NAMESIZE'} ${size} with the NUL)`);
  }
  return bytes;
}

export class Tailq {
  private readonly lock: SpinLock;

  private constructor(
    private readonly mem: Mem,
    /** Word of the list heads (a pool keeps it, to leave its lists on free). */
    readonly head: number,
    private readonly owner: number,
  ) {
    // Stryker disable next-line ArithmeticOperator: H_LOCK is 0, so head - H_LOCK is head (an equivalent mutant)
    this.lock = new SpinLock(mem, head + H_LOCK);
  }

  /** The machine's lists, carved on first use: only the thread that lays the image out (setup) calls this. */
  static of(arena: Arena, mem: Mem, owner = 0): Tailq {
    const head = arena.has(REGION) ? arena.word(REGION) : arena.allocWords(REGION, TAILQ_HEAD_BYTES / 4);
    return new Tailq(mem, head, owner);
  }

  /** The lists at a known head word. */
  static at(mem: Mem, head: number, owner = 0): Tailq {
    return new Tailq(mem, head, owner);
  }

  /** The lists as a worker sees them; null when nothing was ever registered before it attached. */
  static find(arena: Arena, mem: Mem, owner = 0): Tailq | null {
    return arena.has(REGION) ? new Tailq(mem, arena.word(REGION), owner) : null;
  }

  private nameIs(entry: number, bytes: Uint8Array): boolean {
    const u8 = this.mem.u8;
    const at = (entry + TQ_NAME) * 4;
    for (let i = 0; i < bytes.length; i++) if (u8[at + i] !== bytes[i]) return false;
    return u8[at + bytes.length] === 0;
  }

  private find(kind: number, bytes: Uint8Array): number {
    for (let e = this.mem.load(this.head + H_HEAD + kind); e !== 0; e = this.mem.load(e + TQ_NEXT)) if (this.nameIs(e, bytes)) return e;
    return 0;
  }

  /** The entry word of the object named `name`, or 0. */
  lookup(kind: number, name: string): number {
    const bytes = enc.encode(name);
    this.lock.lock(this.owner);
    try {
      return this.find(kind, bytes);
    } finally {
      this.lock.unlock();
    }
  }

  /** Throws EEXIST when the name is taken (checked before anything is carved). */
  assertFree(kind: number, name: string): void {
    if (this.lookup(kind, name) !== 0) throw new RteError(EEXIST, 'name', `a ${KINDS[kind]} named '${name}' already exists`, 'a name not in use on this machine');
  }

  /** TAILQ_INSERT_TAIL of the entry at word `entry` under `name`; EEXIST (nothing inserted) when taken. */
  insert(kind: number, entry: number, name: string): void {
    const bytes = enc.encode(name);
    const u8 = this.mem.u8;
    this.lock.lock(this.owner);
    try {
      if (this.find(kind, bytes) !== 0) throw new RteError(EEXIST, 'name', `a ${KINDS[kind]} named '${name}' already exists`, 'a name not in use on this machine');
      u8.fill(0, (entry + TQ_NAME) * 4, (entry + TQ_WORDS) * 4);
      u8.set(bytes, (entry + TQ_NAME) * 4);
      // Stryker disable next-line ArithmeticOperator: TQ_NEXT is 0, so entry - TQ_NEXT is entry (an equivalent mutant)
      this.mem.store(entry + TQ_NEXT, 0);
      let link = this.head + H_HEAD + kind;
      for (let e = this.mem.load(link); e !== 0; e = this.mem.load(link)) link = e + TQ_NEXT;
      this.mem.store(link, entry);
    } finally {
      this.lock.unlock();
    }
  }

  /** TAILQ_REMOVE: true when the entry was on the list (its name is then free again). */
  remove(kind: number, entry: number): boolean {
    this.lock.lock(this.owner);
    try {
      let link = this.head + H_HEAD + kind;
      // Stryker disable next-line ArithmeticOperator: TQ_NEXT is 0, so e - TQ_NEXT is e (an equivalent mutant)
      for (let e = this.mem.load(link); e !== 0; link = e + TQ_NEXT, e = this.mem.load(link)) {
        if (e === entry) {
          // Stryker disable next-line ArithmeticOperator: TQ_NEXT is 0, so e - TQ_NEXT is e (an equivalent mutant)
          this.mem.store(link, this.mem.load(e + TQ_NEXT));
          // Stryker disable next-line ArithmeticOperator: TQ_NEXT is 0, so e - TQ_NEXT is e (an equivalent mutant)
          this.mem.store(e + TQ_NEXT, 0);
          return true;
        }
      }
      return false;
    } finally {
      this.lock.unlock();
    }
  }

  /** Every entry of a list, in creation order (rte_ring_list_dump, rte_mempool_list_dump). */
  entries(kind: number): Array<{ entry: number; name: string }> {
    const out: Array<{ entry: number; name: string }> = [];
    this.lock.lock(this.owner);
    try {
      for (let e = this.mem.load(this.head + H_HEAD + kind); e !== 0; e = this.mem.load(e + TQ_NEXT)) {
        const at = (e + TQ_NAME) * 4;
        const bytes = this.mem.u8.subarray(at, at + TQ_NAME_WORDS * 4);
        out.push({ entry: e, name: dec.decode(bytes.subarray(0, bytes.indexOf(0) < 0 ? bytes.length : bytes.indexOf(0))) });
      }
    } finally {
      this.lock.unlock();
    }
    return out;
  }
}

/** A region name for an object that may be created again after a free: 'ring:x', then 'ring:x#2', ... */
export function regionTag(arena: Arena, prefix: string): string {
  if (!arena.has(prefix)) return prefix;
  let k = 2;
  while (arena.has(`${prefix}#${k}`)) k++;
  return `${prefix}#${k}`;
}
