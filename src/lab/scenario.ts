import type { CheckName } from './history/oracle.js';
import type { Arena } from '../shm/arena.js';
import { CUSTOM_COUNTERS } from '../shm/counters.js';
import { MemraceError } from '../errors.js';
import type { Mem } from '../shm/mem.js';
import type { ActorContext } from '../runtime/context.js';
import type { ParamSpec, Params } from './params.js';
import type { Violation } from '../core/violation.js';
import type { SeqSpec } from './history/checker.js';

/** jcstress grades: what an observed outcome means. */
export type Grade = 'ACCEPTABLE' | 'ACCEPTABLE_INTERESTING' | 'FORBIDDEN';

/** An outcome an actor can observe; its index in `Scenario.outcomes` is its code. */
export interface OutcomeSpec {
  id: string;
  grade: Grade;
  description: string;
}

export type { Violation } from '../core/violation.js';

export interface OracleResult {
  name: string;
  /** The violations found, or the first of them when `total` says more were found. */
  violations: Violation[];
  /** How many were found, when it is more than `violations` lists. */
  total?: number;
}

/** How many violations an oracle found. */
export const violationCount = (o: OracleResult): number => o.total ?? o.violations.length;

/** An oracle's findings: every one counted, the first `limit` kept as examples. */
export class Violations {
  readonly list: Violation[] = [];
  total = 0;

  constructor(readonly limit = 10) {}

  add(message: string, where?: string): void {
    this.total++;
    if (this.list.length < this.limit) this.list.push(where === undefined ? { message } : { message, where });
  }

  result(name: string): OracleResult {
    return this.total > this.list.length ? { name, violations: this.list, total: this.total } : { name, violations: this.list };
  }
}

/**
 * A configuration in which a broken variant cannot show its bug (a race with one thread
 * where it needs two, a mistake in a path the configuration never takes): `memrace run`,
 * `explore` and every other engine refuse it (resolveScenarioParams), naming `flag`,
 * instead of passing quietly.
 */
export interface CannotShow<P extends Params = Params> {
  flag: string;
  when(p: P): boolean;
  why(p: P): string;
  /** What would show it, for the error's "allowed". */
  allowed: string;
  /** Values (CLI spellings) that make it so over the variant's defaults: test/variant-defaults.test.ts walks them. */
  example: Readonly<Record<string, string | number | boolean>>;
}

export interface VariantSpec<P extends Params = Params> {
  name: string;
  summary: string;
  /**
   * Parameter values this variant runs with unless the user gives them (CLI spellings:
   * '16M', '5000/s'): the configuration in which the broken variant's race shows at the
   * default duration, so `memrace run <scenario> --variant <v>` alone catches it.
   */
  defaults?: Readonly<Record<string, string | number | boolean>>;
  /**
   * What `memrace explore` runs this variant with unless the user gives it: the engine's
   * options (strategy, depth, ops: src/lab/det/options.ts) and scenario parameters (CLI
   * spellings), where a scheduled search finds the bug within its default iterations that
   * the scenario's defaults keep out of reach (no fork within four ops, no memory pressure).
   */
  explore?: Readonly<Record<string, string | number | boolean>>;
  /**
   * The history check a run of this variant records unless `--check` is given: its bug
   * breaks only the order of operations, which no end-state oracle sees.
   */
  check?: CheckName;
  /**
   * Why real threads on this machine cannot show the variant (a reordering x86 never
   * makes): a run that passes says so on its verdict line, and where to see it instead.
   */
  blind?: string;
  /** The configurations that cannot show it, checked in order after the scenario's validate. */
  cannotShow?: readonly CannotShow<P>[];
}

/** The variant named `name` (the scenario's first, its correct code, when none is given); undefined for an unknown name. */
export function variantSpec(s: { variants: readonly VariantSpec[] }, name?: unknown): VariantSpec | undefined {
  return s.variants.find((v) => v.name === (name ?? s.variants[0].name));
}

/** What `check` sees after every actor has joined: the quiescent image and what actors returned. */
export interface CheckContext<P extends Params, S> {
  arena: Arena;
  mem: Mem;
  params: P;
  state: S;
  roles: readonly string[];
  /** What each actor's role function returned (plain data), by actor id. */
  results: readonly unknown[];
  /** Custom counter `name` of actor `a` (see Scenario.counters). */
  counter(a: number, name: string): number;
  /** Outcome counts so far, by outcome id. */
  outcomes: Readonly<Record<string, number>>;
}

export interface CheckResult {
  oracles: OracleResult[];
  /** Outcomes found by the final audit (added to what actors counted). */
  outcomes?: Record<string, number>;
  /** Lines of scenario-specific findings for the report (ring count, pool state...). */
  notes?: string[];
}

/** Where `memrace list` files a scenario: one of the lab's subsystems, or any label of a user's own. */
export type Subsystem = 'dpdk' | 'kernel' | 'ruby' | 'paging' | 'lab' | (string & {});

/** A role: the function an actor runs on its worker thread until `ctx.stopped()`. */
export type RoleFn<P extends Params, S> = (ctx: ActorContext<P, S>) => unknown;

/**
 * A scenario joins a subsystem and the runtime: it builds structures in the image, names a
 * role per actor, and checks the image when every actor is done. The subsystem code knows
 * nothing of workers; the runtime knows nothing of subsystems.
 */
export interface Scenario<P extends Params = Params, S = unknown> {
  name: string;
  summary: string;
  /** The built-in subsystems' labels, or a user's own ('user' when a user scenario leaves it out). */
  subsystem: Subsystem;
  /** Command-line parameters; `workers`, `duration`, `variant`, `seed` and `ops` are the engine's own. */
  params: readonly ParamSpec[];
  /** The correct variant is always 'correct' and comes first; the others are broken on purpose. */
  variants: readonly VariantSpec<P>[];
  outcomes: readonly OutcomeSpec[];
  /** Names of the scenario's own per-actor counters (at most 16). */
  counters: readonly string[];
  /** Operation codes' names, for the watchdog's report of what an actor was doing. */
  opNames: readonly string[];
  /**
   * Engine parameters this scenario does not take, because its own name for them reads
   * better (`--lcores`, `--nodes`, `--guilds` instead of `--workers`).
   */
  omit?: readonly string[];
  /**
   * Roles that serve the others and loop until the stop flag (kswapd, oom_reaper, a
   * redefiner): the deterministic engine raises the flag once every other actor is done, as
   * the stress engine's clock does, so their loop is not a deadlock.
   */
  serves?: readonly string[];
  /** The parameter that sets how many actors run, when it is not `workers` (sweeps scale it). */
  actorParam?: string;
  /** Hidden from `memrace list` (benchmark helpers). */
  hidden?: boolean;
  /** Cross-field checks; throws ConfigError. */
  validate?(p: P): void;
  /** Bytes the scenario's structures need in the image. */
  imageBytes(p: P): number;
  /** The role of each actor; its length is the number of actors. */
  actors(p: P): string[];
  /** Build the structures in a fresh image; returns plain data (word indices) that actors get. */
  setup(arena: Arena, mem: Mem, p: P, roles: readonly string[]): S;
  roles: Readonly<Record<string, RoleFn<P, S>>>;
  /** The lock words in the image, named, so the watchdog can say who holds one when an actor dies. */
  locks?(state: S): Array<{ name: string; word: number }>;
  /**
   * A name for one word of the scenario's structures ('ring.prod.tail', 'object[3].owner'),
   * for the deterministic engine's traces; undefined leaves the arena's 'region+offset'.
   */
  wordName?(state: S, word: number): string | undefined;
  check(c: CheckContext<P, S>): CheckResult;
  /**
   * The sequential specification its roles' recorded operations are checked against under
   * `--check linearizable` (roles record through `ctx.history`), built after the run from the
   * quiescent image when it needs to read it. Absent: it records none.
   */
  history?: { spec(p: P, state: S, mem: Mem): SeqSpec<unknown> };
}

/**
 * What `defineScenario` takes: a scenario with the bookkeeping a small one does not need
 * left optional. `subsystem` defaults to 'user', `variants` to one 'correct', `params`,
 * `counters`, `opNames` and `outcomes` to none, `imageBytes` to 4 KiB, `check` to no oracles.
 */
export type ScenarioSpec<P extends Params = Params, S = unknown> =
  Omit<Scenario<P, S>, Defaulted> & Partial<Pick<Scenario<P, S>, Defaulted>>;

type Defaulted = 'subsystem' | 'summary' | 'variants' | 'params' | 'counters' | 'opNames' | 'outcomes' | 'imageBytes' | 'check';

/**
 * Declare a scenario: the public entry of the contract. Fills in the defaults of
 * `ScenarioSpec` and erases the parameter types, so scenarios of any shape share one list.
 */
export function defineScenario<P extends Params, S>(s: ScenarioSpec<P, S>): Scenario {
  const out = {
    ...s,
    summary: s.summary ?? s.name,
    subsystem: s.subsystem ?? 'user',
    variants: s.variants ?? [{ name: 'correct', summary: 'the scenario as written' }],
    params: s.params ?? [],
    counters: s.counters ?? [],
    opNames: s.opNames ?? [],
    outcomes: s.outcomes ?? [],
    imageBytes: s.imageBytes ?? (() => 4096),
    check: s.check ?? (() => ({ oracles: [] })),
  } as unknown as Scenario;
  // Each actor has CUSTOM_COUNTERS words for them: one more would write into the next actor's slot.
  if (out.counters.length > CUSTOM_COUNTERS) {
    throw new MemraceError('E_USAGE', `scenario '${s.name}': counters: ${out.counters.length} named, at most ${CUSTOM_COUNTERS} fit an actor's counter slot`);
  }
  const file = (s as Partial<Record<symbol, string>>)[DEFINED_IN] ?? callerFile(new Error().stack);
  if (file) Object.defineProperty(out, DEFINED_IN, { value: file });
  return out;
}

/**
 * Where a scenario was defined: the module that called defineScenario, so a scenario passed
 * as an object (memrace/vitest) can be loaded from its file by the workers. A registered
 * symbol, because memrace's bundles (the package root, memrace/vitest) each hold their own copy of this code.
 */
export const DEFINED_IN: unique symbol = Symbol.for('memrace.definedIn') as never;

/** The file of the stack frame that called defineScenario (the third line of the stack). */
function callerFile(stack: string | undefined): string | undefined {
  const frame = stack?.split('\n')[2] ?? '';
  const m = /\(?((?:file:\/\/)?\/[^():]+?\.[mc]?[jt]s)(?:\?[^:]*)?:\d+:\d+\)?\s*$/.exec(frame);
  return m?.[1];
}
