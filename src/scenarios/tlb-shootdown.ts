import { defineScenario } from '../lab/scenario.js';
import type { Params } from '../lab/params.js';
import type { ActorContext } from '../runtime/context.js';
import { Arena } from '../shm/arena.js';
import { auditAllFree, auditTranslations } from '../paging/audit.js';
import { MM_CPUMASK } from '../paging/mm.js';
import { Cpu, FAULT_OOM } from '../paging/mmu.js';
import { PROT_READ, PROT_WRITE } from '../paging/pte.js';
import { VARIANT_NO_SHOOTDOWN } from '../paging/shootdown.js';
import { createMachine, machineBytes, type MachineConfig, type MachineRef } from '../paging/system.js';
import { exitMm, madviseDontneed, mmCreate, mmap } from '../paging/vm.js';

/**
 * The threads of one process on N CPUs share its address space. Each CPU reads pages
 * through its own TLB and, now and then, drops a page (madvise DONTNEED), which frees the
 * frame once every CPU has flushed it. Every page carries a stamp naming its vpn in its
 * first word, written by whoever first touches it (a fresh page reads 0); a freed frame
 * is soon handed to another page (the free list is LIFO) and stamped for it. A foreign
 * stamp can only come through a translation that outlived its unmapping.
 */
const OP_ACCESS = 1;
const OP_ZAP = 2;

const O_OK = 0;
const O_FRESH = 1;
const O_STALE = 2;
const O_OOM = 3;

const K = { accesses: 0, tlbHits: 1, tlbMisses: 2, zaps: 3, shootdowns: 4, ipisSent: 5, ipisServed: 6, ackWaits: 7 } as const;

type P = Params & { cpus: number; pages: number; tlb: number; zapPct: number; variant: string };

interface State {
  sys: MachineRef;
  mm: number;
  start: number;
  /** CPUs that finished their loop: each serves flush requests until all have. */
  done: number;
}

/** The stamp a page of this vpn carries (never 0: 0 is a fresh page). */
function stamp(vpn: number): number {
  return (Math.imul(vpn + 1, 0x9e3779b1) | 1) ^ 0x7a3c;
}

function config(p: P): MachineConfig {
  // Frames for every page, its tables, and two per CPU for pages in flight (dropped, not yet freed): a freed frame is reused at once.
  return { cpus: p.cpus, frames: p.pages + 4 + 2 * p.cpus, tlbEntries: p.tlb, pt: 'two-level', maxProcs: 1 };
}

function cpuRole(ctx: ActorContext<P, State>): unknown {
  const { state: s, params: p, rng } = ctx;
  const cpu = new Cpu(ctx.mem, s.sys, ctx.actor, p.variant === 'no-shootdown' ? VARIANT_NO_SHOOTDOWN : 0);
  cpu.switchTo(s.mm);
  while (!ctx.stopped()) {
    const vpn = s.start + rng.below(p.pages);
    if (rng.below(1000) < p.zapPct * 10) {
      ctx.op(OP_ZAP);
      madviseDontneed(cpu, s.mm, vpn, 1);
      ctx.count(K.zaps);
    } else {
      ctx.op(OP_ACCESS);
      ctx.begin();
      const v = cpu.load32(vpn * 4096);
      ctx.end();
      if (cpu.fault === FAULT_OOM) ctx.outcome(O_OOM);
      else if (v === stamp(vpn)) ctx.outcome(O_OK);
      else if (v === 0) {
        cpu.store32(vpn * 4096, stamp(vpn));
        ctx.outcome(O_FRESH);
      } else {
        ctx.outcome(O_STALE);
      }
    }
    ctx.done(1);
  }
  cpu.sd.drain(s.done, p.cpus);
  const st = cpu.sd.stats;
  ctx.count(K.accesses, cpu.stats.accesses);
  ctx.count(K.tlbHits, cpu.tlb.hits);
  ctx.count(K.tlbMisses, cpu.tlb.misses);
  ctx.count(K.shootdowns, st.initiated);
  ctx.count(K.ipisSent, st.sent);
  ctx.count(K.ipisServed, st.served);
  ctx.count(K.ackWaits, st.waits);
  return null;
}

export const tlbShootdown = defineScenario<P, State>({
  name: 'tlb-shootdown',
  summary: 'threads of one process on N CPUs read pages through their TLBs while others drop pages; the frame is freed only after every CPU flushed',
  subsystem: 'paging',
  params: [
    { name: 'cpus', type: 'int', default: 4, min: 2, max: 30, help: 'CPUs (worker threads) running the process' },
    { name: 'pages', type: 'int', default: 32, min: 1, max: 4096, help: 'pages of the shared mapping' },
    { name: 'tlb', type: 'int', default: 16, min: 1, max: 1024, help: 'TLB entries per CPU' },
    { name: 'zapPct', type: 'number', default: 5, min: 0, max: 100, help: 'percent of operations that drop a page (MADV_DONTNEED)' },
  ],
  omit: ['workers'],
  variants: [
    { name: 'correct', summary: 'unmap, shoot down every CPU in the mm cpumask and wait for each ack, then free (mmu_gather)' },
    { name: 'no-shootdown', summary: 'flush the local TLB only and free at once' },
  ],
  outcomes: [
    { id: 'ok', grade: 'ACCEPTABLE', description: "read the page's own stamp" },
    { id: 'fresh', grade: 'ACCEPTABLE', description: 'read a fresh zero page (first touch after a drop) and stamped it' },
    { id: 'stale', grade: 'FORBIDDEN', description: "read another page's stamp: a TLB entry outlived the unmapping and its frame was reused" },
    { id: 'oom', grade: 'ACCEPTABLE_INTERESTING', description: 'a fault found no free frame' },
  ],
  counters: Object.keys(K),
  opNames: ['start', 'access', 'zap'],
  imageBytes: (p) => machineBytes(config(p)) + 4096,
  actors: (p) => Array<string>(p.cpus).fill('cpu'),
  setup(arena: Arena, mem, p) {
    const done = arena.allocWords('tlb-shootdown.done', 1);
    const sys = createMachine(arena, mem, config(p));
    const boot = new Cpu(mem, sys, 0);
    const mm = mmCreate(boot, 1, 0, 1 << 20);
    const start = mmap(boot, mm, 0x400, p.pages, PROT_READ | PROT_WRITE, 0);
    return { sys, mm, start, done };
  },
  roles: { cpu: cpuRole },
  check({ mem, state: s, counter, roles }) {
    const cpu = new Cpu(mem, s.sys, 0);
    const { ownership, tlb } = auditTranslations(cpu);
    // The CPUs are gone with their workers: nobody is left to flush, so exit asks nobody.
    mem.store(cpu.mmBase(s.mm) + MM_CPUMASK, 0);
    exitMm(cpu, s.mm);
    const sum = (k: string) => roles.reduce((t, _, a) => t + counter(a, k), 0);
    const hits = sum('tlbHits');
    const misses = sum('tlbMisses');
    return {
      oracles: [
        { name: 'ownership', violations: ownership },
        { name: 'tlb-coherence', violations: tlb },
        { name: 'all-freed', violations: auditAllFree(cpu) },
        { name: 'kernel-audit', violations: cpu.frames.audit() },
      ],
      notes: [
        `TLB hit ratio ${((100 * hits) / Math.max(1, hits + misses)).toFixed(1)}% over ${sum('accesses')} accesses; ${sum('zaps')} pages dropped`,
        `shootdowns ${sum('shootdowns')}: ${sum('ipisSent')} flush requests sent, ${sum('ipisServed')} served, ${sum('ackWaits')} waits for an ack`,
      ],
    };
  },
});
