import type { Arena } from '../shm/arena.js';
import { LINE_WORDS } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import type { Tlb } from './tlb.js';

/**
 * TLB shootdown, as Linux's flush_tlb_mm_range -> native_flush_tlb_multi does it with
 * smp_call_function_many(..., wait = true): the CPU that unmapped or downgraded a range
 * posts it to every other CPU that may cache the mm (the mm's cpumask), rings their
 * doorbell (the IPI), and waits until each has invalidated and acknowledged. Only then may
 * the caller free the frames (mmu_gather: clear PTEs, flush, then free).
 *
 * Layout: a doorbell line per CPU, and a request line per (sender, target) pair that only
 * the sender writes (it has one shootdown in flight at a time) and only the target
 * acknowledges, so senders never contend with each other.
 *
 * A CPU takes its requests between two accesses (an interrupt arrives between
 * instructions), and also whenever it waits: for an ack of its own, for a lock, for a
 * swap read. A waiter that served nothing could wait forever on a CPU that waits on it.
 */
const R_SEQ = 0;
const R_ACK = 1;
const R_ASID = 2;
const R_START_LO = 3;
const R_START_HI = 4;
const R_PAGES = 5;

export interface ShootdownRef {
  cpus: number;
  doorbells: number;
  requests: number;
}

export function createShootdown(arena: Arena, cpus: number): ShootdownRef {
  return {
    cpus,
    doorbells: arena.allocWords('paging.shootdown.doorbells', cpus * LINE_WORDS),
    requests: arena.allocWords('paging.shootdown.requests', cpus * cpus * LINE_WORDS),
  };
}

/** Broken on purpose: flush the local TLB only and free at once, as if no other CPU cached the page. */
export const VARIANT_NO_SHOOTDOWN = 1;

export class ShootdownStats {
  /** Shootdowns this CPU started, requests it sent (IPIs), requests it served, waits on an ack. */
  initiated = 0;
  sent = 0;
  served = 0;
  waits = 0;
}

export class Shootdown {
  readonly stats = new ShootdownStats();
  private seenBell = 0;
  private seq = 0;

  constructor(
    private readonly mem: Mem,
    private readonly ref: ShootdownRef,
    readonly cpu: number,
    private readonly tlb: Tlb,
    private readonly variant = 0,
  ) {}

  private request(src: number, dst: number): number {
    return this.ref.requests + (src * this.ref.cpus + dst) * LINE_WORDS;
  }

  /**
   * Invalidate [start, start + n) of `asid` here and on every CPU in `cpumask`, returning
   * once all have acknowledged. The caller must not hold a lock that a target may be
   * waiting for without serving (every wait in paging serves).
   */
  flush(asid: number, start: number, n: number, cpumask: number): void {
    const mem = this.mem;
    this.tlb.flushRange(asid, start, n);
    const others = cpumask & ~(1 << this.cpu);
    if (others === 0 || this.variant === VARIANT_NO_SHOOTDOWN) return;
    this.stats.initiated++;
    const seq = ++this.seq;
    for (let dst = 0; dst < this.ref.cpus; dst++) {
      if ((others & (1 << dst)) === 0) continue;
      const r = this.request(this.cpu, dst);
      mem.store(r + R_ASID, asid);
      mem.store(r + R_START_LO, start | 0);
      mem.store(r + R_START_HI, (start / 4294967296) | 0);
      mem.store(r + R_PAGES, n);
      // The sequence number publishes the request: a target that sees it sees the range.
      mem.store(r + R_SEQ, seq);
      const bell = this.ref.doorbells + dst * LINE_WORDS;
      mem.add(bell, 1);
      mem.notify(bell, 1);
      this.stats.sent++;
    }
    for (let dst = 0; dst < this.ref.cpus; dst++) {
      if ((others & (1 << dst)) === 0) continue;
      const ackWord = this.request(this.cpu, dst) + R_ACK;
      for (;;) {
        const ack = mem.load(ackWord);
        if (ack === seq) break;
        this.serve();
        this.stats.waits++;
        mem.wait(ackWord, ack, 0.2);
      }
    }
  }

  /** Take pending requests: invalidate each posted range, then acknowledge it. One load when none. */
  serve(): void {
    const mem = this.mem;
    const bell = mem.load(this.ref.doorbells + this.cpu * LINE_WORDS);
    if (bell === this.seenBell) return;
    this.seenBell = bell;
    for (let src = 0; src < this.ref.cpus; src++) {
      if (src === this.cpu) continue;
      const r = this.request(src, this.cpu);
      const seq = mem.load(r + R_SEQ);
      if (seq === mem.load(r + R_ACK)) continue;
      const start = (mem.load(r + R_START_LO) >>> 0) + mem.load(r + R_START_HI) * 4294967296;
      this.tlb.flushRange(mem.load(r + R_ASID), start, mem.load(r + R_PAGES));
      mem.store(r + R_ACK, seq);
      mem.notify(r + R_ACK, 1);
      this.stats.served++;
    }
  }

  /**
   * A CPU done with its work counts itself in `doneWord` and keeps answering flush
   * requests until all `cpus` have: another may still be shooting down a page of its mm,
   * and a CPU that left could never acknowledge.
   */
  drain(doneWord: number, cpus: number): void {
    this.mem.add(doneWord, 1);
    this.mem.notify(doneWord, Infinity);
    for (let v = this.mem.load(doneWord); v < cpus; v = this.mem.load(doneWord)) this.waitServing(doneWord, v, 1);
  }

  /** Sleep up to `ms` on `word` while it holds `value`, serving shootdowns first: the wait of a CPU with interrupts on. */
  waitServing(word: number, value: number, ms: number): void {
    this.serve();
    this.mem.wait(word, value, ms);
  }
}
