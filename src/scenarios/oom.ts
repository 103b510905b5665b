import { ConfigError } from '../errors.js';
import { boot, kernelImageBytes } from '../kernel/boot.js';
import { DEFAULT_BOOT, bootConfig, type BootConfig } from '../kernel/bootconfig.js';
import { H_ALLOC_FAIL, Kernel } from '../kernel/kernel.js';
import { VmAccounting } from '../kernel/overcommit.js';
import { PageCounter } from '../kernel/page_counter.js';
import { T_COMMITTED, T_MEMCG, TaskTable } from '../kernel/task.js';
import { type ParamSpec, parseSize } from '../lab/params.js';
import { defineScenario, type OutcomeSpec, type Scenario, type VariantSpec, type Violation } from '../lab/scenario.js';
import { C_CPUSET, C_MEMCG, C_MEMPOLICY, C_NONE, CONSTRAINT_NAMES } from './oom-domain.js';
import { TaskPages, framesReturned } from './oom-pages.js';
import type { Mem } from '../shm/mem.js';
import { type CpuResult, OOM_OP_NAMES, type ReaperResult, type OomP, type OomState, adjList, cpu, oomCapPages, oomReaper } from './oom-roles.js';

const OUTCOMES: readonly OutcomeSpec[] = [
  { id: 'page', grade: 'ACCEPTABLE', description: 'a page faulted in' },
  { id: 'enomem', grade: 'ACCEPTABLE', description: 'malloc refused by overcommit accounting; the process exits' },
  { id: 'killed', grade: 'ACCEPTABLE_INTERESTING', description: 'a process was OOM-killed and exited' },
  { id: 'lock-busy', grade: 'ACCEPTABLE', description: 'oom_lock was held by another CPU (counted as progress)' },
  { id: 'victim-dying', grade: 'ACCEPTABLE', description: 'the killer stood down: an earlier victim is still exiting' },
  { id: 'panic', grade: 'ACCEPTABLE_INTERESTING', description: 'panic_on_oom ended the run' },
  { id: 'killed-twice', grade: 'FORBIDDEN', description: 'two killers chose the same victim for one shortage' },
  { id: 'two-victims', grade: 'FORBIDDEN', description: 'a second victim while the first was still dying' },
  { id: 'excluded-victim', grade: 'FORBIDDEN', description: 'the victim was init, a kernel thread or oom_score_adj -1000' },
  { id: 'over-commit-limit', grade: 'FORBIDDEN', description: 'mode 2 granted more than CommitLimit less the admin reserve' },
  { id: 'exited', grade: 'ACCEPTABLE', description: 'a process reached its size and exited normally' },
  { id: 'not-worst', grade: 'FORBIDDEN', description: 'select_bad_process chose a task that did not score highest in its own scan' },
  { id: 'constrained-kill', grade: 'ACCEPTABLE_INTERESTING', description: 'a memcg, cpuset or mempolicy OOM killed a task inside its constraint' },
  { id: 'outside-constraint', grade: 'FORBIDDEN', description: 'a constrained OOM killed a task outside the memory cgroup, or one that cannot use the exhausted nodes' },
];

interface Defaults {
  procs: number;
  mem: string;
  chunk: string;
  /** C_NONE (one node) or the constraint of a two-node machine (see OomDomain). */
  constraint?: number;
  /** memory.max of /ltp (C_MEMCG). */
  memoryMax?: string;
  /** What `memrace explore` runs the correct form with (VariantSpec.explore). */
  explore?: VariantSpec<OomP>['explore'];
}

function params(d: Defaults): ParamSpec[] {
  const memcg: ParamSpec[] = d.memoryMax ? [{ name: 'memoryMax', type: 'size', default: parseSize('--memory-max', d.memoryMax), help: 'memory.max of the memory cgroup /ltp that the odd processes run in' }] : [];
  return [
    { name: 'procs', type: 'int', default: d.procs, min: 2, max: 30, help: d.constraint ? 'processes, one per CPU actor (memhog-0, at oom_score_adj -1000, is the harness: it allocates nothing)' : 'processes, one per CPU actor (memhog-0 has oom_score_adj -1000)' },
    { name: 'mem', type: 'size', default: parseSize('--mem', d.mem), help: 'RAM of the one-node machine the kernel boots (its page allocator hands out every page)' },
    { name: 'swap', type: 'size', default: 0, help: 'swap size (counted in CommitLimit and totalpages)' },
    { name: 'chunk', type: 'size', default: parseSize('--chunk', d.chunk), help: 'bytes per malloc' },
    { name: 'overcommit', type: 'int', default: 0, min: 0, max: 2, help: 'vm.overcommit_memory: 0 heuristic, 1 always, 2 never' },
    { name: 'overcommitRatio', type: 'int', default: 50, min: 0, max: 1000, help: 'vm.overcommit_ratio (mode 2)' },
    { name: 'oomKillAllocatingTask', type: 'int', default: 0, min: 0, max: 1, help: 'vm.oom_kill_allocating_task' },
    { name: 'panicOnOom', type: 'int', default: 0, min: 0, max: 2, help: 'vm.panic_on_oom' },
    { name: 'childFirst', type: 'bool', default: false, help: 'kernels 2.6.36-5.0: kill a child with its own mm first' },
    { name: 'mlock', type: 'int', default: 0, min: 0, max: 100, help: 'percent of each process\'s pages it mlocks (VM_LOCKED) before touching them' },
    { name: 'reaperSkipsMlocked', type: 'bool', default: false, help: 'kernels 4.6-5.17: the oom_reaper leaves VM_LOCKED vmas to exit_mmap (6.6 reaps them)' },
    { name: 'adj', type: 'string', default: '-1000,0,500,-300,0,800', help: 'oom_score_adj per process, cycled (memhog-0 gets the first)' },
    ...memcg,
  ];
}

/**
 * The machine: one node (two for a constrained scenario, RAM split evenly), a CPU per process
 * and one for the oom_reaper, Linux's defaults otherwise (watermarks; ZONE_DMA below 16M, all
 * of RAM on a smaller machine).
 */
function machine(p: OomP, constraint: number): BootConfig {
  const nodes = constraint === C_NONE ? 1 : 2;
  return bootConfig({ nodes, cpusPerNode: Math.ceil((p.procs + 1) / nodes), mem: p.mem, dmaLimit: Math.min(DEFAULT_BOOT.dmaLimit, p.mem) });
}

/** The most pages one process faults in: its cap plus the chunk that crosses it (of the kernel's pages, bounded by RAM). */
function taskPagesCap(p: OomP): number {
  const ram = Math.floor(p.mem / 4096);
  return oomCapPages(p, ram, 2) + Math.floor(p.chunk / 4096);
}

function define(name: string, summary: string, d: Defaults, variant: VariantSpec<OomP>): Scenario {
  const constraint = d.constraint ?? C_NONE;
  return defineScenario<OomP, OomState>({
    name,
    summary,
    subsystem: 'kernel',
    omit: ['workers'],
    actorParam: 'procs',
    params: params(d),
    variants: [{ name: 'correct', summary: 'Linux 6.6', ...(d.explore ? { explore: d.explore } : {}) }, variant],
    outcomes: OUTCOMES,
    counters: [],
    opNames: OOM_OP_NAMES,
    validate(p) {
      if (p.chunk < 4096) throw new ConfigError('--chunk', `${p.chunk} bytes is less than a page`, '4K or more');
      machine(p, constraint);
      if (constraint === C_MEMCG && (p.memoryMax as number) < 4096) throw new ConfigError('--memory-max', `${p.memoryMax} bytes is less than a page`, '4K or more');
      for (const a of adjList(p.adj)) {
        if (!Number.isInteger(a) || a < -1000 || a > 1000) throw new ConfigError('--adj', `'${p.adj}' is not a list of oom_score_adj values`, 'integers from -1000 to 1000, comma-separated, e.g. -1000,0,500');
      }
    },
    imageBytes: (p) => TaskTable.bytes(p.procs + 2) + kernelImageBytes(machine(p, constraint)) + TaskPages.bytes(p.procs + 2, taskPagesCap(p)) + 1024,
    actors: (p) => [...Array<string>(p.procs).fill('cpu'), 'oom_reaper'],
    setup(arena, mem, p) {
      const tasks = TaskTable.create(arena, mem, p.procs + 2);
      tasks.spawn({ pid: 1, comm: 'init', init: true, rssAnon: 0 });
      tasks.spawn({ pid: 2, comm: 'kthreadd', kthread: true });
      const { kernel } = boot(arena, mem, machine(p, constraint));
      const totalPages = kernel.ref.totalram_pages;
      const nodePages = kernel.ref.nodes.map((_, nid) => kernel.nodeZones(nid).reduce((n, z) => n + z.present_pages, 0));
      const swapPages = Math.floor(p.swap / 4096);
      const memcgMax = constraint === C_MEMCG ? Math.floor((p.memoryMax as number) / 4096) : 0;
      const vm = VmAccounting.create(arena, mem, {
        totalramPages: totalPages,
        swapPages,
        overcommitMemory: p.overcommit,
        overcommitRatio: p.overcommitRatio,
      });
      vm.sysctl_write('vm.panic_on_oom', p.panicOnOom);
      vm.sysctl_write('vm.oom_kill_allocating_task', p.oomKillAllocatingTask);
      const pages = TaskPages.create(arena, mem, p.procs + 2, taskPagesCap(p));
      const nextPid = arena.allocWords('oom.next-pid', 16);
      mem.store(nextPid, 100);
      return {
        tasks: tasks.ref, vm: vm.ref, kernel: kernel.ref, pages, totalPages, wake: arena.allocWords('oom.wake', 16), oomLock: arena.allocWords('oom_lock', 16), nextPid,
        granted: arena.allocWords('oom.granted', 16), firstSlot: 2,
        domain: { constraint, memcg: constraint === C_MEMCG ? PageCounter.create(arena, mem, memcgMax) : -1, nodePages, swapPages, totalramPages: totalPages },
      };
    },
    roles: { cpu, oom_reaper: oomReaper },
    serves: ['oom_reaper'],
    locks: (s) => [{ name: 'oom_lock', word: s.oomLock }],
    check({ mem, state: s, results, outcomes, params: p }) {
      const tasks = new TaskTable(mem, s.tasks);
      const vm = new VmAccounting(mem, s.vm);
      let committed = 0;
      for (let t = s.firstSlot; t < tasks.ref.capacity; t++) committed += tasks.get(t, T_COMMITTED);
      const commit: Violation[] = [];
      if (committed !== vm.committed()) commit.push({ message: `Committed_AS is ${vm.committed()} pages, but live commitments add up to ${committed}` });
      const cpus = results.filter((r): r is CpuResult => r !== null && typeof r === 'object' && 'kills' in r);
      const reaper = results.find((r): r is ReaperResult => r !== null && typeof r === 'object' && 'reaped' in r);
      const first = cpus.find((r) => r.panic) ?? cpus.find((r) => r.logConstrained) ?? cpus.find((r) => r.log.length);
      const kills = cpus.reduce((n, r) => n + r.kills, 0);
      const memcg = memcgCharges(mem, s, tasks);
      return {
        oracles: [
          { name: 'frames-returned', violations: framesReturned(new Kernel(mem, s.kernel), tasks, new TaskPages(mem, s.pages), s.firstSlot) },
          { name: 'commit-accounting', violations: commit },
          {
            name: 'victim-scored-highest',
            violations: cpus.flatMap((r, cpu) => (r.notWorst ? [{ message: r.notWorst, where: `cpu ${cpu}` }] : [])),
          },
          {
            name: 'deadlock-only-when-nothing-killable',
            violations: cpus.flatMap((r, cpu) => (r.deadlock ? [{ message: r.deadlock, where: `cpu ${cpu}` }] : [])),
          },
          ...(memcg ? [{ name: 'memcg-charges', violations: memcg.violations }] : []),
        ],
        notes: [
          ...(first ? ['first OOM invocation, as the kernel logs it:', ...first.log.map((l) => `  ${l}`)] : ['the OOM killer never ran']),
          `${kills} OOM kills, ${outcomes['enomem'] ?? 0} mallocs refused with ENOMEM; ${vm.meminfo().join(', ')}`,
          `page allocator: ${s.totalPages} pages (totalram_pages), ${mem.load(s.kernel.header + H_ALLOC_FAIL)} alloc_pages failures below the min watermark sent a CPU toward the OOM killer`,
          ...(constraint === C_NONE ? [] : [`${CONSTRAINT_NAMES[constraint]}: ${outcomes['constrained-kill'] ?? 0} kills inside the constraint, ${outcomes['outside-constraint'] ?? 0} outside`]),
          ...(memcg ? [memcg.note] : []),
          ...(p.mlock && reaper?.first ? [reaper.first] : []),
          ...(p.mlock && reaper ? [`oom_reaper: ${reaper.reaped} victims reaped, ${reaper.freed} pages freed, ${reaper.mlockedFreed} of them mlocked${p.reaperSkipsMlocked ? ' (VM_LOCKED vmas skipped, as before 5.18)' : ''}`] : []),
        ],
      };
    },
  });
}

/**
 * The memory cgroup /ltp at the end: memory.current is what its tasks hold (charged on fault,
 * uncharged when exit or the reaper frees), never above memory.max.
 */
function memcgCharges(mem: Mem, s: OomState, tasks: TaskTable): { violations: Violation[]; note: string } | null {
  if (s.domain.memcg < 0) return null;
  const counter = new PageCounter(mem, s.domain.memcg);
  const pages = new TaskPages(mem, s.pages);
  let held = 0;
  for (let t = s.firstSlot; t < tasks.ref.capacity; t++) if (tasks.get(t, T_MEMCG) !== 0) held += pages.held(t).length;
  const violations: Violation[] = [];
  if (counter.usage() !== held) violations.push({ message: `memory.current is ${counter.usage()} pages, but the group's tasks hold ${held}` });
  if (counter.usage() > counter.max()) violations.push({ message: `memory.current ${counter.usage()} pages is above memory.max ${counter.max()}` });
  const e = counter.events();
  return { violations, note: `/ltp: memory.max ${counter.max()} pages, memory.current ${counter.usage()}; memory.events max ${e.max} oom ${e.oom} oom_kill ${e.oom_kill}` };
}

export const oom = define(
  'oom',
  'processes malloc and touch pages until the OOM killer runs; overcommit modes, panic_on_oom, oom_kill_allocating_task',
  // Under explore a process faults in its first chunk and stops (four ops): at 128M six 1M chunks
  // never reach the OOM killer, and only make each iteration's boot, audit and per-CPU list refills
  // bigger (100,000 turns, 0.5 to 1.5 s an iteration at load 12). Six 256K chunks on 8M do the
  // same in 27,000 turns.
  { procs: 6, mem: '128M', chunk: '1M', explore: { mem: '8M', chunk: '256K' } },
  {
    name: 'check-then-charge',
    summary: 'overcommit reads Committed_AS, decides, then charges: racing mallocs pass the mode-2 limit together',
    // Mode 2 is where the race is; a small machine with chunks above the admin reserve (1/32 of RAM) reaches the
    // limit at once, and on 8M three 1M mallocs fill it, so processes meet at the limit often: 4 s caught 5 of 5
    // (16M and 4 processes: 15 of 20 in 10 s).
    defaults: { overcommit: 2, procs: 3, mem: '8M', chunk: '1M', duration: '4s' },
    // Random switches split one malloc's check from its charge at the first iteration; PCT's
    // two change points at the 142nd (a run is some 18,000 turns).
    explore: { strategy: 'random' },
    cannotShow: [{
      flag: '--variant', when: (p) => p.overcommit !== 2, why: () => 'check-then-charge breaks the mode-2 limit only',
      allowed: 'check-then-charge with --overcommit 2', example: { overcommit: 0 },
    }],
  },
);

export const oomRace = define(
  'oom-race',
  'CPUs hit the OOM path at once on a small machine: one killer at a time, one victim per shortage',
  { procs: 4, mem: '16M', chunk: '256K' },
  {
    name: 'no-oom-lock',
    summary: 'out_of_memory without oom_lock: two CPUs enter the killer at once',
    // Two CPUs must be inside out_of_memory together, a window of one task scan: four processes
    // for 2 s caught 17 of 20 runs at load 9-15 (3 of 6 at load 15), six for 4 s 9 of 10 at load 24.
    defaults: { procs: 6, duration: '4s' },
    // At four ops of 256K on 16M nobody runs out of memory; on 8M with 1M chunks they all do,
    // and random switches put two CPUs in the killer at once where PCT's few change points do not.
    explore: { strategy: 'random', mem: '8M', chunk: '1M', procs: 4 },
  },
);

/**
 * The constrained scenarios' broken variant. Under explore's four ops a process faults in one
 * chunk and stops: at the defaults nothing fills the constraint, so no OOM is constrained;
 * `explore` takes the settings that fill it within one chunk (`exploreWith`).
 */
const unconstrained = (exploreWith: VariantSpec<OomP>['explore']): VariantSpec<OomP> => ({
  name: 'unconstrained-scan',
  summary: 'select_bad_process walks every task: the memcg walk (mem_cgroup_scan_tasks) and oom_cpuset_eligible left out, so the victim may be one whose death frees nothing the OOM lacks',
  // 8M nodes fill within the first second; the first OOM of the inside's node usually shows it, but it may take a few.
  defaults: { mem: '16M', duration: '15s' },
  explore: exploreWith,
});
/** Two 1M chunks in the group overrun a memory.max of 1M. */
const UNCONSTRAINED_MEMCG = unconstrained({ memoryMax: '1M', chunk: '1M' });
/** Two 4M chunks bound to one 8M node fill it. */
const UNCONSTRAINED_NODE = unconstrained({ mem: '16M', chunk: '4M' });

export const oomMemcg = define(
  'oom-memcg',
  'LTP oom03 on workers: the odd processes run in a memory cgroup with memory.max; its OOM kills only inside the group, never panics',
  { procs: 4, mem: '32M', chunk: '256K', constraint: C_MEMCG, memoryMax: '4M' },
  UNCONSTRAINED_MEMCG,
);

export const oomCpuset = define(
  'oom-cpuset',
  'LTP oom04 on workers: two nodes, odd processes in a cpuset with mems 1, even ones in mems 0; a CONSTRAINT_CPUSET OOM kills only tasks whose mems meet the allocating task\'s',
  { procs: 4, mem: '32M', chunk: '256K', constraint: C_CPUSET },
  UNCONSTRAINED_NODE,
);

export const oomMempolicy = define(
  'oom-mempolicy',
  'LTP oom02 on workers: two nodes, odd processes MPOL_BIND to node 1, even ones to node 0; a CONSTRAINT_MEMORY_POLICY OOM spares tasks bound outside the nodemask',
  { procs: 4, mem: '32M', chunk: '256K', constraint: C_MEMPOLICY },
  UNCONSTRAINED_NODE,
);
