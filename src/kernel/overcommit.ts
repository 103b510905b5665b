import { EINVAL, ENOMEM } from '../errors.js';
import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import { PAGE_SHIFT, PAGE_SIZE } from './mmzone.js';

/**
 * Commit accounting (mm/util.c, Linux 6.6): every private writable mapping is charged to
 * Committed_AS before it exists, and `__vm_enough_memory` decides by
 * vm.overcommit_memory whether the charge stands. Charge first, undo on failure: two
 * racing mappings can then only both fail, never both pass past the limit.
 */
export const OVERCOMMIT_GUESS = 0;
export const OVERCOMMIT_ALWAYS = 1;
export const OVERCOMMIT_NEVER = 2;

/** Words of the vm block; Committed_AS sits on its own cache line. */
const V_OVERCOMMIT_MEMORY = 0;
const V_OVERCOMMIT_RATIO = 1;
const V_OVERCOMMIT_KBYTES = 2;
const V_ADMIN_RESERVE_KBYTES = 3;
const V_USER_RESERVE_KBYTES = 4;
const V_TOTALRAM_PAGES = 5;
const V_TOTAL_SWAP_PAGES = 6;
const V_HUGETLB_PAGES = 7;
const V_PANIC_ON_OOM = 8;
const V_OOM_KILL_ALLOCATING_TASK = 9;
const V_OOM_DUMP_TASKS = 10;
const V_MIN_FREE_KBYTES = 11;
const V_COMMITTED_AS = 16;

/** vm.* sysctls this model has, with the range proc_dointvec_minmax enforces. */
export const VM_SYSCTLS = {
  'vm.overcommit_memory': { word: V_OVERCOMMIT_MEMORY, min: 0, max: 2 },
  'vm.overcommit_ratio': { word: V_OVERCOMMIT_RATIO, min: 0, max: 0x7fffffff },
  'vm.overcommit_kbytes': { word: V_OVERCOMMIT_KBYTES, min: 0, max: 0x7fffffff },
  'vm.admin_reserve_kbytes': { word: V_ADMIN_RESERVE_KBYTES, min: 0, max: 0x7fffffff },
  'vm.user_reserve_kbytes': { word: V_USER_RESERVE_KBYTES, min: 0, max: 0x7fffffff },
  'vm.panic_on_oom': { word: V_PANIC_ON_OOM, min: 0, max: 2 },
  'vm.oom_kill_allocating_task': { word: V_OOM_KILL_ALLOCATING_TASK, min: 0, max: 1 },
  'vm.oom_dump_tasks': { word: V_OOM_DUMP_TASKS, min: 0, max: 1 },
  'vm.min_free_kbytes': { word: V_MIN_FREE_KBYTES, min: 0, max: 0x7fffffff },
} as const;
export type VmSysctl = keyof typeof VM_SYSCTLS;

export interface VmConfig {
  totalramPages: number;
  swapPages: number;
  /** Free pages at boot: the reserves are sized from them (init_admin_reserve, init_user_reserve). */
  freePages?: number;
  overcommitMemory?: number;
  overcommitRatio?: number;
  /** vm.min_free_kbytes (the page allocator's; 0 when there is none to mirror). */
  minFreeKbytes?: number;
}

export interface VmRef {
  base: number;
}

export class VmAccounting {
  constructor(
    private readonly mem: Mem,
    readonly ref: VmRef,
  ) {}

  static create(arena: Arena, mem: Mem, c: VmConfig): VmAccounting {
    const base = arena.allocWords('kernel.vm', 32);
    const vm = new VmAccounting(mem, { base });
    const freeKb = (c.freePages ?? c.totalramPages) * (PAGE_SIZE >> 10);
    mem.store(base + V_TOTALRAM_PAGES, c.totalramPages);
    mem.store(base + V_TOTAL_SWAP_PAGES, c.swapPages);
    // Stryker disable next-line ArithmeticOperator: V_OVERCOMMIT_MEMORY is 0, base - 0 is base
    mem.store(base + V_OVERCOMMIT_MEMORY, c.overcommitMemory ?? OVERCOMMIT_GUESS);
    mem.store(base + V_OVERCOMMIT_RATIO, c.overcommitRatio ?? 50);
    mem.store(base + V_ADMIN_RESERVE_KBYTES, Math.min(Math.floor(freeKb / 32), 1 << 13));
    mem.store(base + V_USER_RESERVE_KBYTES, Math.min(Math.floor(freeKb / 32), 1 << 17));
    mem.store(base + V_OOM_DUMP_TASKS, 1);
    mem.store(base + V_MIN_FREE_KBYTES, c.minFreeKbytes ?? 0);
    return vm;
  }

  private get(w: number): number {
    return this.mem.load(this.ref.base + w);
  }

  sysctl(name: VmSysctl): number {
    return this.get(VM_SYSCTLS[name].word);
  }

  /**
   * Write a vm sysctl as root would: 0, or -EINVAL outside its range. Writing
   * overcommit_ratio zeroes overcommit_kbytes and the other way round (only one is in force).
   */
  sysctl_write(name: VmSysctl, value: number): number {
    const s = VM_SYSCTLS[name];
    if (!Number.isInteger(value) || value < s.min || value > s.max) return -EINVAL;
    this.mem.store(this.ref.base + s.word, value);
    if (name === 'vm.overcommit_ratio') this.mem.store(this.ref.base + V_OVERCOMMIT_KBYTES, 0);
    if (name === 'vm.overcommit_kbytes') this.mem.store(this.ref.base + V_OVERCOMMIT_RATIO, 0);
    return 0;
  }

  get totalramPages(): number {
    return this.get(V_TOTALRAM_PAGES);
  }

  get swapPages(): number {
    return this.get(V_TOTAL_SWAP_PAGES);
  }

  /** Committed_AS in pages. */
  committed(): number {
    return this.get(V_COMMITTED_AS);
  }

  /** vm_commit_limit: (overcommit_kbytes, or (RAM - hugetlb) * ratio / 100) + swap, in pages. */
  vm_commit_limit(): number {
    const kbytes = this.get(V_OVERCOMMIT_KBYTES);
    // Stryker disable next-line ArithmeticOperator: the model has no hugetlb pages, V_HUGETLB_PAGES stays 0
    const ram = this.get(V_TOTALRAM_PAGES) - this.get(V_HUGETLB_PAGES);
    const allowed = kbytes ? kbytes >> (PAGE_SHIFT - 10) : Math.floor((ram * this.get(V_OVERCOMMIT_RATIO)) / 100);
    return allowed + this.get(V_TOTAL_SWAP_PAGES);
  }

  vm_acct_memory(pages: number): void {
    this.mem.add(this.ref.base + V_COMMITTED_AS, pages);
  }

  vm_unacct_memory(pages: number): void {
    this.mem.sub(this.ref.base + V_COMMITTED_AS, pages);
  }

  /**
   * __vm_enough_memory: charge `pages`, then decide. `totalVm` is the mm's size in pages
   * (the user reserve scales with it); `capSysAdmin` may dip into the admin reserve.
   * Returns 0, or -ENOMEM with the charge undone.
   */
  vm_enough_memory(totalVm: number, pages: number, capSysAdmin: boolean): number {
    this.vm_acct_memory(pages);
    const mode = this.get(V_OVERCOMMIT_MEMORY);
    if (mode === OVERCOMMIT_ALWAYS) return 0;
    if (mode === OVERCOMMIT_GUESS) {
      if (pages <= this.get(V_TOTALRAM_PAGES) + this.get(V_TOTAL_SWAP_PAGES)) return 0;
    } else if (this.committed() < this.allowed(totalVm, capSysAdmin)) {
      return 0;
    }
    this.vm_unacct_memory(pages);
    return -ENOMEM;
  }

  /**
   * The broken variant `check-then-charge`: read Committed_AS, decide, then charge. Two
   * mappings that read the same value both pass, and mode 2's limit is exceeded.
   */
  vm_enough_memory_check_then_charge(totalVm: number, pages: number, capSysAdmin: boolean): number {
    if (this.get(V_OVERCOMMIT_MEMORY) === OVERCOMMIT_NEVER && this.committed() + pages >= this.allowed(totalVm, capSysAdmin)) return -ENOMEM;
    this.vm_acct_memory(pages);
    return 0;
  }

  /** What mode 2 lets Committed_AS reach for this request. */
  allowed(totalVm: number, capSysAdmin: boolean): number {
    let allowed = this.vm_commit_limit();
    if (!capSysAdmin) allowed -= this.get(V_ADMIN_RESERVE_KBYTES) >> (PAGE_SHIFT - 10);
    allowed -= Math.min(Math.floor(totalVm / 32), this.get(V_USER_RESERVE_KBYTES) >> (PAGE_SHIFT - 10));
    return allowed;
  }

  /** The CommitLimit and Committed_AS lines of /proc/meminfo. */
  meminfo(): string[] {
    const kb = (pages: number) => `${String(pages * (PAGE_SIZE >> 10)).padStart(8)} kB`;
    return [`CommitLimit:    ${kb(this.vm_commit_limit())}`, `Committed_AS:   ${kb(this.committed())}`];
  }
}

