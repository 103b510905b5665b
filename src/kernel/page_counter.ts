import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';

/**
 * A memory cgroup's page counter in the image (mm/page_counter.c, Linux 6.6), with the
 * memory.events counters the charge path bumps: what a group's tasks on several CPUs charge
 * and uncharge at once. One level (no parent): the group under the root.
 */
const PC_USAGE = 0;
const PC_MAX = 1;
const PC_FAILCNT = 2;
/** memory.events: max (a charge over the limit), oom (OOM invocations), oom_kill (kills). */
export const MEMCG_MAX = 3;
export const MEMCG_OOM = 4;
export const MEMCG_OOM_KILL = 5;
const PC_WORDS = 16;

export class PageCounter {
  static create(arena: Arena, mem: Mem, maxPages: number): number {
    const base = arena.allocWords('memcg.page-counter', PC_WORDS);
    mem.store(base + PC_MAX, maxPages);
    return base;
  }

  constructor(
    private readonly mem: Mem,
    readonly base: number,
  ) {}

  /**
   * page_counter_try_charge: add first, then compare with max and take the pages back if
   * over. Two CPUs cannot both pass the limit: each sees the other's pages in its own sum.
   */
  try_charge(pages: number): boolean {
    // Stryker disable next-line ArithmeticOperator: PC_USAGE is 0, base - 0 is base
    const usageWord = this.base + PC_USAGE;
    const usage = this.mem.add(usageWord, pages) + pages;
    if (usage <= this.mem.load(this.base + PC_MAX)) return true;
    this.mem.sub(usageWord, pages);
    this.mem.add(this.base + PC_FAILCNT, 1);
    return false;
  }

  /** page_counter_uncharge. */
  uncharge(pages: number): void {
    // Stryker disable next-line ArithmeticOperator: PC_USAGE is 0, base - 0 is base
    this.mem.sub(this.base + PC_USAGE, pages);
  }

  /** memory.current, in pages. */
  usage(): number {
    // Stryker disable next-line ArithmeticOperator: PC_USAGE is 0, base - 0 is base
    return this.mem.load(this.base + PC_USAGE);
  }

  /** memory.max, in pages. */
  max(): number {
    return this.mem.load(this.base + PC_MAX);
  }

  /** memcg_memory_event: bump one of MEMCG_MAX, MEMCG_OOM, MEMCG_OOM_KILL. */
  event(e: number): void {
    this.mem.add(this.base + e, 1);
  }

  events(): { max: number; oom: number; oom_kill: number } {
    return { max: this.mem.load(this.base + MEMCG_MAX), oom: this.mem.load(this.base + MEMCG_OOM), oom_kill: this.mem.load(this.base + MEMCG_OOM_KILL) };
  }
}
