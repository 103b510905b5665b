import { ConfigError } from '../errors.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';

const UTF8_ENCODER = new TextEncoder();
const UTF8_DECODER = new TextDecoder();

/**
 * The task list in the image: one 32-word slot per task, with what the OOM killer and
 * /proc read of task_struct, signal_struct and mm_struct. Memory figures are in pages,
 * pgtables in bytes, as in the kernel.
 */
export const TASK_WORDS = 32;
export const T_PID = 0;
export const T_PPID = 1;
export const T_FLAGS = 2;
export const T_UID = 3;
export const T_OOM_SCORE_ADJ = 4;
export const T_OOM_SCORE_ADJ_MIN = 5;
export const T_MM_FLAGS = 6;
export const T_TOTAL_VM = 7;
export const T_RSS_ANON = 8;
export const T_RSS_FILE = 9;
export const T_RSS_SHMEM = 10;
export const T_SWAPENTS = 11;
export const T_PGTABLES_BYTES = 12;
/** Pages charged to Committed_AS by this task's private writable mappings. */
export const T_COMMITTED = 13;
/** Which mm this task uses (tasks sharing an mm share the id); 0: none (kernel thread). */
export const T_MM_ID = 14;
/** How many times the reaper tried this victim. */
export const T_REAP_TRIES = 15;
export const T_COMM = 16;
export const TASK_COMM_LEN = 16;
/** How many processes this slot has held: the generation its flags word carries (TF_GEN). */
export const T_GEN = 20;
/** The task's memory cgroup: 0 the root, else a group id (its pages are charged there). */
export const T_MEMCG = 21;
/** cpuset mems_allowed as a node bitmask (bit n: node n); 0: every node (the root cpuset). */
export const T_MEMS_ALLOWED = 22;
/** The nodes of an MPOL_BIND mempolicy as a bitmask; 0: not MPOL_BIND. */
export const T_MPOL_BIND = 23;
/** mm->locked_vm: anonymous pages in VM_LOCKED vmas (mlock), part of T_RSS_ANON. */
export const T_LOCKED_VM = 24;

/** task->flags and signal state, packed. */
export const PF_KTHREAD = 0x1;
export const TF_INIT = 0x2;
/** Alive (slot in use and not yet exited). */
export const TF_ALIVE = 0x4;
/** SIGKILL pending or exiting: task_will_free_mem. */
export const TF_EXITING = 0x8;
/** tsk_is_oom_victim: marked by mark_oom_victim. */
export const TF_OOM_VICTIM = 0x10;
/** in_vfork: a vfork child sharing its parent's mm. */
export const TF_VFORK = 0x20;
/** oom_task_origin: marked to be killed first (swapoff, KSM unmerge). */
export const TF_OOM_ORIGIN = 0x40;
/**
 * fork is filling the slot: taken (no other fork claims it) but not yet alive, so no scan
 * (select_bad_process, the reaper) sees a half-built task with its predecessor's mm.
 */
export const TF_FORKING = 0x100;
/**
 * The slot's generation in the flags word of a live task (bits 16-30): a killer that chose
 * a slot marks it only while the flags still carry the generation it scanned, so a process
 * forked into the slot after the chosen one exited is never hit by a kill aimed at its
 * predecessor (the kernel holds a reference on the task_struct instead).
 */
export const TF_GEN_SHIFT = 16;
export const TF_GEN_MASK = 0x7fff << TF_GEN_SHIFT;
/** The mm's MMF_OOM_SKIP: the reaper is done with it (or gave up). */
export const MMF_OOM_SKIP = 0x1;

export const OOM_SCORE_ADJ_MIN = -1000;
export const OOM_SCORE_ADJ_MAX = 1000;

export interface TaskSpec {
  pid: number;
  ppid?: number;
  comm: string;
  uid?: number;
  oomScoreAdj?: number;
  kthread?: boolean;
  init?: boolean;
  vfork?: boolean;
  origin?: boolean;
  /** mm id; defaults to the pid (its own mm); 0 for kernel threads. */
  mm?: number;
  totalVm?: number;
  rssAnon?: number;
  rssFile?: number;
  rssShmem?: number;
  swapents?: number;
  pgtablesBytes?: number;
  /** T_MEMCG, T_MEMS_ALLOWED, T_MPOL_BIND (0 each when absent). */
  memcg?: number;
  memsAllowed?: number;
  mpolBind?: number;
  /** T_LOCKED_VM: of rssAnon, the pages mlocked. */
  lockedVm?: number;
}

export interface TaskTableRef {
  base: number;
  capacity: number;
}

/** The task list: slots by index; a task is found by pid with a scan (tens of tasks). */
export class TaskTable {
  constructor(
    readonly mem: Mem,
    readonly ref: TaskTableRef,
  ) {}

  static create(arena: Arena, mem: Mem, capacity: number): TaskTable {
    return new TaskTable(mem, { base: arena.allocWords('kernel.tasks', capacity * TASK_WORDS), capacity });
  }

  static bytes(capacity: number): number {
    return capacity * TASK_WORDS * 4 + 64;
  }

  /** Word index of field `f` of slot `i`. */
  w(i: number, f: number): number {
    return this.ref.base + i * TASK_WORDS + f;
  }

  get(i: number, f: number): number {
    return this.mem.load(this.w(i, f));
  }

  set(i: number, f: number, v: number): void {
    this.mem.store(this.w(i, f), v);
  }

  add(i: number, f: number, v: number): number {
    return this.mem.add(this.w(i, f), v);
  }

  /** Atomically set bits; returns the old word. */
  or(i: number, f: number, v: number): number {
    return this.mem.or(this.w(i, f), v);
  }

  /** The generation bits of a live slot's flags word (TF_GEN_MASK). */
  gen(i: number): number {
    return this.get(i, T_FLAGS) & TF_GEN_MASK;
  }

  has(i: number, flag: number): boolean {
    return (this.get(i, T_FLAGS) & flag) !== 0;
  }

  /** fork: fill a free slot; returns its index. */
  spawn(t: TaskSpec): number {
    for (let i = 0; i < this.ref.capacity; i++) {
      if (this.mem.load(this.w(i, T_FLAGS)) === 0 && this.spawnAt(i, t) >= 0) return i;
    }
    throw new ConfigError('tasks', `the task table is full (${this.ref.capacity} slots)`, `at most ${this.ref.capacity} tasks`);
  }

  /**
   * fork into slot i if it is free: returns i, or -1 when the slot is taken. The slot is
   * claimed as TF_FORKING and published alive only once filled: a killer never chooses the
   * half-built task, and a mark aimed at the slot's exited predecessor is overwritten.
   */
  spawnAt(i: number, t: TaskSpec): number {
    if (t.oomScoreAdj !== undefined && (t.oomScoreAdj < OOM_SCORE_ADJ_MIN || t.oomScoreAdj > OOM_SCORE_ADJ_MAX)) {
      throw new ConfigError('oom_score_adj', `${t.oomScoreAdj} is out of range`, '-1000 to 1000');
    }
    if (this.mem.compareExchange(this.w(i, T_FLAGS), 0, TF_FORKING) !== 0) return -1;
    const gen = (this.get(i, T_GEN) + 1) & (TF_GEN_MASK >>> TF_GEN_SHIFT);
    const flags = TF_ALIVE | (t.kthread ? PF_KTHREAD : 0) | (t.init ? TF_INIT : 0) | (t.vfork ? TF_VFORK : 0) | (t.origin ? TF_OOM_ORIGIN : 0) | (gen << TF_GEN_SHIFT);
    this.set(i, T_GEN, gen);
    this.set(i, T_PID, t.pid);
    this.set(i, T_PPID, t.ppid ?? 0);
    this.set(i, T_UID, t.uid ?? 0);
    this.set(i, T_OOM_SCORE_ADJ, t.oomScoreAdj ?? 0);
    this.set(i, T_OOM_SCORE_ADJ_MIN, 0);
    this.set(i, T_MM_FLAGS, 0);
    this.set(i, T_TOTAL_VM, t.totalVm ?? 0);
    this.set(i, T_RSS_ANON, t.rssAnon ?? 0);
    this.set(i, T_RSS_FILE, t.rssFile ?? 0);
    this.set(i, T_RSS_SHMEM, t.rssShmem ?? 0);
    this.set(i, T_SWAPENTS, t.swapents ?? 0);
    this.set(i, T_PGTABLES_BYTES, t.pgtablesBytes ?? 0);
    this.set(i, T_COMMITTED, 0);
    this.set(i, T_MM_ID, t.mm ?? (t.kthread ? 0 : t.pid));
    this.set(i, T_REAP_TRIES, 0);
    this.set(i, T_MEMCG, t.memcg ?? 0);
    this.set(i, T_MEMS_ALLOWED, t.memsAllowed ?? 0);
    this.set(i, T_MPOL_BIND, t.mpolBind ?? 0);
    this.set(i, T_LOCKED_VM, t.lockedVm ?? 0);
    const bytes = UTF8_ENCODER.encode(t.comm.slice(0, TASK_COMM_LEN - 1));
    const u8 = this.mem.u8;
    const at = this.w(i, T_COMM) * 4;
    u8.fill(0, at, at + TASK_COMM_LEN);
    u8.set(bytes, at);
    this.set(i, T_FLAGS, flags);
    return i;
  }

  /** Slot of a live task by pid, or -1. */
  find(pid: number): number {
    for (let i = 0; i < this.ref.capacity; i++) {
      if ((this.get(i, T_FLAGS) & TF_ALIVE) !== 0 && this.get(i, T_PID) === pid) return i;
    }
    return -1;
  }

  comm(i: number): string {
    const at = this.w(i, T_COMM) * 4;
    const bytes = this.mem.u8.slice(at, at + TASK_COMM_LEN);
    const end = bytes.indexOf(0);
    return UTF8_DECODER.decode(bytes.subarray(0, end < 0 ? TASK_COMM_LEN : end));
  }

  /** get_mm_rss: anon + file + shmem pages. */
  rss(i: number): number {
    return this.get(i, T_RSS_ANON) + this.get(i, T_RSS_FILE) + this.get(i, T_RSS_SHMEM);
  }

  /** Slots of live tasks, in slot order (the kernel walks the task list in creation order). */
  live(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.ref.capacity; i++) if (this.has(i, TF_ALIVE)) out.push(i);
    return out;
  }
}
