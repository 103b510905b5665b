import type { BadnessObserver } from '../kernel/oom_kill.js';
import { PAGE_SIZE } from '../kernel/mmzone.js';

const FIELDS = 5;

/**
 * The oom scenario's record of one select_bad_process scan: for every task it scored, what
 * oom_badness read (rss, swap entries, page-table bytes, oom_score_adj) and the points it
 * gave. Tasks change under a running killer, so the oracle cannot rescore them afterwards;
 * it recomputes from what the scan itself read. Preallocated: recording allocates nothing.
 */
export class SelectionRecord {
  private readonly slots: Int32Array;
  private readonly vals: Float64Array;
  private n = 0;
  /** Pass as OomControl.evaluated. */
  readonly observe: BadnessObserver;

  constructor(capacity: number) {
    this.slots = new Int32Array(capacity);
    this.vals = new Float64Array(capacity * FIELDS);
    this.observe = (slot, rss, swapents, pgtablesBytes, adj, points) => {
      if (this.n === this.slots.length) return;
      const v = this.n * FIELDS;
      this.slots[this.n++] = slot;
      this.vals[v] = rss;
      this.vals[v + 1] = swapents;
      this.vals[v + 2] = pgtablesBytes;
      this.vals[v + 3] = adj;
      this.vals[v + 4] = points;
    };
  }

  reset(): void {
    this.n = 0;
  }

  /**
   * Why `selected` was not the right victim of the recorded scan, or null when it was: every
   * score must be the badness formula (rss + swap entries + page-table pages + adj *
   * totalpages / 1000) of what was read, and the victim must have the highest, ties going
   * to the task met later in the walk.
   */
  check(selected: number, totalpages: number): string | null {
    let best = -1;
    let bestPoints = -Infinity;
    for (let i = 0; i < this.n; i++) {
      const v = i * FIELDS;
      const expected = this.vals[v] + this.vals[v + 1] + Math.floor(this.vals[v + 2] / PAGE_SIZE) + this.vals[v + 3] * Math.floor(totalpages / 1000);
      if (expected !== this.vals[v + 4]) return `slot ${this.slots[i]} scored ${this.vals[v + 4]}, but what the scan read gives ${expected}`;
      if (expected >= bestPoints) {
        best = this.slots[i];
        bestPoints = expected;
      }
    }
    if (best < 0 || best === selected) return null;
    return `slot ${selected} was chosen, but slot ${best} scored ${bestPoints} in the same scan`;
  }
}
