import { ENOMEM } from '../errors.js';
import { OomKiller, type OomControl } from '../kernel/oom_kill.js';
import { OVERCOMMIT_NEVER, VmAccounting, type VmRef } from '../kernel/overcommit.js';
import {
  MMF_OOM_SKIP, OOM_SCORE_ADJ_MIN, T_COMMITTED, T_FLAGS, T_MM_FLAGS, T_OOM_SCORE_ADJ, T_PID, T_RSS_ANON, T_TOTAL_VM, TF_ALIVE, TF_EXITING, TF_OOM_VICTIM,
  TaskTable, type TaskTableRef,
} from '../kernel/task.js';
import type { Params } from '../lab/params.js';
import type { ActorContext } from '../runtime/context.js';
import { SpinLock } from '../shm/spinlock.js';

/**
 * Processes that really run out of memory. Each CPU actor runs one process at a time in
 * its own task slot: it mallocs (charged to Committed_AS), faults its pages in one by one
 * from the page pool, and when the pool is empty takes the kernel's path: trylock
 * oom_lock (failure counts as progress), one last allocation attempt under the lock, then
 * out_of_memory. A killed process frees everything on exit and a new one takes its place.
 */
export type OomP = Params & {
  procs: number;
  mem: number;
  swap: number;
  overcommit: number;
  overcommitRatio: number;
  oomKillAllocatingTask: number;
  panicOnOom: number;
  chunk: number;
  childFirst: boolean;
  /** oom_score_adj of each process, cycled over the CPUs. */
  adj: string;
  variant: string;
};

/** The oom_score_adj list of --adj: integers in -1000..1000, cycled over the processes. */
export function adjList(text: string): number[] {
  return text.split(',').map((x) => Number(x.trim()));
}

export interface OomState {
  tasks: TaskTableRef;
  vm: VmRef;
  /** Free pages in the pool, and its size. */
  free: number;
  totalPages: number;
  oomLock: number;
  nextPid: number;
  /**
   * Pages granted by overcommit and not yet given back: raised after a grant, lowered
   * before the uncharge. The grants it counts were all charged when the latest of them
   * passed its check, so with a correct check it stays under what the check allows.
   */
  granted: number;
  /** First slot of the CPU actors' processes (slots before it: init, kthreadd). */
  firstSlot: number;
}

export const OP_MALLOC = 1;
export const OP_FAULT = 2;
export const OP_OOM = 3;
export const OP_EXIT = 4;
export const OP_REAP = 5;
export const OOM_OP_NAMES = ['start', 'malloc', 'page-fault', 'out_of_memory', 'exit_mmap', 'oom_reap_task'];

export const O_PAGE = 0;
export const O_ENOMEM = 1;
export const O_KILLED = 2;
export const O_LOCK_BUSY = 3;
export const O_VICTIM_DYING = 4;
export const O_PANIC = 5;
export const O_KILLED_TWICE = 6;
export const O_TWO_VICTIMS = 7;
export const O_EXCLUDED = 8;
export const O_OVER_LIMIT = 9;
export const O_EXITED = 10;

/** TF bit: the reaper is working on this mm; exit waits for it (the mmap_lock's role). */
const TF_REAPING = 0x80;

export interface CpuResult {
  /** The kernel log of the first OOM invocation this CPU ran, and any panic. */
  log: string[];
  panic?: string;
  kills: number;
}

function world(ctx: ActorContext<OomP, OomState>) {
  const tasks = new TaskTable(ctx.mem, ctx.state.tasks);
  const vm = new VmAccounting(ctx.mem, ctx.state.vm);
  const killer = new OomKiller(tasks, vm, { childFirst: ctx.params.childFirst });
  return { tasks, vm, killer };
}

/** Take one page from the pool: true, or false when it is empty. */
function takePage(ctx: ActorContext<OomP, OomState>): boolean {
  const { mem } = ctx;
  const w = ctx.state.free;
  for (;;) {
    const f = mem.load(w);
    if (f <= 0) return false;
    if (mem.compareExchange(w, f, f - 1) === f) return true;
  }
}

/** exit_mmap: give back every page and the commitment, set MMF_OOM_SKIP, free the slot. */
function exitProcess(ctx: ActorContext<OomP, OomState>, tasks: TaskTable, vm: VmAccounting, slot: number): void {
  ctx.op(OP_EXIT);
  ctx.mem.add(ctx.state.free, ctx.mem.exchange(tasks.w(slot, T_RSS_ANON), 0));
  const committed = ctx.mem.exchange(tasks.w(slot, T_COMMITTED), 0);
  ctx.mem.sub(ctx.state.granted, committed);
  vm.vm_unacct_memory(committed);
  tasks.set(slot, T_TOTAL_VM, 0);
  tasks.or(slot, T_MM_FLAGS, MMF_OOM_SKIP);
  const fw = tasks.w(slot, T_FLAGS);
  for (;;) {
    const f = ctx.mem.load(fw);
    if (f & TF_REAPING) {
      ctx.mem.pause();
      continue;
    }
    if (ctx.mem.compareExchange(fw, f, 0) === f) return;
  }
}

export function cpu(ctx: ActorContext<OomP, OomState>): CpuResult {
  const { mem, state: s, params: p } = ctx;
  const { tasks, vm, killer } = world(ctx);
  const lock = new SpinLock(mem, s.oomLock);
  const slot = s.firstSlot + ctx.actorsOf('cpu').indexOf(ctx.actor);
  const chunkPages = Math.max(1, Math.floor(p.chunk / 4096));
  const totalpages = s.totalPages + Math.floor(p.swap / 4096);
  const result: CpuResult = { log: [], kills: 0 };
  const noLock = p.variant === 'no-oom-lock';
  const racyCommit = p.variant === 'check-then-charge';
  const idx = ctx.actorsOf('cpu').indexOf(ctx.actor);
  const adjs = adjList(p.adj);
  // Processes differ in size (one to three fair shares) and stop growing there, exit and
  // are replaced: demand stays above supply and the killer keeps choosing.
  const capPages = Math.max(chunkPages, Math.floor((s.totalPages * (1 + (idx % 3))) / p.procs));
  const me = slot;
  // A tree: every odd process is a child of the process on the CPU before it (with its own mm).
  const parentSlot = idx % 2 === 1 ? slot - 1 : -1;
  const spawn = () => tasks.spawnAt(slot, {
    pid: mem.add(s.nextPid, 1),
    ppid: parentSlot >= 0 ? tasks.get(parentSlot, T_PID) : 1,
    uid: 1000,
    comm: `memhog-${idx}`,
    oomScoreAdj: adjs[idx % adjs.length],
  });
  spawn();
  while (!ctx.stopped()) {
    if (tasks.has(me, TF_EXITING)) {
      exitProcess(ctx, tasks, vm, me);
      ctx.outcome(O_KILLED);
      spawn();
      continue;
    }
    const totalVm = tasks.get(me, T_TOTAL_VM);
    if (totalVm >= capPages) {
      ctx.outcome(O_EXITED);
      exitProcess(ctx, tasks, vm, me);
      spawn();
      continue;
    }
    ctx.op(OP_MALLOC);
    const rc = racyCommit ? vm.vm_enough_memory_check_then_charge(totalVm, chunkPages, false) : vm.vm_enough_memory(totalVm, chunkPages, false);
    if (rc === -ENOMEM) {
      // A process that gets ENOMEM from malloc gives up and exits; the next one starts.
      ctx.outcome(O_ENOMEM);
      exitProcess(ctx, tasks, vm, me);
      spawn();
      continue;
    }
    tasks.add(me, T_COMMITTED, chunkPages);
    tasks.add(me, T_TOTAL_VM, chunkPages);
    const granted = mem.add(s.granted, chunkPages) + chunkPages;
    // Every grant passed Committed_AS < allowed <= CommitLimit - admin reserve (no process here is an admin).
    if (vm.sysctl('vm.overcommit_memory') === OVERCOMMIT_NEVER && granted >= vm.allowed(0, false)) ctx.outcome(O_OVER_LIMIT);
    for (let i = 0; i < chunkPages && !tasks.has(me, TF_EXITING); ) {
      ctx.op(OP_FAULT);
      if (takePage(ctx)) {
        tasks.add(me, T_RSS_ANON, 1);
        ctx.outcome(O_PAGE);
        ctx.done(1);
        i++;
        continue;
      }
      if (ctx.stopFlag()) break;
      // __alloc_pages_may_oom: one killer at a time; a busy lock means someone is making progress.
      if (!noLock && !lock.trylock(ctx.actor)) {
        ctx.outcome(O_LOCK_BUSY);
        mem.wait(s.free, 0, 0.2);
        continue;
      }
      ctx.op(OP_OOM);
      if (mem.load(s.free) > 0) {
        if (!noLock) lock.unlock();
        continue;
      }
      const oc: OomControl = { current: me, order: 0, totalpages, constraint: 'CONSTRAINT_NONE' };
      const r = killer.out_of_memory(oc);
      if (r.victim >= 0 && (r.action === 'killed' || r.action === 'killed-allocating-task')) {
        result.kills++;
        if (r.raced) ctx.outcome(O_KILLED_TWICE);
        if (killer.oom_unkillable_task(r.victim) || tasks.get(r.victim, T_OOM_SCORE_ADJ) === OOM_SCORE_ADJ_MIN) ctx.outcome(O_EXCLUDED);
        // Only select_bad_process waits for a dying victim; oom_kill_allocating_task never looks.
        if (r.action === 'killed' && otherDyingVictims(tasks, r.victim) > 0) ctx.outcome(O_TWO_VICTIMS);
        if (result.log.length === 0) result.log = r.log;
      } else if (r.action === 'victim-still-dying') {
        ctx.outcome(O_VICTIM_DYING);
      } else if (r.panic) {
        ctx.outcome(O_PANIC);
        result.log = r.log;
        result.panic = r.panic;
        ctx.requestStop();
      }
      if (!noLock) lock.unlock();
      mem.wait(s.free, 0, 0.2);
    }
  }
  return result;
}

/** Victims other than `victim` that are still alive and not yet reaped. */
function otherDyingVictims(tasks: TaskTable, victim: number): number {
  let n = 0;
  for (const t of tasks.live()) {
    if (t === victim) continue;
    if (tasks.has(t, TF_OOM_VICTIM) && (tasks.get(t, T_MM_FLAGS) & MMF_OOM_SKIP) === 0) n++;
  }
  return n;
}

/** The oom_reaper kthread: frees a victim's anonymous memory before it has even exited. */
export function oomReaper(ctx: ActorContext<OomP, OomState>): number {
  const { mem, state: s } = ctx;
  const { tasks, killer } = world(ctx);
  let reaped = 0;
  while (!ctx.stopFlag()) {
    for (let t = s.firstSlot; t < tasks.ref.capacity; t++) {
      const fw = tasks.w(t, T_FLAGS);
      const f = mem.load(fw);
      if ((f & (TF_ALIVE | TF_OOM_VICTIM)) !== (TF_ALIVE | TF_OOM_VICTIM) || f & TF_REAPING) continue;
      if (tasks.get(t, T_MM_FLAGS) & MMF_OOM_SKIP) continue;
      if (mem.compareExchange(fw, f, f | TF_REAPING) !== f) continue;
      ctx.op(OP_REAP);
      killer.oom_reap_task(t, (v) => {
        mem.add(s.free, mem.exchange(tasks.w(v, T_RSS_ANON), 0));
        return true;
      });
      mem.and(fw, ~TF_REAPING);
      mem.notify(s.free, 64);
      reaped++;
      ctx.done(1);
    }
    mem.wait(s.free, mem.load(s.free), 0.5);
  }
  return reaped;
}
