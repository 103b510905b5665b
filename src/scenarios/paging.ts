import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';
import { defineScenario, type Scenario } from '../lab/scenario.js';
import type { Params, ParamSpec } from '../lab/params.js';
import type { ActorContext } from '../runtime/context.js';
import { auditAllFree, auditContents, auditTranslations } from '../paging/audit.js';
import { InvertedTable } from '../paging/inverted.js';
import { MM_CPUMASK, SEGV_ACCERR, SEGV_MAPERR } from '../paging/mm.js';
import { Cpu, FAULT_OOM, FAULT_SIGSEGV } from '../paging/mmu.js';
import { PT_KINDS, type PtKind } from '../paging/pagetable.js';
import { PROT_READ, PROT_WRITE } from '../paging/pte.js';
import { POLICIES, VARIANT_WRITE_BEFORE_FLUSH, type Policy } from '../paging/reclaim.js';
import { createMachine, machineBytes, type MachineConfig, type MachineRef } from '../paging/system.js';
import { eatDemand, eatFormula } from '../paging/tlb.js';
import { VARIANT_NO_COW, exitMm, fork, mmCreate, mmap } from '../paging/vm.js';

/**
 * Processes on CPUs, one each, touch their address space through the MMU with a moving
 * working set (98% of accesses in a window of --ws pages that slides every 1000): reads check the bytes against what the process last wrote (a private
 * shadow), so a translation to a frame it does not own, a lost copy-on-write, or a page
 * that came back from swap changed all show as `wrong-bytes`. Now and then a process
 * forks a child that writes its copy and exits (the parent's bytes must not move), and
 * touches an address it has no right to (the signal must arrive).
 */
const OP_ACCESS = 1;
const OP_FORK = 2;
const OP_SEGV = 3;

const O_OK = 0;
const O_SEGV = 1;
const O_OOM = 2;
const O_FORK_FAILED = 3;
const O_WRONG = 4;
const O_MISSED_SEGV = 5;
const O_SWAP_CORRUPT = 6;

const COUNTERS = ['accesses', 'tlbHits', 'tlbMisses', 'walkReads', 'minorFaults', 'majorFaults', 'cowCopies', 'swapOuts', 'forks', 'segv', 'shootdowns'] as const;
const K = Object.fromEntries(COUNTERS.map((c, i) => [c, i])) as Record<(typeof COUNTERS)[number], number>;

const VARIANTS: Record<string, number> = { correct: 0, 'no-cow': VARIANT_NO_COW, 'write-before-flush': VARIANT_WRITE_BEFORE_FLUSH };

/** Ops a forked child runs before it exits. */
const CHILD_OPS = 200;
/** Ops between two moves of the working-set window. */
const PHASE = 1000;
const START = 0x400;

type P = Params & {
  procs: number; pages: number; frames: number; tlb: number; pt: PtKind; policy: Policy; swap: string;
  ws: number; writePct: number; forkEvery: number; epsilon: number; variant: string;
};

interface State {
  sys: MachineRef;
  mms: number[];
  /** Word index of each process's shadow: `pages` words, what it last wrote to each page (0: nothing). */
  shadows: number;
  ro: number;
  done: number;
  swapPath: string;
  temp: boolean;
}

/** What each CPU returns: timing and its process's table, read before anything exits. */
interface CpuResult {
  accesses: number;
  ns: number;
  faults: number;
  faultMs: number;
  walks: number;
  walkReads: number;
  ptBytes: number;
}

function config(p: P, swapPath: string): MachineConfig {
  return {
    cpus: p.procs,
    frames: p.frames,
    tlbEntries: p.tlb,
    pt: p.pt,
    // Each CPU's process and the child it may fork.
    maxProcs: p.procs * 2,
    swap: { path: swapPath, slots: p.procs * p.pages + 64, policy: p.policy },
  };
}

/** The word of a page that the workload writes and checks (spread over the page). */
function wordOf(vpn: number): number {
  return (Math.imul(vpn, 7) + 3) & 1023;
}

/**
 * Run `ops` accesses of the running process, checking each read against `shadow`. Returns
 * true when the run is over: ctx.stopped() samples the flag on every 16th call only, so
 * it is asked in one place and its answer kept (callers that asked again could loop).
 */
function work(ctx: ActorContext<P, State>, cpu: Cpu, shadow: Int32Array, ops: number, phase: { base: number; n: number }): boolean {
  const p = ctx.params;
  const rng = ctx.rng;
  for (let k = 0; k < ops; k++) {
    if (ctx.stopped()) return true;
    if (++phase.n % PHASE === 0) phase.base = (phase.base + (p.ws >> 2) + 1) % p.pages;
    const i = rng.below(50) !== 0 ? (phase.base + rng.below(p.ws)) % p.pages : rng.below(p.pages);
    const va = (START + i) * 4096 + wordOf(START + i) * 4;
    ctx.op(OP_ACCESS);
    ctx.begin();
    if (rng.below(100) < p.writePct) {
      const v = rng.u32() | 1;
      cpu.store32(va, v);
      if (cpu.fault === 0) shadow[i] = v;
    } else {
      const v = cpu.load32(va);
      if (cpu.fault === 0) ctx.outcome(v === shadow[i] ? O_OK : O_WRONG);
    }
    ctx.end();
    if (cpu.fault === FAULT_OOM) ctx.outcome(O_OOM);
    ctx.done(1);
  }
  return false;
}

/** Touch what the process may not: past its mapping (SEGV_MAPERR) and a write to its read-only page (SEGV_ACCERR). */
function probeSegv(ctx: ActorContext<P, State>, cpu: Cpu): void {
  ctx.op(OP_SEGV);
  cpu.load32((START + ctx.params.pages + 16) * 4096);
  ctx.outcome(cpu.fault === FAULT_SIGSEGV && cpu.siCode === SEGV_MAPERR ? O_SEGV : O_MISSED_SEGV);
  cpu.store32(ctx.state.ro * 4096, 1);
  ctx.outcome(cpu.fault === FAULT_SIGSEGV && cpu.siCode === SEGV_ACCERR ? O_SEGV : O_MISSED_SEGV);
}

function processRole(ctx: ActorContext<P, State>): CpuResult {
  const { state: s, params: p } = ctx;
  const cpu = new Cpu(ctx.mem, s.sys, ctx.actor, VARIANTS[p.variant]);
  cpu.timeFaults = true;
  const mm = s.mms[ctx.actor];
  const shadow = ctx.mem.i32.subarray(s.shadows + ctx.actor * p.pages, s.shadows + (ctx.actor + 1) * p.pages);
  const childShadow = new Int32Array(p.pages);
  const phase = { base: 0, n: 0 };
  cpu.switchTo(mm);
  const t0 = performance.now();
  let ptBytes = 0;
  for (let over = false; !over; ) {
    over = work(ctx, cpu, shadow, p.forkEvery > 0 ? p.forkEvery : 4096, phase);
    probeSegv(ctx, cpu);
    ptBytes = Math.max(ptBytes, cpu.pt(mm).tableBytes());
    if (p.forkEvery === 0 || over) continue;
    ctx.op(OP_FORK);
    const child = fork(cpu, mm, 1000 + ctx.actor);
    if (child < 0) {
      ctx.outcome(O_FORK_FAILED);
      continue;
    }
    ctx.count(K.forks);
    childShadow.set(shadow);
    cpu.switchTo(child);
    over = work(ctx, cpu, childShadow, CHILD_OPS, { base: phase.base, n: phase.n });
    cpu.switchTo(mm);
    exitMm(cpu, child);
  }
  const ms = performance.now() - t0;
  const st = cpu.stats;
  if (st.swapCorrupt) ctx.outcome(O_SWAP_CORRUPT, st.swapCorrupt);
  ctx.count(K.accesses, st.accesses);
  ctx.count(K.tlbHits, cpu.tlb.hits);
  ctx.count(K.tlbMisses, cpu.tlb.misses);
  ctx.count(K.walkReads, st.walkReads);
  ctx.count(K.minorFaults, st.minorFaults);
  ctx.count(K.majorFaults, st.majorFaults);
  ctx.count(K.cowCopies, st.cowCopies);
  ctx.count(K.swapOuts, st.swapOuts);
  ctx.count(K.segv, st.segv);
  ctx.count(K.shootdowns, cpu.sd.stats.initiated);
  cpu.swap?.close();
  cpu.sd.drain(s.done, p.procs);
  return { accesses: st.accesses, ns: (ms * 1e6) / Math.max(1, st.accesses), faults: st.minorFaults + st.majorFaults, faultMs: st.faultMs, walks: st.walks, walkReads: st.walkReads, ptBytes };
}

function specs(d: { procs: number; pages: number; frames: number; tlb: number; ws: number }): ParamSpec[] {
  return [
    { name: 'procs', type: 'int', default: d.procs, min: 1, max: 15, help: 'processes, each on its own CPU (worker thread)' },
    { name: 'pages', type: 'int', default: d.pages, min: 4, max: 65536, help: 'pages each process maps' },
    { name: 'frames', type: 'int', default: d.frames, min: 16, max: 65536, help: 'physical frames (page tables take theirs from here too)' },
    { name: 'tlb', type: 'int', default: d.tlb, min: 1, max: 1024, help: 'TLB entries per CPU' },
    { name: 'pt', type: 'choice', default: 'two-level', choices: PT_KINDS, help: 'page table organisation' },
    { name: 'policy', type: 'choice', default: 'clock', choices: POLICIES, help: 'page replacement policy' },
    { name: 'swap', type: 'string', default: '', help: 'swap file path (default: a temporary file, removed after the run)' },
    { name: 'ws', type: 'int', default: d.ws, min: 1, max: 65536, help: 'working-set pages: 98% of accesses fall in a window this wide, which moves' },
    { name: 'writePct', type: 'int', default: 30, min: 0, max: 100, help: 'percent of accesses that write' },
    { name: 'forkEvery', type: 'int', default: 5000, min: 0, max: 10_000_000, help: 'ops between forks (0: never); the child writes its copy, then exits' },
    { name: 'epsilon', type: 'number', default: 0.2, min: 0, max: 10, help: 'TLB lookup time in memory-access units, for the EAT formula' },
  ];
}

/** Under explore's four ops a process never reaches the default fork interval: fork after every two. */
const EXPLORE_NO_COW = { forkEvery: 2 };
/**
 * The lost write needs reclaim under pressure (at four ops nothing is evicted) and a reclaimer
 * preempted between writing the page out and shooting it down: random switches land there,
 * PCT's two change points rarely do.
 */
const EXPLORE_WRITE_BEFORE_FLUSH = { strategy: 'random', procs: 2, frames: 16, pages: 10, ws: 10, writePct: 50, ops: 24 };

/** Where each broken variant shows at the default duration: its own defaults (the user's flags win). */
type VariantDefaults = Record<'no-cow' | 'write-before-flush', Record<string, string | number>>;

function make(name: string, summary: string, d: { procs: number; pages: number; frames: number; tlb: number; ws: number }, vd: VariantDefaults): Scenario {
  return defineScenario<P, State>({
    name,
    summary,
    subsystem: 'paging',
    params: specs(d),
    omit: ['workers'],
    variants: [
      { name: 'correct', summary: 'demand paging, copy on write, swap and shootdowns as Linux does them' },
      {
        name: 'no-cow',
        summary: 'fork leaves private pages writable in both processes, one frame shared: no copy on write',
        defaults: vd['no-cow'],
        explore: EXPLORE_NO_COW,
        cannotShow: [{
          flag: '--variant', when: (p) => p.pt === 'inverted', why: () => 'an inverted table copies at fork: there is no COW to leave out',
          allowed: 'no-cow with two-level, four-level, hashed or clustered', example: { pt: 'inverted' },
        }],
      },
      {
        name: 'write-before-flush',
        summary: 'reclaim writes a page to swap before shooting it down: a write through a stale TLB entry is lost',
        defaults: vd['write-before-flush'],
        explore: EXPLORE_WRITE_BEFORE_FLUSH,
        cannotShow: [{
          flag: '--procs', when: (p) => p.procs < 2, why: () => 'write-before-flush races a store through a stale TLB entry on another CPU with the swap write, but one process cannot race itself',
          allowed: '2 or more', example: { procs: 1 },
        }],
      },
    ],
    outcomes: [
      { id: 'ok', grade: 'ACCEPTABLE', description: 'a read returned what the process last wrote there' },
      { id: 'segv', grade: 'ACCEPTABLE', description: 'an access the process had no right to raised SIGSEGV (to the process, not the lab)' },
      { id: 'oom', grade: 'ACCEPTABLE_INTERESTING', description: 'a fault found no frame even after reclaim (swap full or every frame pinned)' },
      { id: 'fork-failed', grade: 'ACCEPTABLE_INTERESTING', description: 'fork found no memory for the child' },
      { id: 'wrong-bytes', grade: 'FORBIDDEN', description: 'a read returned other bytes: a translation to a frame the process does not own, a lost COW, or a page changed by swap' },
      { id: 'missed-segv', grade: 'FORBIDDEN', description: 'an invalid access raised no SIGSEGV (or the wrong si_code)' },
      { id: 'swap-corrupt', grade: 'FORBIDDEN', description: 'a page read back from the swap file does not match what was written' },
    ],
    counters: COUNTERS,
    opNames: ['start', 'access', 'fork', 'segv-probe'],
    validate(p) {
      if (p.ws > p.pages) throw new ConfigError('--ws', `${p.ws} is wider than the ${p.pages} pages mapped`, `1 to ${p.pages}`);
      const tables = p.pt === 'four-level' ? 4 : 2;
      if (p.frames < p.procs * (tables + 2)) throw new ConfigError('--frames', `${p.frames} frames cannot hold ${p.procs} processes' page tables and a page each`, `at least ${p.procs * (tables + 2)}`);
    },
    imageBytes: (p) => machineBytes(config(p, '')) + p.procs * p.pages * 4 + 8192,
    actors: (p) => Array<string>(p.procs).fill('process'),
    setup(arena, mem, p) {
      const temp = p.swap === '';
      const swapPath = temp ? join(tmpdir(), `memrace-swap-${process.pid}-${Date.now()}.img`) : p.swap;
      const sys = createMachine(arena, mem, config(p, swapPath));
      const boot = new Cpu(mem, sys, 0);
      const mms: number[] = [];
      let ro = 0;
      for (let i = 0; i < p.procs; i++) {
        const mm = mmCreate(boot, 100 + i, 1, 1 << 20);
        mmap(boot, mm, START, p.pages, PROT_READ | PROT_WRITE, 0);
        ro = mmap(boot, mm, START + p.pages + 1, 1, PROT_READ, 0);
        mms.push(mm);
      }
      return { sys, mms, ro, shadows: arena.allocWords(`${name}.shadows`, p.procs * p.pages), done: arena.allocWords(`${name}.done`, 1), swapPath, temp };
    },
    roles: { process: processRole },
    check({ mem, params: p, state: s, counter, roles, results }) {
      const cpu = new Cpu(mem, s.sys, 0);
      const { ownership, tlb } = auditTranslations(cpu);
      const contents = s.mms.flatMap((mm, a) => auditContents(cpu, mm, START, mem.i32.subarray(s.shadows + a * p.pages, s.shadows + (a + 1) * p.pages), wordOf));
      // Every CPU has gone with its worker: exits flush nobody.
      for (const mm of s.mms) {
        mem.store(cpu.mmBase(mm) + MM_CPUMASK, 0);
        exitMm(cpu, mm);
      }
      const freed = auditAllFree(cpu);
      cpu.swap?.close();
      if (s.temp) rmSync(s.swapPath, { force: true });
      const sum = (k: string) => roles.reduce((t, _, a) => t + counter(a, k), 0);
      const rs = results as CpuResult[];
      const acc = Math.max(1, sum('accesses'));
      const hits = sum('tlbHits');
      const alpha = hits / Math.max(1, hits + sum('tlbMisses'));
      const walks = rs.reduce((t, r) => t + r.walks, 0);
      const walkReads = rs.reduce((t, r) => t + r.walkReads, 0);
      const faults = rs.reduce((t, r) => t + r.faults, 0);
      const faultNs = (rs.reduce((t, r) => t + r.faultMs, 0) * 1e6) / Math.max(1, faults);
      const totalNs = rs.reduce((t, r) => t + r.ns * r.accesses, 0);
      // The time of an access that did not fault: the "memory access time" of the demand-paging EAT.
      const memNs = Math.max(0, totalNs - rs.reduce((t, r) => t + r.faultMs, 0) * 1e6) / Math.max(1, acc - faults);
      const pfr = faults / acc;
      const ptBytes = rs.reduce((t, r) => t + r.ptBytes, 0) / Math.max(1, rs.length);
      const global = p.pt === 'inverted' ? ` + the system inverted table ${InvertedTable.tableBytes(p.frames)} B shared by all` : '';
      return {
        oracles: [
          { name: 'ownership', violations: ownership },
          { name: 'tlb-coherence', violations: tlb },
          { name: 'last-writes', violations: contents },
          { name: 'all-freed', violations: freed },
          { name: 'kernel-audit', violations: cpu.frames.audit() },
        ],
        notes: [
          `TLB: hit ratio a = ${alpha.toFixed(3)}; EAT formula (1 + e)a + (2 + e)(1 - a) = ${eatFormula(alpha, p.epsilon).toFixed(3)} with e = ${p.epsilon}; counted ${(1 + p.epsilon + walkReads / acc).toFixed(3)} memory references per access (${p.pt}: ${(walkReads / Math.max(1, walks)).toFixed(2)} table reads per walk); measured ${memNs.toFixed(0)} ns per access that did not fault`,
          `faults: ${sum('minorFaults')} minor, ${sum('majorFaults')} major (from swap), ${sum('cowCopies')} COW copies, ${sum('swapOuts')} swapped out, ${sum('forks')} forks, ${sum('segv')} SIGSEGV delivered, ${sum('shootdowns')} shootdowns`,
          `demand paging: fault rate p = ${pfr.toExponential(2)}; fault service ${(faultNs / 1000).toFixed(1)} µs; EAT = (1 - p) * ${memNs.toFixed(0)} ns + p * ${(faultNs / 1000).toFixed(1)} µs = ${eatDemand(pfr, memNs, faultNs).toFixed(0)} ns (its parts measured here; as p climbs, the fault term swamps the rest)`,
          `page tables (${p.pt}): ${(ptBytes / 1024).toFixed(1)} KiB per process${global}; lookup ${(walkReads / Math.max(1, walks)).toFixed(2)} reads`,
        ],
      };
    },
  });
}

export const paging = make('paging', 'processes touch their address spaces through TLB and page tables: demand paging, COW fork, SIGSEGV, swap; EAT and table cost', {
  procs: 4, pages: 512, frames: 256, tlb: 64, ws: 32,
}, {
  'no-cow': {},
  // The lost write needs another CPU to store to the victim through its TLB while the page
  // is written out: FIFO evicts pages still hot in their owner's TLB, a small working set
  // written 90% of the time keeps them hot, and frames as few as pages keep reclaim busy.
  'write-before-flush': { policy: 'fifo', ws: 4, tlb: 16, frames: 64, pages: 64, writePct: 90, duration: '6s' },
});

export const swapThrash = make('swap-thrash', 'more processes than frames: fault rate p and EAT climb with --procs (thrashing), per replacement policy', {
  procs: 8, pages: 64, frames: 64, tlb: 16, ws: 32,
}, {
  // Eight thrashing processes reach the default fork interval rarely in 2 s, and a child
  // finds few of its parent's pages in frames: fork often, four processes on 96 frames.
  'no-cow': { forkEvery: 200, procs: 4, frames: 96 },
  // Eight processes share the two cores, so the owner's store and the swap write meet less
  // often than in paging's four: 6 s caught 18 of 20 runs at load 15-20, 10 s 8 of 8.
  'write-before-flush': { policy: 'fifo', ws: 4, writePct: 90, duration: '10s' },
});
