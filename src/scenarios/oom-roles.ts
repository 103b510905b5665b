import { ENOMEM } from '../errors.js';
import { Kernel, type KernelRef } from '../kernel/kernel.js';
import { OomKiller, VM_LOCKED } from '../kernel/oom_kill.js';
import { MEMCG_MAX, MEMCG_OOM, MEMCG_OOM_KILL } from '../kernel/page_counter.js';
import { OVERCOMMIT_NEVER, VmAccounting, type VmRef } from '../kernel/overcommit.js';
import { PageAlloc } from '../kernel/page_alloc.js';
import {
  MMF_OOM_SKIP, OOM_SCORE_ADJ_MIN, T_COMMITTED, T_FLAGS, T_LOCKED_VM, T_MM_FLAGS, T_OOM_SCORE_ADJ, T_PID, T_RSS_ANON, T_TOTAL_VM, TF_ALIVE, TF_EXITING, TF_OOM_VICTIM,
  TaskTable, type TaskTableRef,
} from '../kernel/task.js';
import type { Params } from '../lab/params.js';
import type { ActorContext } from '../runtime/context.js';
import { SpinLock } from '../shm/spinlock.js';
import { TaskPages, type TaskPagesRef } from './oom-pages.js';
import { KillableWitness } from './oom-deadlock.js';
import { C_NONE, type DomainRef, OomDomain } from './oom-domain.js';
import { SelectionRecord } from './oom-selection.js';

/**
 * Processes that really run out of memory. Each CPU actor runs one process at a time in
 * its own task slot: it mallocs (charged to Committed_AS), faults its pages in one by one
 * with alloc_pages(GFP_HIGHUSER_MOVABLE, 0) from the booted kernel (keeping each pfn in
 * its slot's TaskPages), and when the allocator fails (below the min watermark even after
 * draining the pagesets) takes the kernel's path: trylock oom_lock (failure counts as
 * progress), one last allocation attempt under the lock, then out_of_memory. A killed
 * process frees everything on exit (the oom_reaper may free it first) and a new one takes
 * its place.
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
  /** memory.max of /ltp in bytes (oom-memcg only). */
  memoryMax?: number;
  /** Percent of each process's pages it mlocks, and whether the reaper skips them (kernels before 5.18). */
  mlock: number;
  reaperSkipsMlocked: boolean;
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
  kernel: KernelRef;
  /** The pfns each task slot holds. */
  pages: TaskPagesRef;
  /** totalram_pages of the booted kernel. */
  totalPages: number;
  /** Bumped and notified whenever pages are freed or a victim is chosen: what waiters sleep on. */
  wake: number;
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
  /** The constraint and what constrained_alloc needs (see OomDomain). */
  domain: DomainRef;
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
export const O_NOT_WORST = 11;
export const O_CONSTRAINED = 12;
export const O_OUTSIDE = 13;

/** TF bit: the reaper is working on this mm; exit waits for it (the mmap_lock's role). */
const TF_REAPING = 0x80;

export interface CpuResult {
  /** The kernel log of the first OOM invocation this CPU ran, and any panic. */
  log: string[];
  panic?: string;
  kills: number;
  /** The first selection the scan record contradicts (outcome not-worst). */
  notWorst?: string;
  /** A "no killable processes" panic while a killable task held pages (see KillableWitness). */
  deadlock?: string;
  /** `log` is a constrained OOM's (shown before an unconstrained one). */
  logConstrained?: boolean;
}

/** The shared structures, and `cpu`'s way into the page allocator (the reaper has a CPU of its own). */
function world(ctx: ActorContext<OomP, OomState>, cpu: number) {
  const tasks = new TaskTable(ctx.mem, ctx.state.tasks);
  const vm = new VmAccounting(ctx.mem, ctx.state.vm);
  const killer = new OomKiller(tasks, vm, { childFirst: ctx.params.childFirst, reaperSkipsMlocked: ctx.params.reaperSkipsMlocked });
  const pa = new PageAlloc(new Kernel(ctx.mem, ctx.state.kernel), cpu);
  return { tasks, vm, killer, pa, pages: new TaskPages(ctx.mem, ctx.state.pages), domain: new OomDomain(tasks, ctx.mem, ctx.state.domain) };
}

/**
 * Free the pages `slot` holds at page-array entries [from, to), take them off its rss (and
 * locked_vm, for the mlocked ones below `locked`) and its memory cgroup's charge; wake
 * whoever waits for memory. Returns how many.
 */
function freeTaskPages(ctx: ActorContext<OomP, OomState>, w: ReturnType<typeof world>, slot: number, locked = 0, from = 0, to = Infinity): number {
  const freed = w.pages.release(slot, w.pa, from, to);
  w.tasks.add(slot, T_RSS_ANON, -freed);
  if (from < locked) w.tasks.add(slot, T_LOCKED_VM, -freed);
  if (w.domain.charges(slot)) w.domain.counter!.uncharge(freed);
  ctx.mem.add(ctx.state.wake, 1);
  ctx.mem.notify(ctx.state.wake, 64);
  return freed;
}

/** exit_mmap: give back every page and the commitment, set MMF_OOM_SKIP, free the slot. */
function exitProcess(ctx: ActorContext<OomP, OomState>, w: ReturnType<typeof world>, slot: number): void {
  const { tasks, vm } = w;
  ctx.op(OP_EXIT);
  freeTaskPages(ctx, w, slot, 0);
  tasks.set(slot, T_LOCKED_VM, 0);
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
    if (ctx.mem.compareExchange(fw, f, 0) === f) break;
  }
  // The reaper is done with the slot and will not look at it again: the next process starts empty.
  w.pages.reset(slot);
}

export function cpu(ctx: ActorContext<OomP, OomState>): CpuResult {
  const { mem, state: s, params: p } = ctx;
  const idx = ctx.actorsOf('cpu').indexOf(ctx.actor);
  const w = world(ctx, idx);
  const { tasks, vm, killer, pa, pages, domain } = w;
  const lock = new SpinLock(mem, s.oomLock);
  const slot = s.firstSlot + idx;
  const chunkPages = Math.max(1, Math.floor(p.chunk / 4096));
  const result: CpuResult = { log: [], kills: 0 };
  // Every task slot is scored at most once per scan.
  const scan = new SelectionRecord(tasks.ref.capacity);
  const witness = new KillableWitness(tasks, killer);
  const noLock = p.variant === 'no-oom-lock';
  const racyCommit = p.variant === 'check-then-charge';
  const unconstrained = p.variant === 'unconstrained-scan';
  const adjs = adjList(p.adj);
  const capPages = oomCapPages(p, s.totalPages, idx);
  const me = slot;
  const nid = domain.node(idx);
  const gfp = domain.gfp(idx);
  // Who the kernel lets the killer choose, for an OOM of the allocator (node) or of the memory cgroup's charge.
  const eligibleNode = (t: number) => domain.eligible(me, t, false);
  const eligibleMemcg = (t: number) => domain.eligible(me, t, true);
  const locked = lockPages(p, s.totalPages, idx);
  // A page faulted in: its pfn kept for exit and the reaper, counted in rss (each page within total_vm, so within TaskPages' cap).
  const faultIn = (pfn: number) => {
    pages.add(me, pfn);
    if (tasks.add(me, T_RSS_ANON, 1) < locked) tasks.add(me, T_LOCKED_VM, 1);
    ctx.outcome(O_PAGE);
    ctx.done(1);
  };
  // A tree: every odd process is a child of the process on the CPU before it (with its own mm).
  const parentSlot = idx % 2 === 1 ? slot - 1 : -1;
  const spawn = () => tasks.spawnAt(slot, {
    pid: mem.add(s.nextPid, 1),
    ppid: parentSlot >= 0 ? tasks.get(parentSlot, T_PID) : 1,
    uid: 1000,
    comm: `memhog-${idx}`,
    oomScoreAdj: adjs[idx % adjs.length],
    ...domain.placement(idx),
  });
  /** out_of_memory under oom_lock, for the page allocator (memcg false) or the group's charge, and what the oracles make of it. */
  const oom = (memcg: boolean) => {
    const eligible = memcg ? eligibleMemcg : eligibleNode;
    scan.reset();
    const oc = domain.control(me, memcg, eligible, scan.observe);
    // The broken variant's scan walks every task: mem_cgroup_scan_tasks and oom_cpuset_eligible left out.
    if (unconstrained) oc.eligible = undefined;
    witness.note(eligible);
    const r = killer.out_of_memory(oc);
    if (r.action === 'no-victim-panic') result.deadlock = witness.contradiction() ?? undefined;
    if (r.selected !== undefined) {
      const wrong = scan.check(r.selected, oc.totalpages);
      if (wrong !== null) {
        ctx.outcome(O_NOT_WORST);
        if (result.notWorst === undefined) result.notWorst = wrong;
      }
    }
    if (r.victim >= 0 && (r.action === 'killed' || r.action === 'killed-allocating-task')) {
      result.kills++;
      // memcg_memory_event_mm(MEMCG_OOM_KILL): the victim's group counts the kill, whichever OOM it was.
      if (domain.charges(r.victim)) domain.counter!.event(MEMCG_OOM_KILL);
      // wake_oom_reaper.
      mem.notify(s.wake, 1);
      if (r.raced) ctx.outcome(O_KILLED_TWICE);
      if (killer.oom_unkillable_task(r.victim) || tasks.get(r.victim, T_OOM_SCORE_ADJ) === OOM_SCORE_ADJ_MIN) ctx.outcome(O_EXCLUDED);
      if (oc.constraint !== 'CONSTRAINT_NONE') ctx.outcome(eligible(r.victim) ? O_CONSTRAINED : O_OUTSIDE);
      // Only select_bad_process waits for a dying victim (one it may choose); oom_kill_allocating_task never looks.
      if (r.action === 'killed' && otherDyingVictims(tasks, r.victim, eligible) > 0) ctx.outcome(O_TWO_VICTIMS);
      if (result.log.length === 0 || (!result.logConstrained && oc.constraint !== 'CONSTRAINT_NONE')) {
        result.log = r.log;
        result.logConstrained = oc.constraint !== 'CONSTRAINT_NONE';
      }
    } else if (r.action === 'victim-still-dying') {
      ctx.outcome(O_VICTIM_DYING);
    } else if (r.panic) {
      ctx.outcome(O_PANIC);
      result.log = r.log;
      result.panic = r.panic;
      ctx.requestStop();
    }
  };
  spawn();
  // LTP's harness (oom02-04) forks the child into the constraint and waits for it, allocating
  // nothing: memhog-0 of a constrained scenario does the same. Were it to hog memory outside,
  // an OOM of its own node could find its companion empty and, rightly, nothing killable.
  if (domain.ref.constraint !== C_NONE && idx === 0) return result;
  while (!ctx.stopped()) {
    if (tasks.has(me, TF_EXITING)) {
      exitProcess(ctx, w, me);
      ctx.outcome(O_KILLED);
      spawn();
      continue;
    }
    const totalVm = tasks.get(me, T_TOTAL_VM);
    if (totalVm >= capPages) {
      ctx.outcome(O_EXITED);
      exitProcess(ctx, w, me);
      spawn();
      continue;
    }
    ctx.op(OP_MALLOC);
    const rc = racyCommit ? vm.vm_enough_memory_check_then_charge(totalVm, chunkPages, false) : vm.vm_enough_memory(totalVm, chunkPages, false);
    if (rc === -ENOMEM) {
      // A process that gets ENOMEM from malloc gives up and exits; the next one starts. The
      // refusal is an op: under an op budget a CPU refused again and again must still end.
      ctx.outcome(O_ENOMEM);
      ctx.done(1);
      exitProcess(ctx, w, me);
      spawn();
      continue;
    }
    tasks.add(me, T_COMMITTED, chunkPages);
    tasks.add(me, T_TOTAL_VM, chunkPages);
    const granted = mem.add(s.granted, chunkPages) + chunkPages;
    // Every grant passed Committed_AS < allowed <= CommitLimit - admin reserve (no process here is an admin).
    if (vm.sysctl('vm.overcommit_memory') === OVERCOMMIT_NEVER && granted >= vm.allowed(0, false)) ctx.outcome(O_OVER_LIMIT);
    const charges = domain.charges(me);
    for (let i = 0; i < chunkPages && !tasks.has(me, TF_EXITING); ) {
      ctx.op(OP_FAULT);
      const pfn = pa.alloc_pages(gfp, 0, nid);
      if (pfn >= 0) {
        // mem_cgroup_charge after the allocation, as do_anonymous_page does; over memory.max the page goes back.
        if (!charges || domain.counter!.try_charge(1)) {
          faultIn(pfn);
          i++;
          continue;
        }
        pa.put_page(pfn);
        domain.counter!.event(MEMCG_MAX);
        if (ctx.stopFlag()) break;
        // mem_cgroup_oom counts the OOM; mem_cgroup_out_of_memory takes oom_lock (a mutex: wait for it), checks the margin once more, then runs the group's killer.
        domain.counter!.event(MEMCG_OOM);
        ctx.op(OP_OOM);
        if (!noLock) lock.lock(ctx.actor);
        if (domain.counter!.max() - domain.counter!.usage() < 1) oom(true);
        if (!noLock) lock.unlock();
        mem.wait(s.wake, mem.load(s.wake), 0.2);
        continue;
      }
      if (ctx.stopFlag()) break;
      // __alloc_pages_may_oom: one killer at a time; a busy lock means someone is making progress.
      if (!noLock && !lock.trylock(ctx.actor)) {
        ctx.outcome(O_LOCK_BUSY);
        mem.wait(s.wake, mem.load(s.wake), 0.2);
        continue;
      }
      ctx.op(OP_OOM);
      // The last attempt under oom_lock, at the high watermark: a victim may have just exited.
      const last = pa.alloc_pages_may_oom(gfp, 0, nid);
      if (last >= 0) {
        if (!charges || domain.counter!.try_charge(1)) {
          faultIn(last);
          i++;
        } else pa.put_page(last);
        if (!noLock) lock.unlock();
        continue;
      }
      oom(false);
      if (!noLock) lock.unlock();
      mem.wait(s.wake, mem.load(s.wake), 0.2);
    }
  }
  return result;
}

/**
 * Processes differ in size (one to three fair shares of RAM, by CPU) and stop growing
 * there, exit and are replaced: demand stays above supply and the killer keeps choosing.
 */
export function oomCapPages(p: OomP, totalPages: number, idx: number): number {
  return Math.max(Math.floor(p.chunk / 4096), Math.floor((totalPages * (1 + (idx % 3))) / p.procs));
}

/** Victims other than `victim` that the same scan could have met (eligible), still alive and not yet reaped. */
function otherDyingVictims(tasks: TaskTable, victim: number, eligible: (t: number) => boolean): number {
  let n = 0;
  for (const t of tasks.live()) {
    if (t === victim || !eligible(t)) continue;
    if (tasks.has(t, TF_OOM_VICTIM) && (tasks.get(t, T_MM_FLAGS) & MMF_OOM_SKIP) === 0) n++;
  }
  return n;
}

export interface ReaperResult {
  reaped: number;
  /** Pages the reaper freed, and of them mlocked ones. */
  freed: number;
  mlockedFreed: number;
  /** The first pass's log line (oom_reap_task_mm). */
  first?: string;
}

/**
 * The oom_reaper kthread: frees a victim's anonymous memory before it has even exited. Each
 * process mlocks the first `--mlock` percent of its pages (see lockPages): 6.6 reaps them
 * with the rest; with --reaper-skips-mlocked (4.6 to 5.17) they wait for exit_mmap.
 */
export function oomReaper(ctx: ActorContext<OomP, OomState>): ReaperResult {
  const { mem, state: s, params: p } = ctx;
  const w = world(ctx, p.procs);
  const { tasks, killer } = w;
  const out: ReaperResult = { reaped: 0, freed: 0, mlockedFreed: 0 };
  while (!ctx.stopFlag()) {
    for (let t = s.firstSlot; t < tasks.ref.capacity; t++) {
      const fw = tasks.w(t, T_FLAGS);
      const f = mem.load(fw);
      if ((f & (TF_ALIVE | TF_OOM_VICTIM)) !== (TF_ALIVE | TF_OOM_VICTIM) || f & TF_REAPING) continue;
      if (tasks.get(t, T_MM_FLAGS) & MMF_OOM_SKIP) continue;
      if (mem.compareExchange(fw, f, f | TF_REAPING) !== f) continue;
      ctx.op(OP_REAP);
      killer.oom_reap_task(t, (v) => {
        // The mlocked vma is the page array's first entries: unmapped first, when __oom_reap_task_mm may.
        const locked = lockPages(p, s.totalPages, v - s.firstSlot);
        if (killer.oom_reap_vma(VM_LOCKED, true)) out.mlockedFreed += freeTaskPages(ctx, w, v, locked, 0, locked);
        out.freed += freeTaskPages(ctx, w, v, locked, locked);
        out.first ??= killer.oom_reaped_line(v);
        return true;
      });
      mem.and(fw, ~TF_REAPING);
      out.reaped++;
      ctx.done(1);
    }
    mem.wait(s.wake, mem.load(s.wake), 0.5);
  }
  out.freed += out.mlockedFreed;
  return out;
}

/**
 * The pages at the start of CPU idx's process that it mlocks (mlockall before touching
 * them): --mlock percent of the most it faults in (its cap and the chunk that crosses it).
 */
export function lockPages(p: OomP, totalPages: number, idx: number): number {
  return Math.floor(((oomCapPages(p, totalPages, idx) + Math.floor(p.chunk / 4096)) * p.mlock) / 100);
}
