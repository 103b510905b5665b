import type { Mem } from './mem.js';

/**
 * A lock word holds 0 when free, else (owner + 1) with the top bit set once a waiter may be
 * asleep. Keeping the owner in the word lets the watchdog name who holds a lock when an
 * actor dies with it held.
 */
const WAITERS = 0x8000_0000 | 0;
const OWNER_MASK = 0x7fff_ffff;

/** Contention counters of one actor's lock operations; plain fields, local to the actor. */
export class LockStats {
  acquisitions = 0;
  contended = 0;
  spins = 0;
  waits = 0;
}

/**
 * Spin with exponential backoff, then sleep on the word with `Atomics.wait`. With more
 * runnable threads than cores, a pure spin can burn a whole time slice while the holder
 * sits preempted; the sleep hands the core back.
 */
export class SpinLock {
  /** Spins before the first sleep. */
  static spinLimit = 64;
  /** A sleeper wakes at least this often, so a lost notify costs latency, never a hang. */
  static sleepMs = 2;

  constructor(
    private readonly mem: Mem,
    readonly word: number,
    readonly stats: LockStats = new LockStats(),
  ) {}

  trylock(owner: number): boolean {
    if (this.mem.compareExchange(this.word, 0, owner + 1) === 0) {
      this.stats.acquisitions++;
      return true;
    }
    return false;
  }

  lock(owner: number): void {
    const mem = this.mem;
    const w = this.word;
    const me = owner + 1;
    if (mem.compareExchange(w, 0, me) === 0) {
      this.stats.acquisitions++;
      return;
    }
    this.stats.contended++;
    let spins = 0;
    for (;;) {
      let v = mem.load(w);
      if (v === 0) {
        // Someone else may be asleep: take the lock with the waiters bit so unlock wakes them.
        if (mem.compareExchange(w, 0, spins >= SpinLock.spinLimit ? me | WAITERS : me) === 0) break;
        continue;
      }
      if (spins < SpinLock.spinLimit) {
        spins++;
        this.stats.spins++;
        for (let i = 0, n = 1 << Math.min(spins >> 3, 6); i < n; i++) mem.pause();
        continue;
      }
      if ((v & WAITERS) === 0) {
        if (mem.compareExchange(w, v, v | WAITERS) !== v) continue;
        v |= WAITERS;
      }
      this.stats.waits++;
      mem.wait(w, v, SpinLock.sleepMs);
    }
    this.stats.acquisitions++;
  }

  unlock(): void {
    if (this.mem.exchange(this.word, 0) & WAITERS) this.mem.notify(this.word, 1);
  }

  /** The holder's actor id, or -1 when free. */
  static holder(mem: Mem, word: number): number {
    const v = mem.load(word) & OWNER_MASK;
    return v === 0 ? -1 : v - 1;
  }
}
