import { ENOBUFS } from '../errors.js';
import { Ring, type RingRef } from '../dpdk/ring.js';
import { ringFlags } from '../dpdk/ring_layout.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';

/** A message is four 32-bit words: a type and three arguments. */
export const MSG_WORDS = 4;
/** Spins before a receiver starts sleeping on its mailbox. */
const SPIN = 128;

/** Where every actor's mailbox lives: plain data for workers. */
export interface MailboxesRef {
  rings: RingRef[];
}

/** One MP/SC ring per actor, in the image: any actor sends, only the owner receives. */
export function allocMailboxes(arena: Arena, mem: Mem, actors: number, slots = 256): MailboxesRef {
  const rings: RingRef[] = [];
  for (let a = 0; a < actors; a++) rings.push(Ring.create(arena, mem, `mailbox.${a}`, slots, ringFlags('MP', 'SC'), { esize: MSG_WORDS * 4 }).ref);
  return { rings };
}

export function mailboxesBytes(actors: number, slots = 256): number {
  return actors * (Ring.memsize(slots, 0, MSG_WORDS * 4) + 64);
}

/**
 * An actor's view of the mailboxes. `send` never blocks (it returns -ENOBUFS when the
 * recipient's box is full, as rte_ring_enqueue does); `receive` spins briefly, then sleeps
 * on the box's producer tail, which every sender notifies after publishing.
 */
export class Mailboxes {
  private readonly rings: Ring[];
  private readonly msg = new Int32Array(MSG_WORDS);

  constructor(
    private readonly mem: Mem,
    ref: MailboxesRef,
    readonly self: number,
  ) {
    this.rings = ref.rings.map((r) => new Ring(mem, r));
  }

  /** Send a message to actor `to`: 0, or -ENOBUFS when its mailbox is full. */
  send(to: number, type: number, a = 0, b = 0, c = 0): number {
    const m = this.msg;
    m[0] = type;
    m[1] = a;
    m[2] = b;
    m[3] = c;
    const ring = this.rings[to];
    if (ring.enqueue_elem(m) !== 0) return -ENOBUFS;
    this.mem.notify(ring.prod.tailWord, 1);
    return 0;
  }

  /**
   * Wait up to `timeoutMs` for a message into out[0..3]. Returns true when one arrived.
   * Sleeping in bounded slices keeps a receiver responsive to the run's stop flag.
   */
  receive(out: Int32Array, timeoutMs: number): boolean {
    const ring = this.rings[this.self];
    const tailWord = ring.prod.tailWord;
    for (let i = 0; i < SPIN; i++) {
      if (ring.dequeue(out) === 0) return true;
      this.mem.pause();
    }
    const deadline = performance.now() + timeoutMs;
    for (;;) {
      const seen = this.mem.load(tailWord);
      if (ring.dequeue(out) === 0) return true;
      const left = deadline - performance.now();
      if (left <= 0) return false;
      this.mem.wait(tailWord, seen, Math.min(left, 50));
    }
  }

  /** Messages waiting in this actor's box. */
  pending(): number {
    return this.rings[this.self].count();
  }
}
