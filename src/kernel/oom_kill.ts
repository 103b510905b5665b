import { GFP_KERNEL, __GFP_FS, gfpNames } from './gfp.js';
import { nodelist } from './memcg.js';
import { PAGE_SIZE } from './mmzone.js';
import type { VmAccounting } from './overcommit.js';
import {
  MMF_OOM_SKIP, OOM_SCORE_ADJ_MIN, PF_KTHREAD, T_FLAGS, T_MM_FLAGS, T_MM_ID, T_OOM_SCORE_ADJ, T_PGTABLES_BYTES, T_PID, T_PPID,
  T_LOCKED_VM, T_REAP_TRIES, T_RSS_ANON, T_RSS_FILE, T_RSS_SHMEM, T_SWAPENTS, T_TOTAL_VM, T_UID, TF_EXITING, TF_INIT, TF_OOM_ORIGIN,
  TF_ALIVE, TF_GEN_MASK, TF_OOM_VICTIM, TF_VFORK, type TaskTable,
} from './task.js';

/**
 * The OOM killer of Linux 6.6 (mm/oom_kill.c), over the task list in the image. The
 * decision is the kernel's, step for step; what "killing" and "reaping" do to memory is
 * left to the caller (a scenario frees its frames), so the same code serves unit tests and
 * processes on real workers.
 */
export type OomConstraint = 'CONSTRAINT_NONE' | 'CONSTRAINT_CPUSET' | 'CONSTRAINT_MEMORY_POLICY' | 'CONSTRAINT_MEMCG';

export interface OomControl {
  /** Slot of the allocating task (`current`), or -1 for a kernel-internal allocation. */
  current: number;
  order: number;
  /** RAM + swap pages, or the constraining domain's pages. */
  totalpages: number;
  constraint: OomConstraint;
  /** Tasks the constraint allows (cpuset / mempolicy); all when absent. */
  eligible?: (slot: number) => boolean;
  /** The memory cgroup whose limit was hit (CONSTRAINT_MEMCG), as a cgroup path. */
  memcg?: string;
  /** The allocation's mempolicy nodemask (CONSTRAINT_MEMORY_POLICY); (null) when absent. */
  nodemask?: readonly number[];
  /** The allocating task's cpuset and its mems, for the oom-kill line. */
  cpuset?: string;
  mems_allowed?: readonly number[];
  /** The failed allocation's gfp flags (GFP_KERNEL when absent); without __GFP_FS the killer does not run. */
  gfp_mask?: number;
  /** sysrq-f: a forced kill, never a panic. */
  sysrq?: boolean;
  /**
   * Called for each task select_bad_process scores, with what oom_badness read and what it
   * made of it: an oracle's record of the scan, so it can recompute the choice.
   */
  evaluated?: BadnessObserver;
}

/** (slot, rss pages, swap entries, page-table bytes, oom_score_adj, points). */
export type BadnessObserver = (slot: number, rss: number, swapents: number, pgtablesBytes: number, adj: number, points: number) => void;

export type OomAction =
  | 'notifier-freed'
  | 'current-dying'
  | 'no-fs'
  | 'panic'
  | 'killed-allocating-task'
  | 'killed'
  | 'victim-still-dying'
  | 'no-victim'
  | 'no-victim-panic'
  | 'victim-gone';

export interface OomResult {
  action: OomAction;
  victim: number;
  points: number;
  /** The kernel log lines of this invocation. */
  log: string[];
  panic?: string;
  /** The victim was already marked when this killer marked it: two killers ran at once. */
  raced?: boolean;
  /** The task select_bad_process chose (the victim, unless child-first sacrificed a child). */
  selected?: number;
}

/** Options of the model beyond the sysctls. */
export interface OomOptions {
  /** Kernels 2.6.36 to 5.0: kill the victim's highest-scoring child with its own mm instead. */
  childFirst?: boolean;
  /** Kernels 4.6 to 5.17: the oom_reaper skips VM_LOCKED vmas (can_madv_lru_vma), leaving mlocked memory to exit_mmap. */
  reaperSkipsMlocked?: boolean;
}

/** vm_flags bits (include/linux/mm.h) that decide what the oom_reaper unmaps. */
export const VM_SHARED = 0x8;
export const VM_PFNMAP = 0x400;
export const VM_LOCKED = 0x2000;
export const VM_HUGETLB = 0x400000;

/**
 * oom_cpuset_eligible (6.6): under a mempolicy OOM (a nodemask) a task is eligible unless it
 * is bound (MPOL_BIND) to nodes all outside the nodemask (mempolicy_in_oom_domain); otherwise
 * its cpuset's mems must intersect the allocating task's (cpuset_mems_allowed_intersects).
 * Node sets are bitmasks (bit n: node n); `bindNodes` 0 is "not MPOL_BIND".
 */
export function oom_cpuset_eligible(nodemask: number, bindNodes: number, taskMems: number, currentMems: number): boolean {
  if (nodemask) return bindNodes === 0 || (bindNodes & nodemask) !== 0;
  return (taskMems & currentMems) !== 0;
}

/** A node list as a bitmask (bit n: node n). */
export function nodeBits(nodes: readonly number[]): number {
  let m = 0;
  for (const n of nodes) m |= 1 << n;
  return m;
}

/** What `oom_badness` returns for a task that must not be chosen (LONG_MIN). */
export const OOM_UNKILLABLE = -Number.MAX_SAFE_INTEGER;
/** oom_task_origin: chosen before anything else (LONG_MAX). */
const OOM_ORIGIN_POINTS = Number.MAX_SAFE_INTEGER;
export const MAX_OOM_REAP_RETRIES = 10;

const K = (pages: number) => pages * (PAGE_SIZE >> 10);

export class OomKiller {
  /** Notifier chain (register_oom_notifier): each returns pages freed. */
  readonly notifiers: Array<() => number> = [];

  constructor(
    readonly tasks: TaskTable,
    readonly vm: VmAccounting,
    readonly opts: OomOptions = {},
  ) {}

  /** oom_unkillable_task: init and kernel threads. */
  oom_unkillable_task(t: number): boolean {
    return this.tasks.has(t, TF_INIT) || this.tasks.has(t, PF_KTHREAD);
  }

  /** oom_badness: rss + swap entries + page-table pages + oom_score_adj * totalpages / 1000. */
  oom_badness(t: number, totalpages: number, seen?: BadnessObserver): number {
    const tt = this.tasks;
    if (this.oom_unkillable_task(t) || tt.get(t, T_MM_ID) === 0) return OOM_UNKILLABLE;
    const adj = tt.get(t, T_OOM_SCORE_ADJ);
    if (adj === OOM_SCORE_ADJ_MIN || (tt.get(t, T_MM_FLAGS) & MMF_OOM_SKIP) !== 0 || tt.has(t, TF_VFORK)) return OOM_UNKILLABLE;
    const rss = tt.rss(t);
    const swapents = tt.get(t, T_SWAPENTS);
    const pgtables = tt.get(t, T_PGTABLES_BYTES);
    const points = rss + swapents + Math.floor(pgtables / PAGE_SIZE) + adj * Math.floor(totalpages / 1000);
    seen?.(t, rss, swapents, pgtables, adj, points);
    return points;
  }

  /**
   * select_bad_process: walk every task (oom_evaluate_task). Returns the victim's slot and
   * points, -1 for none, or -2 when a victim of an earlier kill is still dying: then nobody
   * else is killed (the scan aborts).
   */
  select_bad_process(oc: OomControl): { chosen: number; points: number; gen: number } {
    let chosen = -1;
    let chosenPoints = OOM_UNKILLABLE;
    let chosenGen = 0;
    for (const t of this.tasks.live()) {
      // Read before the task is scored: what is chosen is this process, not a later one in the slot.
      const gen = this.tasks.gen(t);
      if (this.oom_unkillable_task(t)) continue;
      if (oc.eligible && !oc.eligible(t)) continue;
      if (!oc.sysrq && this.tasks.has(t, TF_OOM_VICTIM)) {
        if (this.tasks.get(t, T_MM_FLAGS) & MMF_OOM_SKIP) continue;
        return { chosen: -2, points: 0, gen: 0 };
      }
      let points: number;
      if (this.tasks.has(t, TF_OOM_ORIGIN)) points = OOM_ORIGIN_POINTS;
      else {
        points = this.oom_badness(t, oc.totalpages, oc.evaluated);
        // Ties go to the task met later in the walk: `points < chosen_points` skips, equal selects.
        if (points === OOM_UNKILLABLE || points < chosenPoints) continue;
      }
      chosen = t;
      chosenPoints = points;
      chosenGen = gen;
    }
    return { chosen, points: chosenPoints, gen: chosenGen };
  }

  /** out_of_memory: the caller holds oom_lock (see OomLock). */
  out_of_memory(oc: OomControl): OomResult {
    const log: string[] = [];
    if (oc.constraint !== 'CONSTRAINT_MEMCG') {
      let freed = 0;
      for (const n of this.notifiers) freed += n();
      if (freed > 0 && !oc.sysrq) return { action: 'notifier-freed', victim: -1, points: 0, log: [`oom notifier chain freed ${freed} pages`] };
    }
    // task_will_free_mem(current): a task already dying gets the reserves, nobody else dies.
    if (oc.current >= 0 && this.tasks.has(oc.current, TF_EXITING)) {
      this.mark_oom_victim(oc.current);
      return { action: 'current-dying', victim: oc.current, points: 0, log: [`pid ${this.tasks.get(oc.current, T_PID)} is already exiting: it gets the memory reserves`] };
    }
    if (((oc.gfp_mask ?? GFP_KERNEL) & __GFP_FS) === 0 && oc.constraint !== 'CONSTRAINT_MEMCG') return { action: 'no-fs', victim: -1, points: 0, log };
    const panicOnOom = this.vm.sysctl('vm.panic_on_oom');
    if (panicOnOom && !oc.sysrq && (panicOnOom === 2 || oc.constraint === 'CONSTRAINT_NONE')) {
      log.push(...this.dump_header(oc));
      const panic = `Kernel panic - not syncing: Out of memory: ${panicOnOom === 2 ? 'compulsory' : 'system-wide'} panic_on_oom is enabled`;
      return { action: 'panic', victim: -1, points: 0, log: [...log, panic], panic };
    }
    const cur = oc.current;
    // A memcg OOM always selects within the group: oom_kill_allocating_task is for global OOMs.
    if (
      oc.constraint !== 'CONSTRAINT_MEMCG' && this.vm.sysctl('vm.oom_kill_allocating_task') && cur >= 0 && this.tasks.get(cur, T_MM_ID) !== 0 && !this.oom_unkillable_task(cur) &&
      (!oc.eligible || oc.eligible(cur)) && this.tasks.get(cur, T_OOM_SCORE_ADJ) !== OOM_SCORE_ADJ_MIN
    ) {
      log.push(...this.oom_kill_process(oc, cur, 'Out of memory (oom_kill_allocating_task)'));
      return { action: 'killed-allocating-task', victim: cur, points: this.oom_badness(cur, oc.totalpages), log, raced: this.raced };
    }
    const { chosen, points, gen } = this.select_bad_process(oc);
    if (chosen === -2) return { action: 'victim-still-dying', victim: -1, points: 0, log: ['an earlier OOM victim is still exiting: no new victim'] };
    if (chosen < 0) {
      log.push(...this.dump_header(oc), 'Out of memory and no killable processes...');
      // Only a real system-wide allocation cannot go on: sysrq and memcg OOMs return (the charge fails).
      if (oc.sysrq || oc.constraint === 'CONSTRAINT_MEMCG') return { action: 'no-victim', victim: -1, points: 0, log };
      const panic = 'Kernel panic - not syncing: System is deadlocked on memory';
      return { action: 'no-victim-panic', victim: -1, points: 0, log: [...log, panic], panic };
    }
    log.push(...this.dump_header(oc));
    const victim = this.opts.childFirst ? this.sacrifice_child(chosen, oc) : chosen;
    const killed = this.oom_kill_process(oc, victim, oc.constraint === 'CONSTRAINT_MEMCG' ? 'Memory cgroup out of memory' : 'Out of memory', victim === chosen ? gen : undefined);
    log.push(...killed);
    if (this.gone) return { action: 'victim-gone', victim: -1, selected: chosen, points, log };
    return { action: 'killed', victim, selected: chosen, points: victim === chosen ? points : this.oom_badness(victim, oc.totalpages), log, raced: this.raced };
  }

  /** Kernels before 5.0: a child with its own mm and the highest badness dies for its parent. */
  private sacrifice_child(parent: number, oc: OomControl): number {
    const tt = this.tasks;
    const pid = tt.get(parent, T_PID);
    const mm = tt.get(parent, T_MM_ID);
    let victim = parent;
    let best = 0;
    for (const c of tt.live()) {
      if (tt.get(c, T_PPID) !== pid || tt.get(c, T_MM_ID) === mm) continue;
      const p = this.oom_badness(c, oc.totalpages);
      if (p > best) {
        best = p;
        victim = c;
      }
    }
    return victim;
  }

  /**
   * mark_oom_victim: the task is dying and may use the reserves; later scans wait for it.
   * True if it already was a victim. With `gen` (the slot's generation when it was chosen),
   * only that process is marked: -1 when it has exited (the slot free, or holding another).
   */
  mark_oom_victim(t: number, gen?: number): number {
    const w = this.tasks.w(t, T_FLAGS);
    const mem = this.tasks.mem;
    for (;;) {
      const f = mem.load(w);
      if (!(f & TF_ALIVE) || (gen !== undefined && (f & TF_GEN_MASK) !== gen)) return -1;
      if (mem.compareExchange(w, f, f | TF_OOM_VICTIM | TF_EXITING) === f) return f & TF_OOM_VICTIM ? 1 : 0;
    }
  }

  /** Set by oom_kill_process when its victim had been marked by another killer meanwhile. */
  // Stryker disable next-line BooleanLiteral: oom_kill_process sets it before anything reads it
  private raced = false;
  /** Set by oom_kill_process when its victim exited before the kill (find_lock_task_mm found no mm). */
  // Stryker disable next-line BooleanLiteral: oom_kill_process sets it before anything reads it
  private gone = false;

  /**
   * __oom_kill_process: SIGKILL to the victim and to every other process that shares its
   * mm, whatever their oom_score_adj (since 4.8), kernel threads aside; an mm that init
   * shares is never reaped (MMF_OOM_SKIP, "has mm pinned by").
   */
  oom_kill_process(oc: OomControl, victim: number, message: string, gen?: number): string[] {
    const tt = this.tasks;
    // The kill first (SIGKILL, then mark_oom_victim), the report after, as __oom_kill_process does.
    const marked = this.mark_oom_victim(victim, gen);
    this.gone = marked < 0;
    this.raced = marked > 0;
    // The kernel names the task it holds; the slot may already hold another, so no pid here.
    if (this.gone) return ['OOM victim is already exiting. Skip killing the task'];
    const where = oc.constraint === 'CONSTRAINT_MEMCG' ? `oom_memcg=${oc.memcg ?? '/'},task_memcg=${oc.memcg ?? '/'}` : 'global_oom,task_memcg=/';
    const log = [
      `oom-kill:constraint=${oc.constraint},nodemask=${oc.nodemask ? nodelist(oc.nodemask) : '(null)'},cpuset=/${oc.cpuset ?? ''},mems_allowed=${nodelist(oc.mems_allowed ?? [0])},${where},task=${tt.comm(victim)},pid=${tt.get(victim, T_PID)},uid=${tt.get(victim, T_UID)}`,
      `${message}: Killed process ${tt.get(victim, T_PID)} (${tt.comm(victim)}) total-vm:${K(tt.get(victim, T_TOTAL_VM))}kB, anon-rss:${K(tt.get(victim, T_RSS_ANON))}kB, file-rss:${K(tt.get(victim, T_RSS_FILE))}kB, shmem-rss:${K(tt.get(victim, T_RSS_SHMEM))}kB, UID:${tt.get(victim, T_UID)} pgtables:${tt.get(victim, T_PGTABLES_BYTES) >> 10}kB oom_score_adj:${tt.get(victim, T_OOM_SCORE_ADJ)}`,
    ];
    const mm = tt.get(victim, T_MM_ID);
    for (const t of tt.live()) {
      // Stryker disable next-line ConditionalExpression: the victim is TF_EXITING already (mark_oom_victim)
      if (t === victim) continue;
      if (tt.get(t, T_MM_ID) !== mm || tt.has(t, PF_KTHREAD)) continue;
      if (tt.has(t, TF_INIT)) {
        tt.or(victim, T_MM_FLAGS, MMF_OOM_SKIP);
        log.push(`oom killer ${tt.get(victim, T_PID)} (${tt.comm(victim)}) has mm pinned by ${tt.get(t, T_PID)} (${tt.comm(t)})`);
        continue;
      }
      tt.or(t, T_FLAGS, TF_EXITING);
    }
    return log;
  }

  /**
   * __oom_reap_task_mm's test of one vma (6.6): hugetlb and PFN-mapped vmas are skipped; of
   * the rest only anonymous or private (not VM_SHARED) ones are unmapped, so shmem and shared
   * file pages wait for exit_mmap. mlocked (VM_LOCKED) memory is unmapped like any other since
   * 5.18 (the munlock rework); before, can_madv_lru_vma skipped it as well.
   */
  oom_reap_vma(vm_flags: number, anonymous: boolean): boolean {
    if (vm_flags & (VM_HUGETLB | VM_PFNMAP)) return false;
    if (this.opts.reaperSkipsMlocked && vm_flags & VM_LOCKED) return false;
    return anonymous || (vm_flags & VM_SHARED) === 0;
  }

  /**
   * The pages one reaper pass frees of task t's mm, as the model keeps it: an anonymous vma
   * (rss_anon less the mlocked pages) and an mlocked one (locked_vm). Shmem and file pages
   * count as shared mappings (`VM_SHARED`, not anonymous), which oom_reap_vma always leaves
   * to exit_mmap.
   */
  oom_reapable_pages(t: number): number {
    const tt = this.tasks;
    const locked = tt.get(t, T_LOCKED_VM);
    // Stryker disable next-line BooleanLiteral: a vma without VM_SHARED is reaped whether anonymous or private
    return (this.oom_reap_vma(0, true) ? tt.get(t, T_RSS_ANON) - locked : 0) + (this.oom_reap_vma(VM_LOCKED, true) ? locked : 0);
  }

  /** The line oom_reap_task_mm logs after a pass: what the mm still holds. */
  oom_reaped_line(t: number): string {
    const tt = this.tasks;
    return `oom_reaper: reaped process ${tt.get(t, T_PID)} (${tt.comm(t)}), now anon-rss:${K(tt.get(t, T_RSS_ANON))}kB, file-rss:${K(tt.get(t, T_RSS_FILE))}kB, shmem-rss:${K(tt.get(t, T_RSS_SHMEM))}kB`;
  }

  /**
   * One pass of the oom_reaper on a victim: `reap` frees what it can of the mm and returns
   * whether it could (false: mmap_lock was busy). After MAX_OOM_REAP_RETRIES failures, or
   * once done, MMF_OOM_SKIP lets the next OOM look past this task.
   */
  oom_reap_task(t: number, reap: (slot: number) => boolean): boolean {
    const tt = this.tasks;
    const ok = reap(t);
    const tries = tt.add(t, T_REAP_TRIES, 1) + 1;
    if (ok || tries >= MAX_OOM_REAP_RETRIES) {
      tt.or(t, T_MM_FLAGS, MMF_OOM_SKIP);
      return true;
    }
    return false;
  }

  /** The dump_header lines: the invocation, then the task table when vm.oom_dump_tasks. */
  dump_header(oc: OomControl): string[] {
    const cur = oc.current;
    const gfp = oc.gfp_mask ?? GFP_KERNEL;
    const who = cur >= 0 ? `${this.tasks.comm(cur)} invoked oom-killer: gfp_mask=0x${gfp.toString(16)}(${gfpNames(gfp)}), order=${oc.order}, oom_score_adj=${this.tasks.get(cur, T_OOM_SCORE_ADJ)}` : `kernel invoked oom-killer: order=${oc.order}`;
    return this.vm.sysctl('vm.oom_dump_tasks') ? [who, ...this.dump_tasks(oc)] : [who];
  }

  /** oom_dump_tasks, in 6.6's format (memory values in pages). */
  dump_tasks(oc: OomControl): string[] {
    const tt = this.tasks;
    const lines = ['Tasks state (memory values in pages):', '[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name'];
    for (const t of tt.live()) {
      if (this.oom_unkillable_task(t) || tt.get(t, T_MM_ID) === 0 || (oc.eligible && !oc.eligible(t))) continue;
      const pid = tt.get(t, T_PID);
      lines.push(
        `[${String(pid).padStart(7)}] ${String(tt.get(t, T_UID)).padStart(5)} ${String(pid).padStart(5)} ${String(tt.get(t, T_TOTAL_VM)).padStart(8)} ${String(tt.rss(t)).padStart(8)} ${String(tt.get(t, T_PGTABLES_BYTES)).padStart(8)} ${String(tt.get(t, T_SWAPENTS)).padStart(8)}         ${String(tt.get(t, T_OOM_SCORE_ADJ)).padStart(5)} ${tt.comm(t)}`,
      );
    }
    return lines;
  }
}
