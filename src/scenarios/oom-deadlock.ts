import type { OomKiller } from '../kernel/oom_kill.js';
import { OOM_SCORE_ADJ_MIN, T_MM_ID, T_OOM_SCORE_ADJ, T_PID, TF_ALIVE, TF_EXITING, TF_OOM_VICTIM, TF_VFORK, type TaskTable } from '../kernel/task.js';

/**
 * The oom scenario's witness for "System is deadlocked on memory": before a scan it notes
 * every task select_bad_process must be able to choose (alive, not a victim nor exiting, an
 * mm, not init, a kernel thread or oom_score_adj -1000). A task that is still that same
 * process (same pid: pids are never reused here) and still not a victim after the scan was
 * choosable throughout it, so if it holds pages, a "no killable processes" panic is a bug.
 */
export class KillableWitness {
  private readonly pids: Int32Array;

  constructor(
    private readonly tasks: TaskTable,
    private readonly killer: OomKiller,
  ) {
    this.pids = new Int32Array(tasks.ref.capacity);
  }

  /**
   * oom_badness's test less MMF_OOM_SKIP: that flag on a task nobody chose is the bug this
   * witness exists for (a kill lost mid-fork left it there). A vfork child is unkillable.
   */
  private killable(t: number): boolean {
    const tt = this.tasks;
    return tt.has(t, TF_ALIVE) && !tt.has(t, TF_OOM_VICTIM | TF_EXITING | TF_VFORK) && tt.get(t, T_MM_ID) !== 0 && !this.killer.oom_unkillable_task(t) &&
      tt.get(t, T_OOM_SCORE_ADJ) !== OOM_SCORE_ADJ_MIN;
  }

  /** Before the scan; only tasks the constraint lets it choose count (all when `eligible` is absent). */
  note(eligible?: (t: number) => boolean): void {
    for (let t = 0; t < this.pids.length; t++) this.pids[t] = this.killable(t) && (!eligible || eligible(t)) ? this.tasks.get(t, T_PID) : 0;
  }

  /** After a scan that found nobody: the first task that was killable throughout and holds pages, described, or null. */
  contradiction(): string | null {
    const tt = this.tasks;
    for (let t = 0; t < this.pids.length; t++) {
      if (this.pids[t] === 0 || tt.get(t, T_PID) !== this.pids[t] || !this.killable(t) || tt.rss(t) === 0) continue;
      return `"Out of memory and no killable processes" while pid ${this.pids[t]} (${tt.comm(t)}) held ${tt.rss(t)} pages with oom_score_adj ${tt.get(t, T_OOM_SCORE_ADJ)}, neither a victim nor protected`;
    }
    return null;
  }
}
