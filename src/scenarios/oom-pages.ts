import { allocatedPages, auditKernel, badPageViolations } from '../kernel/audit.js';
import type { Kernel } from '../kernel/kernel.js';
import type { PageAlloc } from '../kernel/page_alloc.js';
import { T_FLAGS, T_RSS_ANON, type TaskTable } from '../kernel/task.js';
import type { Violation } from '../lab/scenario.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';

/** An entry that holds no page (never faulted in, or already freed). */
const NO_PFN = -1;

/** Where the per-task page arrays live: plain data for workers. */
export interface TaskPagesRef {
  base: number;
  slots: number;
  /** Entries per slot: the most pages one process faults in. */
  cap: number;
}

/**
 * The pfns each task slot has faulted in (what its page table would map), one array per
 * slot in the image: a length word, then `cap` entries. Only the process appends to its
 * own array; exit_mmap and the oom_reaper both free from it, and each claims an entry with
 * an exchange, so a page is freed exactly once whoever gets there first.
 */
export class TaskPages {
  static bytes(slots: number, cap: number): number {
    return slots * (cap + 1) * 4 + 64;
  }

  static create(arena: Arena, mem: Mem, slots: number, cap: number): TaskPagesRef {
    const ref = { base: arena.allocWords('oom.task-pages', slots * (cap + 1)), slots, cap };
    for (let i = 0; i < slots; i++) for (let e = 0; e < cap; e++) mem.store(ref.base + i * (cap + 1) + 1 + e, NO_PFN);
    return ref;
  }

  constructor(
    private readonly mem: Mem,
    readonly ref: TaskPagesRef,
  ) {}

  private len(slot: number): number {
    return this.ref.base + slot * (this.ref.cap + 1);
  }

  /** The process of `slot` faulted `pfn` in (the caller stays within `cap`). */
  add(slot: number, pfn: number): void {
    const l = this.len(slot);
    const n = this.mem.load(l);
    this.mem.store(l + 1 + n, pfn);
    this.mem.store(l, n + 1);
  }

  /**
   * Unmap and free the pages `slot` still holds at entries [from, to) (exit_mmap: all of them;
   * __oom_reap_task_mm: the vmas it may unmap): put_page on each entry claimed. Returns how many.
   */
  release(slot: number, pa: PageAlloc, from = 0, to = Infinity): number {
    const l = this.len(slot);
    const n = Math.min(this.mem.load(l), to);
    let freed = 0;
    for (let e = from; e < n; e++) {
      const pfn = this.mem.exchange(l + 1 + e, NO_PFN);
      if (pfn === NO_PFN) continue;
      pa.put_page(pfn);
      freed++;
    }
    return freed;
  }

  /** An empty array for the slot's next process (after release, once nobody else may scan it). */
  reset(slot: number): void {
    this.mem.store(this.len(slot), 0);
  }

  /** The pfns `slot` holds now (for checks on a quiescent image). */
  held(slot: number): number[] {
    const l = this.len(slot);
    const out: number[] = [];
    for (let e = 0; e < this.ref.cap; e++) {
      const pfn = this.mem.load(l + 1 + e);
      if (pfn !== NO_PFN) out.push(pfn);
    }
    return out;
  }
}

/**
 * The kernel's audit holds (free lists, pagesets, no bad_page), every page it has handed
 * out is held by exactly one live task, each once, and its rss says so; an exited task
 * holds none. A page lost, or freed twice by exit and the reaper, shows here.
 */
export function framesReturned(k: Kernel, tasks: TaskTable, pages: TaskPages, firstSlot: number): Violation[] {
  const a = auditKernel(k);
  const out = [...a.violations, ...badPageViolations(k)];
  const owner = new Map<number, number>();
  for (let t = firstSlot; t < tasks.ref.capacity; t++) {
    const held = pages.held(t);
    if (tasks.get(t, T_FLAGS) === 0 && held.length) out.push({ message: `exited task slot ${t} still holds ${held.length} pages`, where: `task slot ${t}` });
    if (held.length !== tasks.get(t, T_RSS_ANON)) out.push({ message: `task slot ${t} holds ${held.length} pages but its rss says ${tasks.get(t, T_RSS_ANON)}`, where: `task slot ${t}` });
    for (const pfn of held) {
      const o = owner.get(pfn);
      if (o !== undefined) out.push({ message: `pfn 0x${pfn.toString(16)} is held by task slots ${o} and ${t}`, where: `task slot ${t}` });
      owner.set(pfn, t);
      if (k.pages.page_count(pfn) !== 1) out.push({ message: `pfn 0x${pfn.toString(16)} of task slot ${t} has _refcount ${k.pages.page_count(pfn)}`, where: `task slot ${t}` });
    }
  }
  const allocated = allocatedPages(k, a);
  if (allocated !== owner.size) out.push({ message: `the allocator has ${allocated} pages out, but tasks hold ${owner.size}: pages lost or freed twice` });
  return out;
}
