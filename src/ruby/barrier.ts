import type { Mem } from '../shm/mem.js';

export interface BarrierRef {
  /** Even: guilds run; odd: a stop-the-world is requested (rb_vm_barrier). */
  request: number;
  /** Guilds parked at a safepoint. */
  parked: number;
  /** Guilds that have not left for good. */
  active: number;
}

/** How long a parked guild sleeps between looks at the request word (a lost notify costs this, never a hang). */
const PARK_MS = 2;

/**
 * The VM barrier: a collector stops every guild at a safepoint, where a guild holds no
 * call-cache index, does its work, and lets them go. A guild checks for a request once per
 * call, between calls (CRuby checks interrupts at the same kind of point).
 *
 * Release waits until every parked guild has left the park, so the next request cannot
 * count a guild that is on its way back to running as parked.
 */
export class VmBarrier {
  /** Stops this barrier has made (collector side). */
  stops = 0;
  /** Time spent waiting for guilds to park, in ms (collector side). */
  waitMs = 0;

  constructor(
    private readonly mem: Mem,
    readonly ref: BarrierRef,
  ) {}

  /** Guild side: park here if a stop is requested. One atomic load when none is. */
  safepoint(): void {
    const r = this.mem.load(this.ref.request);
    if ((r & 1) !== 0) this.park(r);
  }

  private park(r: number): void {
    const mem = this.mem;
    mem.add(this.ref.parked, 1);
    mem.notify(this.ref.parked, 1);
    while (mem.load(this.ref.request) === r) mem.wait(this.ref.request, r, PARK_MS);
    mem.sub(this.ref.parked, 1);
    mem.notify(this.ref.parked, 1);
  }

  /** Guild side: leave for good (the run is over for it). */
  leave(): void {
    this.mem.sub(this.ref.active, 1);
    this.mem.notify(this.ref.parked, 1);
  }

  /**
   * Collector side: request a stop and wait until every active guild is parked. False
   * (with the guilds let go again) when they are not all parked after `maxLooks` looks of up
   * to PARK_MS each (about 2 s when none parks): a guild that died never parks, and the
   * collector must not hang on it. Counted in looks, not in wall-clock time, so that under
   * the deterministic scheduler whether a stop gives up depends on the schedule alone, never
   * on how loaded the machine was when it ran.
   */
  stopTheWorld(maxLooks = 1000): boolean {
    const mem = this.mem;
    const t0 = performance.now();
    mem.add(this.ref.request, 1);
    for (let looks = 0; ; looks++) {
      const parked = mem.load(this.ref.parked);
      if (parked >= mem.load(this.ref.active)) break;
      if (looks === maxLooks) {
        this.restart();
        return false;
      }
      mem.wait(this.ref.parked, parked, PARK_MS);
    }
    this.stops++;
    this.waitMs += performance.now() - t0;
    return true;
  }

  /** Collector side: let the guilds go, and wait until each has left the park. */
  restart(): void {
    const mem = this.mem;
    mem.add(this.ref.request, 1);
    mem.notify(this.ref.request, Infinity);
    for (;;) {
      const parked = mem.load(this.ref.parked);
      if (parked === 0) break;
      mem.wait(this.ref.parked, parked, PARK_MS);
    }
  }
}
