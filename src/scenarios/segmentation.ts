import { defineScenario, type Violation } from '../lab/scenario.js';
import type { Params } from '../lab/params.js';
import type { ActorContext } from '../runtime/context.js';
import { ContiguousAllocator, type ContigRef } from '../paging/contiguous.js';
import { ACC_EXEC, ACC_READ, ACC_WRITE } from '../paging/pte.js';
import {
  S_BASE, S_FLAGS, S_LIMIT, SEG_R, SEG_SHARED, SEG_VALID, SEG_W, SEG_WORDS, SEG_X, TRAP_LIMIT, TRAP_SEGMENT,
  VARIANT_NO_SEG_LIMIT, segExpected, segTranslate, setSegment,
} from '../paging/segmentation.js';

/**
 * Processes address memory as <segment, offset> through their own segment tables: a code
 * segment shared by all (read and execute), private data and stack, and an invalid entry.
 * Each access is sometimes aimed where the process has no right (a segment past STLR or
 * invalid, an offset past the limit, a write to code); the trap must come, with the right
 * reason, and every permitted read must find what the process wrote (its data) or the
 * code's stamp (shared). Segments are placed in one memory by first fit.
 */
const OP_ACCESS = 1;

const O_OK = 0;
const O_TRAP_SEGMENT = 1;
const O_TRAP_LIMIT = 2;
const O_TRAP_PROT = 3;
const O_MISSED = 4;
const O_WRONG_TRAP = 5;
const O_WRONG = 6;

const SEGS = 4;
const CODE_WORDS = 256;
/** Allocation unit of segment memory, in words. */
const UNIT = 16;

type P = Params & { procs: number; variant: string };

interface State {
  contig: ContigRef;
  memory: number;
  /** Per process: STBR (its table's word index); STLR is SEGS. */
  stbr: number[];
  code: number;
}

function codeStamp(w: number): number {
  return Math.imul(w + 1, 0x2545f491) | 1;
}

function processRole(ctx: ActorContext<P, State>): void {
  const { mem, state: s, params: p, rng } = ctx;
  const stbr = s.stbr[ctx.actor];
  const variant = p.variant === 'no-limit-check' ? VARIANT_NO_SEG_LIMIT : 0;
  // The process's own knowledge of its segments: the oracle's side of every check.
  const limits = new Int32Array(SEGS);
  const flags = new Int32Array(SEGS);
  const shadow: Int32Array[] = [];
  for (let i = 0; i < SEGS; i++) {
    limits[i] = mem.load(stbr + i * SEG_WORDS + S_LIMIT);
    flags[i] = mem.load(stbr + i * SEG_WORDS + S_FLAGS);
    shadow.push(new Int32Array(limits[i]));
  }
  while (!ctx.stopped()) {
    ctx.op(OP_ACCESS);
    const seg = rng.below(SEGS + 1);
    const limit = seg < SEGS ? limits[seg] : 64;
    const off = rng.below(limit + (limit >> 3) + 1);
    const acc = rng.below(3) === 0 ? ACC_WRITE : rng.below(4) === 0 ? ACC_EXEC : ACC_READ;
    const want = segExpected(limits, flags, SEGS, seg, off, acc);
    const got = segTranslate(mem, stbr, SEGS, seg, off, acc, variant);
    if (want < 0) {
      if (got >= 0) {
        // The hardware let it through: the write lands wherever the base and offset point.
        if (acc === ACC_WRITE) mem.store(s.memory + got, 0x0bad5e9);
        ctx.outcome(O_MISSED);
      } else if (got !== want) ctx.outcome(O_WRONG_TRAP);
      else ctx.outcome(want === TRAP_SEGMENT ? O_TRAP_SEGMENT : want === TRAP_LIMIT ? O_TRAP_LIMIT : O_TRAP_PROT);
    } else if (got < 0) {
      ctx.outcome(O_WRONG_TRAP);
    } else if (acc === ACC_WRITE) {
      const v = rng.u32() | 1;
      mem.store(s.memory + got, v);
      shadow[seg][off] = v;
      ctx.outcome(O_OK);
    } else {
      const v = mem.load(s.memory + got);
      const expect = flags[seg] & SEG_SHARED ? codeStamp(off) : shadow[seg][off];
      ctx.outcome(v === expect ? O_OK : O_WRONG);
    }
    ctx.done(1);
  }
}

export const segmentation = defineScenario<P, State>({
  name: 'segmentation',
  summary: '<segment, offset> through per-process segment tables (STBR/STLR, base/limit/valid/rwx), a shared code segment, traps with their reason',
  subsystem: 'paging',
  params: [{ name: 'procs', type: 'int', default: 3, min: 1, max: 32, help: 'processes (worker threads), each with its own segment table' }],
  omit: ['workers'],
  variants: [
    { name: 'correct', summary: 'segment number against STLR and valid bit, offset against the limit, access against r/w/x, then relocate' },
    { name: 'no-limit-check', summary: 'relocate without the limit check: an offset past the limit reaches the next segment' },
  ],
  outcomes: [
    { id: 'ok', grade: 'ACCEPTABLE', description: 'a permitted access read what the process wrote, or the shared code' },
    { id: 'trap-segment', grade: 'ACCEPTABLE', description: 'segment number past STLR or invalid: trapped' },
    { id: 'trap-limit', grade: 'ACCEPTABLE', description: 'offset past the limit: trapped' },
    { id: 'trap-protection', grade: 'ACCEPTABLE', description: 'access the r/w/x bits forbid (a write to code): trapped' },
    { id: 'missed-trap', grade: 'FORBIDDEN', description: 'an access the rules forbid went through' },
    { id: 'wrong-trap', grade: 'FORBIDDEN', description: 'a trap with the wrong reason, or a trap on a permitted access' },
    { id: 'wrong-bytes', grade: 'FORBIDDEN', description: 'a read found bytes the process did not write (another segment wrote over it)' },
  ],
  counters: [],
  opNames: ['start', 'access'],
  imageBytes: (p) => (CODE_WORDS + p.procs * 2048) * 4 + p.procs * SEGS * SEG_WORDS * 4 + ContiguousAllocator.bytes(p.procs * SEGS + 4) + 8192,
  actors: (p) => Array<string>(p.procs).fill('process'),
  setup(arena, mem, p, _roles) {
    const words = CODE_WORDS + p.procs * 2048;
    const contig = ContiguousAllocator.create(arena, mem, 'segmentation', words / UNIT, p.procs * SEGS + 4);
    const memory = arena.allocWords('segmentation.memory', words);
    const alloc = new ContiguousAllocator(mem, contig, 0);
    const code = alloc.alloc(CODE_WORDS / UNIT, 'first') * UNIT;
    for (let w = 0; w < CODE_WORDS; w++) mem.store(memory + code + w, codeStamp(w));
    const stbr: number[] = [];
    for (let i = 0; i < p.procs; i++) {
      const t = arena.allocWords(`segmentation.table.${i}`, SEGS * SEG_WORDS);
      const dataWords = 64 * (1 + ((i * 5) % 8));
      setSegment(mem, t, 0, code, CODE_WORDS, SEG_VALID | SEG_R | SEG_X | SEG_SHARED);
      setSegment(mem, t, 1, alloc.alloc(dataWords / UNIT, 'first') * UNIT, dataWords, SEG_VALID | SEG_R | SEG_W);
      setSegment(mem, t, 2, alloc.alloc(256 / UNIT, 'first') * UNIT, 256, SEG_VALID | SEG_R | SEG_W);
      setSegment(mem, t, 3, 0, 0, 0);
      stbr.push(t);
    }
    return { contig, memory, stbr, code };
  },
  roles: { process: processRole },
  check({ mem, state: s }) {
    const layout: Violation[] = [];
    const extents: Array<[number, number, string]> = [[s.code, s.code + CODE_WORDS, 'code']];
    s.stbr.forEach((t, i) => {
      for (let seg = 1; seg < 3; seg++) {
        const base = mem.load(t + seg * SEG_WORDS + S_BASE);
        extents.push([base, base + mem.load(t + seg * SEG_WORDS + S_LIMIT), `process ${i} segment ${seg}`]);
      }
    });
    extents.sort((a, b) => a[0] - b[0]);
    for (let k = 1; k < extents.length; k++) if (extents[k - 1][1] > extents[k][0]) layout.push({ message: `${extents[k - 1][2]} overlaps ${extents[k][2]}` });
    for (let w = 0; w < CODE_WORDS; w++) {
      if (mem.load(s.memory + s.code + w) !== codeStamp(w)) {
        layout.push({ message: `shared code word ${w} was written`, where: 'code segment' });
        break;
      }
    }
    return {
      oracles: [{ name: 'segments-apart', violations: layout }],
      notes: [`${s.stbr.length} processes, ${SEGS} segments each (STLR ${SEGS}); the code segment is shared by all at base ${s.code}`],
    };
  },
});
