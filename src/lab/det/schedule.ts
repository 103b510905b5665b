import { closeSync, existsSync, ftruncateSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { MemraceError } from '../../errors.js';
import { packageRoot } from '../../runtime/paths.js';
import { type Params, flagOf } from '../params.js';
import { STRATEGIES } from './block.js';
import { CHECKS } from '../history/oracle.js';
import { MEMORY_MODES } from './store_buffer.js';
import type { IterationPlan } from './engine.js';

/** Bumped whenever the scheduler's decisions change meaning: an old file must not replay silently differently. */
export const SCHEDULE_VERSION = 2;

const Param = z.union([z.number(), z.string(), z.boolean(), z.array(z.number()), z.array(z.string())]);

const PlanSchema = z.object({
  strategy: z.enum(STRATEGIES),
  seed: z.number().int(),
  priorities: z.array(z.number().int()).optional(),
  changePoints: z.array(z.number().int()).optional(),
  forced: z.array(z.number().int().min(0).max(30)).optional(),
});

const SizeSchema = z.object({ decisions: z.number().int(), switches: z.number().int(), preemptions: z.number().int() });

const ScheduleSchema = z.object({
  format: z.literal('memrace-schedule'),
  version: z.number().int(),
  memrace: z.string(),
  scenario: z.string(),
  variant: z.string(),
  params: z.record(Param),
  seed: z.number().int(),
  iteration: z.number().int().min(0),
  plan: PlanSchema,
  stepBudget: z.number().int().positive(),
  stopOnForbidden: z.boolean(),
  /** Every choice, run-length coded ("0*3 1 2*5"); absent in the file kept while an iteration runs. */
  decisions: z.string().regex(/^(\d+(\*\d+)?( \d+(\*\d+)?)*)?$/).optional(),
  steps: z.number().int().optional(),
  failure: z.object({ kind: z.string(), message: z.string() }).optional(),
  /** The actors' data seed of this iteration (params.seed where the scenario keeps one); absent: `seed`. */
  dataSeed: z.number().int().optional(),
  /** Each actor's op budget (the engine's --ops); absent: params.ops. */
  opBudget: z.number().int().positive().optional(),
  /** The schedule was minimised: its decisions before shrinking and the preemptions before and after. */
  shrunk: z.object({ from: SizeSchema, to: SizeSchema, runs: z.number().int() }).optional(),
  /** Explore reran the failure with zero preemptions: true when it failed there too (a logic bug, not a race). */
  sequential: z.boolean().optional(),
  /** A user's scenario: the module's absolute path and the sha256 of its bytes when explored. */
  scenarioFile: z.string().optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/).optional(),
  /** The history check the run made (absent: none). */
  check: z.enum(CHECKS).optional(),
  /** The memory model of plain accesses (absent: sc). */
  memory: z.enum(MEMORY_MODES).optional(),
});

export type ScheduleFile = z.infer<typeof ScheduleSchema>;

let version: string | undefined;
/** This memrace's version, from its package.json. */
export function memraceVersion(): string {
  version ??= (JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  return version;
}

export function encodeDecisions(chosen: readonly number[]): string {
  const out: string[] = [];
  for (let i = 0; i < chosen.length; ) {
    let j = i;
    while (j < chosen.length && chosen[j] === chosen[i]) j++;
    out.push(j - i > 1 ? `${chosen[i]}*${j - i}` : String(chosen[i]));
    i = j;
  }
  return out.join(' ');
}

export function decodeDecisions(text: string): number[] {
  const out: number[] = [];
  if (text === '') return out;
  for (const run of text.split(' ')) {
    const star = run.indexOf('*');
    const a = Number(star < 0 ? run : run.slice(0, star));
    for (let n = star < 0 ? 1 : Number(run.slice(star + 1)); n > 0; n--) out.push(a);
  }
  return out;
}

/** The op budget a file's run had. */
export function opBudgetOf(f: ScheduleFile): number {
  return f.opBudget ?? (f.params.ops as number);
}

/** The plan that replays a file: its decisions forced, or the iteration's plan when it has none. */
export function replayPlan(f: ScheduleFile): IterationPlan {
  return f.decisions === undefined ? f.plan : { ...f.plan, forced: decodeDecisions(f.decisions) };
}

const scheduleText = (f: ScheduleFile) => JSON.stringify(f, null, 1) + '\n';

export function writeSchedule(file: string, f: ScheduleFile): void {
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, scheduleText(f));
}

/**
 * The running iteration's schedule, rewritten before every iteration through one open file:
 * writeFileSync opens with O_TRUNC, and ext4 then writes the file back at each close (its
 * replace-by-truncate heuristic), 2 ms an iteration on a quiet machine, 11 ms on a loaded one.
 * A crash of the process still leaves the last plan in the file (it is in the kernel's cache).
 */
export class RunningSchedule {
  private readonly fd: number;
  private closed = false;

  constructor(readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.fd = openSync(file, 'w');
  }

  write(f: ScheduleFile): void {
    ftruncateSync(this.fd, 0);
    writeSync(this.fd, scheduleText(f), 0);
  }

  /** Once: `remove` when the exploration ended without a crash (else the file stays, to replay). */
  close(remove: boolean): void {
    if (this.closed) return;
    this.closed = true;
    closeSync(this.fd);
    if (remove) rmSync(this.file, { force: true });
  }
}

const fail = (file: string, why: string) => new MemraceError('E_SCHEDULE', `--schedule ${file}: ${why}`);

/**
 * Read and check a schedule for `scenario`: a file of another scenario, format version or
 * memrace version is refused with the reason, never replayed as a different run.
 */
export function readSchedule(file: string, scenario: string): ScheduleFile {
  if (!existsSync(file)) throw fail(file, 'no such file');
  // A directory, FIFO or device is refused unread: reading a FIFO nobody writes never returns.
  if (!statSync(file).isFile()) throw fail(file, 'not a regular file');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw fail(file, `not JSON (${(e as Error).message})`);
  }
  const head = json as Partial<ScheduleFile> | null;
  if (head?.format !== 'memrace-schedule') throw fail(file, "not a memrace schedule (no format: 'memrace-schedule')");
  if (head.version !== SCHEDULE_VERSION) throw fail(file, `schedule format version ${String(head.version)}, this memrace reads version ${SCHEDULE_VERSION}`);
  const parsed = ScheduleSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw fail(file, `field '${issue.path.join('.')}': ${issue.message}`);
  }
  const f = parsed.data;
  if (f.scenario !== scenario) throw fail(file, `recorded for scenario '${f.scenario}', not '${scenario}'`);
  if (f.memrace !== memraceVersion()) throw fail(file, `recorded by memrace ${f.memrace}, this is ${memraceVersion()}: the scenario code may differ, re-run explore`);
  return f;
}

/** Parameters the user gave that disagree with the file's: each is an error naming the flag. */
export function checkGivenParams(f: ScheduleFile, given: Params, explicit: readonly string[]): void {
  for (const k of explicit) {
    if (JSON.stringify(given[k]) !== JSON.stringify(f.params[k])) {
      throw new MemraceError('E_SCHEDULE', `${flagOf(k)} ${String(given[k])} disagrees with the schedule, recorded with ${String(f.params[k])}: leave it out or use the schedule's value`);
    }
  }
}
