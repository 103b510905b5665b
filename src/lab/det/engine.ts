import type { Piscina } from 'piscina';
import { ConfigError, MemraceError } from '../../errors.js';
import { type BatchResult, runActors } from '../../runtime/actors.js';
import { type CheckResult, type OracleResult, violationCount } from '../scenario.js';
import { type OutcomeCount, forbiddenOutcomes } from '../report.js';
import type { Machine } from '../../runtime/machine.js';
import { prepareRun } from '../stress.js';
import { scenarioSource } from '../../scenarios/user.js';
import { uncontrolledSigns } from './uncontrolled.js';
import { STOP } from '../../runtime/control.js';
import { type CheckName, DET_HISTORY_WORDS, checkRunHistory } from '../history/oracle.js';
import { MEMORY_MODES, type MemoryMode, SB_WORDS } from './store_buffer.js';
import {
  A_BASE, A_WORDS, ACCESS_KINDS, ACTOR_STATE_NAMES, DEC_HOLDER, DEC_WORDS, H_CULPRIT, H_FLOOR, H_MAX_DEC, H_MAX_STEPS,
  H_NACTORS, H_NCHANGE, H_NDEC, H_NFORCED, H_SEED, H_STATUS, H_STEP, H_STEP_BUDGET, H_STOP_ON_FORBIDDEN,
  H_STRATEGY, H_CHANGE, H_SERVES, H_STEPPING, H_TARGET, H_STOP_WORD, H_LENIENT, H_MEMORY, H_SB_BASE, MAX_ACTORS, MAX_CHANGE_POINTS, R_ADDR, R_EXPECT, R_KIND, R_PRIO, R_STATE, R_STEPS,
  STATUS_NAMES, STRATEGIES, TRACE_WORDS, type BlockShape, type StrategyName, blockWords, decBase, forcedBase, traceBase,
} from './block.js';

/** What one scheduled run is told: the strategy's inputs for this iteration. */
export interface IterationPlan {
  strategy: StrategyName;
  /** The random strategy's seed for this iteration. */
  seed: number;
  /** PCT: each actor's initial priority (distinct, >= the number of change points). */
  priorities?: number[];
  /** PCT: the steps at which the running actor's priority drops to the point's index. */
  changePoints?: number[];
  /** Decisions taken as given before the strategy decides (a replay, a DFS prefix). */
  forced?: number[];
}

export interface DetOptions {
  /** Accesses one actor may make before the run turns fair (twice that before it is STALE). */
  stepBudget: number;
  /** Each actor's op budget. @default the `ops` parameter */
  opBudget?: number;
  /** End the run at the first forbidden outcome any actor counts. */
  stopOnForbidden: boolean;
  /** The run's wall-clock limit (a safety net: a scheduled run is bounded by its step budget). */
  timeBudgetMs: number;
  /** A forced decision that cannot be taken takes the default instead of ending the run as diverged. */
  lenient?: boolean;
  /** `linearizable`: record the history (stamped by turns) and check it when the run finishes. */
  check?: CheckName;
  /** The memory model of plain accesses. @default 'sc' */
  memory?: MemoryMode;
  /**
   * Stepped from the main thread (`memrace step`, src/lab/step.ts): actor 0 makes the first
   * step of `stepping` ops; no decision log, no trace, no step budget.
   */
  stepping?: number;
}

/** How long one iteration's history check may search before it says unknown. */
const HISTORY_CHECK_MS = 5000;

/** One choice point: several actors could go; `chosen` went. */
export interface Decision {
  chosen: number;
  candidates: number;
  /** The actor that continues without a preemption (the holder when it could go, else the lowest). */
  dflt: number;
  holderCould: boolean;
  /** The trace step it was taken at: the chosen actor's access is logged there. */
  step: number;
}

export type DetStatus = (typeof STATUS_NAMES)[number];

/** Where an actor stood when the run ended: for deadlock and stale reports. */
export interface ActorPosition {
  actor: number;
  role: string;
  state: string;
  access: string;
  address: string;
  expected?: number;
  steps: number;
  lastOp: string;
}

export interface DetFailure {
  kind: 'forbidden' | 'oracle' | 'deadlock' | 'stale' | 'crash';
  message: string;
}

export interface DetRun {
  run: Machine;
  status: DetStatus;
  failure: DetFailure | null;
  decisions: Decision[];
  steps: number;
  outcomes: OutcomeCount[];
  oracles: OracleResult[];
  /** The scenario's notes on the image at the end (CheckResult.notes). */
  notes: string[];
  positions: ActorPosition[];
  /** The trace block (a copy), decoded by trace.ts. */
  trace: Int32Array;
  /** The actor that counted the forbidden outcome, or overran its budget (-1: none). */
  culprit: number;
  /** The run's time limit ended it: the stop flag went up and every actor that failed was only slow to see it. */
  outOfTime: boolean;
  /** Signs that a user scenario's code ran outside the scheduler's control (uncontrolled.ts); empty when it did not. */
  uncontrolled: string[];
}


/** The block's size for a run of `actors` with a per-actor step budget. */
export function blockShape(actors: number, stepBudget: number): BlockShape {
  if (actors > MAX_ACTORS) throw new ConfigError('actors', `the deterministic engine schedules at most ${MAX_ACTORS} actors, not ${actors}`, `1 to ${MAX_ACTORS}`);
  // Twice the budget: a wait's wake-up is a turn of its own. (The fair half of a run that
  // overran fits as long as not every actor overruns; else the full log ends it, as STALE.)
  const maxSteps = actors * (stepBudget + 2) * 2;
  return { actors, maxSteps, maxDecisions: maxSteps };
}

/** The actors whose roles serve (Scenario.serves), as a mask. */
function servingMask(run: Machine): number {
  // Stryker disable next-line ArrayDeclaration: no role is named 'Stryker was here', so a list of it serves no actor either (equivalent)
  const serves = run.scenario.serves ?? [];
  return run.roles.reduce((m, role, a) => (serves.includes(role) ? m | (1 << a) : m), 0);
}

/** Lay out a run whose actors bind the scheduled port, with the block filled in from the plan. */
export function prepareScheduled(scenario: string, params: Record<string, unknown>, plan: IterationPlan, opts: DetOptions): { run: Machine; base: number; shape: BlockShape } {
  // Stryker disable next-line UnaryOperator: sched() sets base before anything reads it (equivalent)
  let base = -1;
  let shape!: BlockShape;
  const weak = (opts.memory ?? 'sc') !== 'sc';
  const shapeOf = (actors: number) => (opts.stepping ? { actors, maxSteps: 0, maxDecisions: 0 } : blockShape(actors, opts.stepBudget));
  const bytes = (actors: number) => blockWords(shapeOf(actors)) * 4 + 64 + (weak ? actors * SB_WORDS * 4 + 64 : 0);
  const run = prepareRun(scenario, params, {
    port: 'scheduled',
    opBudget: opts.opBudget,
    extraBytes: bytes,
    sched: (arena, actors) => {
      shape = shapeOf(actors);
      base = arena.allocWords('det.scheduler', blockWords(shape));
      if (weak) arena.i32[base + H_SB_BASE] = arena.allocWords('det.store-buffers', actors * SB_WORDS);
      return base;
    },
    ...(opts.check ? { history: { words: DET_HISTORY_WORDS, turnOffset: H_STEP } } : {}),
  });
  const i32 = run.mem.i32;
  // Stryker disable next-line ArrayDeclaration: a string stored into an Int32Array is 0, as `?? 0` below writes (equivalent)
  const priorities = plan.priorities ?? [];
  const changes = plan.changePoints ?? [];
  if (changes.length > MAX_CHANGE_POINTS) throw new ConfigError('--depth', `${changes.length + 1} needs more change points than the scheduler holds`, `0 to ${MAX_CHANGE_POINTS + 1}`);
  i32[base + H_STRATEGY] = STRATEGIES.indexOf(plan.strategy);
  i32[base + H_SEED] = plan.seed | 0;
  i32[base + H_NACTORS] = shape.actors;
  i32[base + H_STEP_BUDGET] = opts.stepBudget;
  i32[base + H_MAX_STEPS] = shape.maxSteps;
  i32[base + H_MAX_DEC] = shape.maxDecisions;
  i32[base + H_STOP_ON_FORBIDDEN] = opts.stopOnForbidden ? 1 : 0;
  i32[base + H_CULPRIT] = -1;
  i32[base + H_SERVES] = servingMask(run);
  i32[base + H_STOP_WORD] = run.control.control + STOP;
  i32[base + H_LENIENT] = opts.lenient ? 1 : 0;
  i32[base + H_MEMORY] = MEMORY_MODES.indexOf(opts.memory ?? 'sc');
  i32[base + H_FLOOR] = 0;
  if (opts.stepping) {
    i32[base + H_STEPPING] = 1;
    i32[base + H_TARGET] = opts.stepping;
    i32[base + H_STEP_BUDGET] = 0x3fffffff;
  }
  i32[base + H_NCHANGE] = changes.length;
  changes.forEach((c, j) => (i32[base + H_CHANGE + j] = c));
  // Stryker disable next-line EqualityOperator: one record past the last actor's is the forced decisions' area, written after: `<=` stores priorities[n] ?? 0 there first, 0 for a plan's n priorities (equivalent)
  for (let a = 0; a < shape.actors; a++) i32[base + A_BASE + a * A_WORDS + R_PRIO] = priorities[a] ?? 0;
  const forced = plan.forced ?? [];
  if (forced.length > shape.maxDecisions) throw new MemraceError('E_SCHEDULE', `the schedule has ${forced.length} decisions, more than this run can take (${shape.maxDecisions})`);
  i32[base + H_NFORCED] = forced.length;
  forced.forEach((c, k) => (i32[base + forcedBase(shape) + k] = c));
  return { run, base, shape };
}

/** Run one iteration under the scheduler on `pool` (one thread per actor) and judge it. */
export async function runScheduled(scenario: string, params: Record<string, unknown>, plan: IterationPlan, opts: DetOptions, pool: Piscina): Promise<DetRun> {
  const { run, base, shape } = prepareScheduled(scenario, params, plan, opts);
  const i32 = run.mem.i32;
  // A user's code may escape the scheduler (plain accesses): keep the image as set up, to check the trace against.
  const before = scenarioSource(run.scenario) ? i32.slice() : null;
  const batch = await runActors({
    tasks: run.tasks,
    mem: run.mem,
    opNames: run.scenario.opNames,
    durationMs: 0,
    timeBudgetMs: opts.timeBudgetMs,
    graceMs: 2000,
    pool,
  });
  return concludeScheduled(run, base, shape, batch, plan, opts, before);
}

/** Read a scheduled run's block once its actors have returned, run the oracles and judge it. */
export function concludeScheduled(run: Machine, base: number, shape: BlockShape, batch: BatchResult, plan: IterationPlan, opts: DetOptions, before: Int32Array | null): DetRun {
  const i32 = run.mem.i32;
  // Stryker disable next-line ArithmeticOperator: H_STATUS is 0, so base - H_STATUS is base (equivalent)
  const status = STATUS_NAMES[Atomics.load(i32, base + H_STATUS)];
  if (status === 'diverged') {
    const k = i32[base + H_NDEC];
    throw new MemraceError('E_SCHEDULE', `the schedule does not fit this run: decision ${k} names actor ${i32[base + H_CULPRIT]}, who cannot go there (a different scenario, parameters or code)`);
  }
  const ndec = Math.min(i32[base + H_NDEC], shape.maxDecisions);
  const forced = plan.forced?.length ?? 0;
  if (forced > ndec && !opts.lenient && (status === 'finished' || status === 'deadlock')) {
    throw new MemraceError('E_SCHEDULE', `the schedule does not fit this run: it has ${forced} decisions, the run ended after ${ndec} (a different scenario, parameters or code)`);
  }
  const decisions: Decision[] = [];
  for (let k = 0; k < ndec; k++) {
    const d = base + decBase(shape) + k * DEC_WORDS;
    decisions.push({
      chosen: i32[d], candidates: i32[d + 1],
      dflt: i32[d + 2] & 0xff, holderCould: (i32[d + 2] & DEC_HOLDER) !== 0, step: i32[d + 3],
    });
  }
  const steps = i32[base + H_STEP];
  const traceStart = base + traceBase(shape);
  const trace = i32.slice(traceStart, traceStart + Math.min(steps, shape.maxSteps) * TRACE_WORDS);
  const positions = run.roles.map((role, a): ActorPosition => {
    const r = base + A_BASE + a * A_WORDS;
    const kind = ACCESS_KINDS[i32[r + R_KIND]] ?? 'none';
    const addr = i32[r + R_ADDR];
    return {
      // Stryker disable next-line ArithmeticOperator: R_STATE is 0, so r - R_STATE is r (equivalent)
      actor: a, role, state: ACTOR_STATE_NAMES[i32[r + R_STATE]], access: kind,
      address: addr >= 0 ? run.wordName(addr) : '-',
      ...(kind === 'wait' ? { expected: i32[r + R_EXPECT] } : {}),
      steps: i32[r + R_STEPS],
      lastOp: run.lastOp(a),
    };
  });
  const quiescent = status === 'finished' && batch.failures.length === 0;
  const check: CheckResult = quiescent ? run.check(batch.results) : { oracles: [], outcomes: {} };
  const history = quiescent && opts.check ? checkRunHistory(run, HISTORY_CHECK_MS) : null;
  if (history?.oracle) check.oracles.push(history.oracle);
  const outcomes = run.outcomeCounts(check.outcomes);
  const uncontrolled = before && steps <= shape.maxSteps ? uncontrolledSigns(run, before, trace, status === 'finished') : [];
  // A scheduled actor looks at the stop flag between sleeps on its turn word: one the time
  // limit stopped may be reported hung, when the limit (and its grace) was short.
  const outOfTime = status === 'aborted' && batch.failures.every((f) => f.kind === 'hung');
  const result: DetRun = { run, status, failure: null, decisions, steps, outcomes, oracles: check.oracles, notes: check.notes ?? [], positions, trace, uncontrolled, outOfTime, culprit: i32[base + H_CULPRIT] };
  result.failure = judge(result, batch.failures.map((f) => `actor ${f.actor} (${f.role}) ${f.kind} during '${f.lastOp}': ${f.message}`), i32[base + H_CULPRIT]);
  return result;
}

/**
 * Judge a run; one the time limit cut short (outOfTime) is neither a pass nor a failure: null.
 * An aborted run is out of time (no failure, or only hangs) or has a crash: both end above.
 */
function judge(r: DetRun, crashes: string[], culprit: number): DetFailure | null {
  if (r.outOfTime) return null;
  const forbidden = forbiddenOutcomes(r.outcomes);
  if (forbidden.length) return { kind: 'forbidden', message: `forbidden outcome ${forbidden.map((o) => `'${o.outcome}' (${o.description})`).join(', ')}` };
  if (crashes.length) return { kind: 'crash', message: crashes.join('; ') };
  const where = (p: ActorPosition) => `actor ${p.actor} (${p.role}) ${p.state} at ${p.access} ${p.address}${p.expected !== undefined ? ` == ${p.expected}` : ''} during '${p.lastOp}'`;
  if (r.status === 'deadlock') {
    return { kind: 'deadlock', message: `DEADLOCK: every live actor waits: ${r.positions.filter((p) => p.state !== 'done').map(where).join('; ')}` };
  }
  if (r.status === 'stale') {
    const p = r.positions[culprit];
    return { kind: 'stale', message: `STALE: ${p ? `actor ${p.actor} (${p.role}) did not finish within its step budget, nor in as many more steps under a fair schedule; last at ${p.access} ${p.address} during '${p.lastOp}'` : 'the decision log is full'}` };
  }
  const bad = r.oracles.filter((o) => o.violations.length);
  if (bad.length) return { kind: 'oracle', message: bad.map((o) => `oracle ${o.name}: ${o.violations[0].message}${violationCount(o) > 1 ? ` (+${violationCount(o) - 1} more)` : ''}`).join('; ') };
  return null;
}
