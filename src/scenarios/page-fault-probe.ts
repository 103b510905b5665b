import { ConfigError } from '../errors.js';
import { defineScenario } from '../lab/scenario.js';
import type { Params } from '../lab/params.js';
import type { ActorContext } from '../runtime/context.js';
import { auditAllFree } from '../paging/audit.js';
import { MM_CPUMASK } from '../paging/mm.js';
import { Cpu } from '../paging/mmu.js';
import { PROT_READ, PROT_WRITE } from '../paging/pte.js';
import { createMachine, machineBytes, type MachineConfig, type MachineRef } from '../paging/system.js';
import { exitMm, mmap, munmap, mmCreate } from '../paging/vm.js';

/**
 * will-it-scale's page_fault1 on the paging machine (hidden: `bench page-fault` runs it):
 * each process, on its own CPU, maps --pages anonymous pages, writes one word of each (a
 * minor fault: alloc_pages(GFP_USER, 0) through this CPU's pagesets, or the zone lock
 * with --pcp off), and unmaps them (every frame back through put_page), over and over.
 * An op is one page faulted in and freed. Each process reports its zone lock's
 * acquisitions and how many of them found the lock held.
 */
const OP_FAULT = 1;
const OP_UNMAP = 2;
const O_OK = 0;
const O_OOM = 1;
const START = 0x400;

type P = Params & { procs: number; pages: number; frames: number; pcp: boolean };

interface State {
  sys: MachineRef;
  mms: number[];
  done: number;
}

/** What each process returns: its faults and what its zone lock saw. */
export interface PageFaultResult {
  faults: number;
  acquisitions: number;
  contended: number;
}

function config(p: P): MachineConfig {
  return { cpus: p.procs, frames: p.frames, tlbEntries: 64, pt: 'two-level', maxProcs: p.procs, pcp: p.pcp };
}

function processRole(ctx: ActorContext<P, State>): PageFaultResult {
  const { state: s, params: p } = ctx;
  const cpu = new Cpu(ctx.mem, s.sys, ctx.actor);
  const mm = s.mms[ctx.actor];
  cpu.switchTo(mm);
  let faults = 0;
  while (!ctx.stopped()) {
    if (mmap(cpu, mm, START, p.pages, PROT_READ | PROT_WRITE, 0) < 0) throw new Error(`mmap of ${p.pages} pages failed`);
    ctx.op(OP_FAULT);
    let k = 0;
    for (; k < p.pages; k++) {
      cpu.store32((START + k) * 4096, k | 1);
      if (cpu.fault !== 0) break;
    }
    ctx.outcome(k === p.pages ? O_OK : O_OOM);
    faults += k;
    ctx.op(OP_UNMAP);
    munmap(cpu, mm, START, p.pages);
    ctx.done(k);
  }
  cpu.sd.drain(s.done, p.procs);
  const zone = cpu.frames.k.zones.find((z) => z.lockStats.acquisitions > 0);
  return { faults, acquisitions: zone?.lockStats.acquisitions ?? 0, contended: zone?.lockStats.contended ?? 0 };
}

export const pageFaultProbe = defineScenario<P, State>({
  name: 'page-fault-probe',
  summary: "will-it-scale's page_fault1: each process maps, faults in and unmaps its own pages through pagesets (or the zone lock)",
  subsystem: 'paging',
  hidden: true,
  omit: ['workers'],
  actorParam: 'procs',
  params: [
    { name: 'procs', type: 'int', default: 2, min: 1, max: 15, help: 'processes, each on its own CPU (worker thread)' },
    { name: 'pages', type: 'int', default: 128, min: 1, max: 4096, help: 'pages each process maps, faults in and unmaps per round' },
    { name: 'frames', type: 'int', default: 8192, min: 64, max: 65536, help: 'physical frames' },
    { name: 'pcp', type: 'bool', default: true, help: 'per-CPU pagesets (off: every fault and free through the zone lock)' },
  ],
  variants: [{ name: 'correct', summary: 'demand faults and unmaps as Linux does them' }],
  outcomes: [
    { id: 'ok', grade: 'ACCEPTABLE', description: 'every page of a round faulted in' },
    { id: 'oom', grade: 'ACCEPTABLE_INTERESTING', description: 'a fault found no frame (more pages mapped than frames)' },
  ],
  counters: [],
  opNames: ['start', 'fault', 'unmap'],
  validate(p) {
    // Each process's two-level table takes a directory and a table frame besides its pages.
    const need = p.procs * (p.pages + 4);
    if (p.frames < need) throw new ConfigError('--frames', `${p.frames} frames cannot hold ${p.procs} processes of ${p.pages} pages and their page tables`, `at least ${need}`);
  },
  imageBytes: (p) => machineBytes(config(p)) + 8192,
  actors: (p) => Array<string>(p.procs).fill('process'),
  setup(arena, mem, p) {
    const sys = createMachine(arena, mem, config(p));
    const boot = new Cpu(mem, sys, 0);
    const mms = Array.from({ length: p.procs }, (_, i) => mmCreate(boot, 100 + i, 1, 1 << 20));
    return { sys, mms, done: arena.allocWords('page-fault.done', 1) };
  },
  roles: { process: processRole },
  check({ mem, state: s, results }) {
    const cpu = new Cpu(mem, s.sys, 0);
    for (const mm of s.mms) {
      mem.store(cpu.mmBase(mm) + MM_CPUMASK, 0);
      exitMm(cpu, mm);
    }
    const rs = results as PageFaultResult[];
    const acq = rs.reduce((n, r) => n + r.acquisitions, 0);
    const contended = rs.reduce((n, r) => n + r.contended, 0);
    return {
      oracles: [{ name: 'all-freed', violations: auditAllFree(cpu) }],
      notes: [`zone lock: ${acq} acquisitions, ${contended} found it held (${((100 * contended) / Math.max(1, acq)).toFixed(1)}%)`],
    };
  },
});
