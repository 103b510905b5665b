import { ConfigError } from '../errors.js';
import { defineScenario, type Violation } from '../lab/scenario.js';
import type { Params } from '../lab/params.js';
import { table } from '../lab/table.js';
import type { ActorContext } from '../runtime/context.js';
import { ContiguousAllocator, FITS, type ContigRef, type Fit } from '../paging/contiguous.js';
import { compareFits } from '../paging/fits.js';

/**
 * Processes get variable partitions of one memory by first, next, best or worst fit,
 * fill them with stamps, read them back through base and limit registers (limit check,
 * then relocation), release them; with --compact, a request that fails with enough free
 * memory in total compacts memory (moving partitions under everyone, as execution-time
 * binding allows) and tries again. A probe past the limit must trap. At the end every
 * partition is released and memory must be one hole again.
 */
const OP_ALLOC = 1;
const OP_FREE = 2;
const OP_ACCESS = 3;
const OP_PROBE = 4;

const O_ALLOCATED = 0;
const O_REFUSED = 1;
const O_EXTERNAL = 2;
const O_READ = 3;
const O_TRAP = 4;
const O_WRONG = 5;
const O_MISSED_TRAP = 6;

/** A partition entry: owner (-1 free), base and size in units, bytes asked. */
const P_OWNER = 0;
const P_BASE = 1;
const P_SIZE = 2;
const P_ASKED = 3;
const P_WORDS = 4;
/** Partitions a process holds at most. */
const HOLD = 16;

const COUNTERS = ['requests', 'refused', 'externalRefusals', 'searched', 'wastedBytes', 'givenUnits', 'compactions', 'movedKiB', 'reads'] as const;
const K = Object.fromEntries(COUNTERS.map((c, i) => [c, i])) as Record<(typeof COUNTERS)[number], number>;

type P = Params & { procs: number; fit: Fit; requests: number; compact: boolean; memory: number; unit: number; maxRequest: number; variant: string };

interface State {
  contig: ContigRef;
  memory: number;
  unitWords: number;
  parts: number;
  nparts: number;
  /** Odd while compaction moves partitions: readers retry. */
  seq: number;
}

function stamp(entry: number, word: number): number {
  return (Math.imul(entry + 1, 0x9e3779b1) ^ Math.imul(word + 1, 0x85ebca6b)) | 1;
}

function processRole(ctx: ActorContext<P, State>): void {
  const { mem, state: s, params: p, rng } = ctx;
  const alloc = new ContiguousAllocator(mem, s.contig, ctx.actor);
  const mine = new Int32Array(HOLD);
  const starts = new Int32Array(s.nparts);
  const sizes = new Int32Array(s.nparts);
  const index = new Int32Array(s.nparts);
  let held = 0;
  const e = (k: number) => s.parts + k * P_WORDS;
  const words = (k: number) => mem.load(e(k) + P_SIZE) * s.unitWords;
  const compact = (): void => {
    let n = 0;
    for (let k = 0; k < s.nparts; k++) {
      if (mem.load(e(k) + P_OWNER) < 0) continue;
      starts[n] = mem.load(e(k) + P_BASE);
      sizes[n] = mem.load(e(k) + P_SIZE);
      index[n++] = k;
    }
    mem.add(s.seq, 1);
    const moved = alloc.compactLocked(starts, sizes, n, (i, from, to, size) => {
      mem.u8.copyWithin((s.memory + to * s.unitWords) * 4, (s.memory + from * s.unitWords) * 4, (s.memory + (from + size) * s.unitWords) * 4);
      mem.store(e(index[i]) + P_BASE, to);
    });
    mem.add(s.seq, 1);
    mem.notify(s.seq, Infinity);
    ctx.count(K.compactions);
    ctx.count(K.movedKiB, Math.round((moved * s.unitWords * 4) / 1024));
  };
  for (let r = 0; r < p.requests && !ctx.stopped(); ) {
    const pick = rng.below(10);
    if (held < HOLD && (held === 0 || pick < 3)) {
      ctx.op(OP_ALLOC);
      r++;
      const bytes = 1 + rng.below(p.maxRequest);
      const units = Math.ceil(bytes / p.unit);
      alloc.enter();
      let start = alloc.allocLocked(units, p.fit);
      ctx.count(K.searched, alloc.searched);
      const external = start < 0 && alloc.freeUnits() >= units;
      if (external && p.compact) {
        compact();
        start = alloc.allocLocked(units, p.fit);
      }
      if (start >= 0) {
        let k = 0;
        while (mem.load(e(k) + P_OWNER) >= 0) k++;
        mem.store(e(k) + P_BASE, start);
        mem.store(e(k) + P_SIZE, units);
        mem.store(e(k) + P_ASKED, bytes);
        mem.store(e(k) + P_OWNER, ctx.actor);
        const base = s.memory + start * s.unitWords;
        for (let w = 0; w < units * s.unitWords; w++) mem.store(base + w, stamp(k, w));
        mine[held++] = k;
      }
      alloc.leave();
      ctx.count(K.requests);
      if (start >= 0) {
        ctx.outcome(O_ALLOCATED);
        ctx.count(K.wastedBytes, units * p.unit - bytes);
        ctx.count(K.givenUnits, units);
      } else {
        ctx.count(K.refused);
        if (external) ctx.count(K.externalRefusals);
        ctx.outcome(external ? O_EXTERNAL : O_REFUSED);
      }
    } else if (pick < 6) {
      ctx.op(OP_FREE);
      const i = rng.below(held);
      const k = mine[i];
      alloc.enter();
      alloc.freeLocked(mem.load(e(k) + P_BASE), mem.load(e(k) + P_SIZE));
      mem.store(e(k) + P_OWNER, -1);
      alloc.leave();
      mine[i] = mine[--held];
    } else if (pick < 9 || p.variant === 'correct') {
      ctx.op(OP_ACCESS);
      const k = mine[rng.below(held)];
      const off = rng.below(words(k));
      // The relocation register may move under compaction: read base and word in one even phase of the seqlock.
      let v = 0;
      for (;;) {
        const s1 = mem.load(s.seq);
        if (s1 & 1) {
          mem.wait(s.seq, s1, 0.1);
          continue;
        }
        v = mem.load(s.memory + mem.load(e(k) + P_BASE) * s.unitWords + off);
        if (mem.load(s.seq) === s1) break;
      }
      ctx.count(K.reads);
      ctx.outcome(v === stamp(k, off) ? O_READ : O_WRONG);
    } else {
      // A write just past the limit register: the hardware traps it, unless the check is left out.
      ctx.op(OP_PROBE);
      const k = mine[rng.below(held)];
      const logical = words(k) + rng.below(8);
      alloc.enter();
      if (p.variant === 'no-limit-check') {
        const phys = s.memory + mem.load(e(k) + P_BASE) * s.unitWords + logical;
        if (phys < s.memory + s.contig.size * s.unitWords) mem.store(phys, 0x0bad0bad);
        ctx.outcome(O_MISSED_TRAP);
      } else {
        ctx.outcome(O_TRAP);
      }
      alloc.leave();
    }
    ctx.done(1);
  }
  alloc.enter();
  for (let i = 0; i < held; i++) {
    alloc.freeLocked(mem.load(e(mine[i]) + P_BASE), mem.load(e(mine[i]) + P_SIZE));
    mem.store(e(mine[i]) + P_OWNER, -1);
  }
  alloc.leave();
}

export const contiguous = defineScenario<P, State>({
  name: 'contiguous',
  summary: 'variable partitions by first/next/best/worst fit, base and limit registers, merging holes, compaction; the four fits compared on one stream',
  subsystem: 'paging',
  params: [
    { name: 'procs', type: 'int', default: 2, min: 1, max: 16, help: 'processes (worker threads) asking for partitions' },
    { name: 'fit', type: 'choice', default: 'first', choices: FITS, help: 'placement policy' },
    { name: 'requests', type: 'int', default: 10000, min: 1, max: 10_000_000, help: 'allocation requests per process' },
    { name: 'compact', type: 'bool', default: false, help: 'compact memory when a request fails with enough free memory in total' },
    { name: 'memory', type: 'size', default: 256 << 10, help: 'memory to partition (64K, 1M)' },
    { name: 'unit', type: 'size', default: 256, help: 'allocation unit: requests round up to it (internal fragmentation)' },
    { name: 'maxRequest', type: 'size', default: 32 << 10, help: 'largest request; sizes are uniform in 1..max' },
  ],
  omit: ['workers'],
  variants: [
    { name: 'correct', summary: 'every access checked against the limit register, then relocated' },
    { name: 'no-limit-check', summary: 'relocation without the limit check: an access past the partition lands in a neighbour' },
  ],
  outcomes: [
    { id: 'allocated', grade: 'ACCEPTABLE', description: 'a request got a partition' },
    { id: 'refused', grade: 'ACCEPTABLE', description: 'a request was refused: not enough free memory' },
    { id: 'external-frag', grade: 'ACCEPTABLE_INTERESTING', description: 'a request was refused with enough free memory in total, in no single hole (external fragmentation)' },
    { id: 'read', grade: 'ACCEPTABLE', description: 'a read through base and limit found the partition\'s stamp' },
    { id: 'trap', grade: 'ACCEPTABLE', description: 'an access past the limit trapped (addressing error)' },
    { id: 'wrong-bytes', grade: 'FORBIDDEN', description: "a read found another partition's bytes or garbage" },
    { id: 'missed-trap', grade: 'FORBIDDEN', description: 'an access past the limit reached memory' },
  ],
  counters: COUNTERS,
  opNames: ['start', 'alloc', 'free', 'access', 'probe'],
  validate(p) {
    if (p.unit < 4 || p.unit % 4 !== 0) throw new ConfigError('--unit', `${p.unit} is not a positive multiple of 4 bytes`, 'a multiple of 4, e.g. 64, 256, 4K');
    if (p.memory % p.unit !== 0 || p.memory < p.unit * 4) throw new ConfigError('--memory', `${p.memory} is not a multiple of the unit ${p.unit} (at least 4 units)`, `a multiple of ${p.unit}`);
    if (p.maxRequest > p.memory) throw new ConfigError('--max-request', `${p.maxRequest} is larger than memory ${p.memory}`, `1 to ${p.memory}`);
  },
  imageBytes: (p) => p.memory + ContiguousAllocator.bytes(p.procs * HOLD + 2) + p.procs * HOLD * P_WORDS * 4 + 4096,
  actors: (p) => Array<string>(p.procs).fill('process'),
  setup(arena, mem, p) {
    const units = p.memory / p.unit;
    return {
      contig: ContiguousAllocator.create(arena, mem, 'contiguous', units, p.procs * HOLD + 2),
      memory: arena.allocWords('contiguous.memory', p.memory / 4),
      unitWords: p.unit / 4,
      parts: ((): number => {
        const w = arena.allocWords('contiguous.partitions', p.procs * HOLD * P_WORDS);
        for (let k = 0; k < p.procs * HOLD; k++) mem.store(w + k * P_WORDS + P_OWNER, -1);
        return w;
      })(),
      nparts: p.procs * HOLD,
      seq: arena.allocWords('contiguous.seq', 1),
    };
  },
  roles: { process: processRole },
  check({ mem, params: p, state: s, counter, roles }) {
    const alloc = new ContiguousAllocator(mem, s.contig, 0);
    const merged: Violation[] = [...alloc.audit()];
    if (alloc.holeCount() !== 1 || alloc.holeSize(0) !== s.contig.size) {
      merged.push({ message: `after every partition was released memory is ${alloc.holeCount()} holes of ${alloc.freeUnits()} units, not one hole of ${s.contig.size}` });
    }
    const sum = (k: string) => roles.reduce((t, _, a) => t + counter(a, k), 0);
    const req = Math.max(1, sum('requests'));
    const fits = compareFits({ memoryUnits: s.contig.size, unitBytes: p.unit, maxRequestBytes: p.maxRequest, requests: Math.min(p.requests, 20000), seed: p.seed as number });
    const t = table(['fit', 'refused', 'external', 'search', 'utilisation', 'ext. frag', 'int. frag']);
    for (const f of fits) {
      t.push([f.fit, f.refused, f.externalRefusals, f.avgSearch.toFixed(1), `${(100 * f.utilisation).toFixed(1)}%`, `${(100 * f.externalFragmentation).toFixed(1)}%`, `${(100 * f.internalFragmentation).toFixed(1)}%`]);
    }
    return {
      oracles: [{ name: 'holes-merged', violations: merged }],
      notes: [
        `${p.fit} fit: ${req} requests, ${sum('refused')} refused (${sum('externalRefusals')} with enough free memory: external fragmentation), ${(sum('searched') / req).toFixed(1)} holes searched per request, internal fragmentation ${((100 * sum('wastedBytes')) / Math.max(1, sum('givenUnits') * p.unit)).toFixed(1)}%`,
        `compaction: ${sum('compactions')} runs moved ${sum('movedKiB')} KiB`,
        `the four fits on one seeded stream of ${Math.min(p.requests, 20000)} requests (one thread, same sizes and releases):\n${t.toString()}`,
      ],
    };
  },
});
