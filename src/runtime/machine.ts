import type { Params } from '../lab/params.js';
import type { OutcomeCount } from '../lab/report.js';
import type { CheckResult, Scenario } from '../lab/scenario.js';
import { imageTooLarge } from '../lab/engine-params.js';
import { ARENA_MAX_BYTES, Arena } from '../shm/arena.js';
import { C_CUSTOM, counterWord, lastOpName } from '../shm/counters.js';
import { AtomicsMem } from '../shm/mem.js';
import { allocControl, controlBytes, type ControlLayout } from './control.js';
import type { ActorTask, PortKind } from './task.js';
import { scenarioKey } from '../scenarios/user.js';
import { type HistoryRef, historyWords } from '../lab/history/recorder.js';

export interface MachineOptions {
  /** Which Mem port the actors bind (default: raw Atomics). */
  port?: PortKind;
  /** Room for an engine's own regions: a byte count, or a function of the actor count. */
  extraBytes?: number | ((actors: number) => number);
  /**
   * The scheduler block's word index, or a function that carves it out of the image (given
   * the actor count) once the scenario's regions are laid out, so traces can name them.
   */
  sched?: number | ((arena: Arena, actors: number) => number);
  /** Each actor's op budget, when it is not the `ops` parameter (the deterministic engine's own option). */
  opBudget?: number;
  /**
   * Record a history (`--check linearizable`): `words` per actor; `turnOffset` is the turn
   * counter's offset in the scheduler block, whose turns then stamp the events.
   */
  history?: { words: number; turnOffset?: number };
}

/**
 * The machine image: one SharedArrayBuffer laid out for a scenario and validated
 * parameters — the scenario's structures (its topology: nodes, CPUs, lcores, rings), the
 * control block with every actor's counters and outcome slots — and the task each actor
 * re-attaches with. Nothing runs yet; the stress and deterministic engines start actors
 * on it, and read it back when they have all joined.
 */
export class Machine {
  readonly arena: Arena;
  readonly mem: AtomicsMem;
  readonly control: ControlLayout;
  readonly roles: string[];
  readonly state: unknown;
  readonly tasks: ActorTask[];
  /** Where the history is recorded, when it is. */
  readonly history: HistoryRef | null = null;

  constructor(readonly scenario: Scenario, readonly params: Params, opts: MachineOptions = {}) {
    const { port = 'atomics', extraBytes = 0, sched = -1, history } = opts;
    const roles = scenario.actors(params);
    const bytes = scenario.imageBytes(params) + controlBytes(roles.length, scenario.outcomes.length) +
      (typeof extraBytes === 'function' ? extraBytes(roles.length) : extraBytes) + 4096 +
      (history ? historyWords(roles.length, history.words) * 4 + 64 : 0);
    if (bytes > ARENA_MAX_BYTES) throw imageTooLarge(scenario, params, bytes);
    this.arena = Arena.create(bytes);
    this.mem = new AtomicsMem(this.arena.sab);
    this.roles = roles;
    this.control = allocControl(this.arena, roles.length, scenario.outcomes.length);
    this.state = scenario.setup(this.arena, this.mem, params, roles);
    const schedWord = typeof sched === 'function' ? sched(this.arena, roles.length) : sched;
    if (history) {
      const base = this.arena.allocWords('history', historyWords(roles.length, history.words));
      this.history = { base, words: history.words, stepWord: history.turnOffset === undefined ? -1 : schedWord + history.turnOffset };
    }
    this.tasks = roles.map((_, actor) => ({
      sab: this.arena.sab,
      layout: this.arena.layout(),
      control: this.control,
      scenario: scenarioKey(scenario),
      params,
      state: this.state,
      actor,
      roles,
      seed: params.seed as number,
      opBudget: opts.opBudget ?? (params.ops as number),
      grades: scenario.outcomes.map((o) => o.grade),
      port,
      sched: schedWord,
      ...(this.history ? { history: this.history } : {}),
    }));
  }

  /** The name of a word in the image: the scenario's own, else the arena's region and offset. */
  wordName(word: number): string {
    if (word < 0) return '';
    return this.scenario.wordName?.(this.state, word) ?? this.arena.nameOf(word);
  }

  /** One runtime counter (C_OPS, C_FORBIDDEN, ...) summed over every actor, each read unsigned. */
  sum(field: number): number {
    let s = 0;
    for (let a = 0; a < this.roles.length; a++) s += Atomics.load(this.mem.i32, counterWord(this.control, a, field)) >>> 0;
    return s;
  }

  /** Outcome counts by id, summed over actors (each read unsigned). */
  outcomeTotals(): Record<string, number> {
    const out: Record<string, number> = {};
    const { control, mem } = this;
    this.scenario.outcomes.forEach((o, k) => {
      let s = 0;
      for (let a = 0; a < this.roles.length; a++) s += Atomics.load(mem.i32, control.outcomes + a * control.outcomeStride + k) >>> 0;
      out[o.id] = s;
    });
    return out;
  }

  /** The report's outcome table: the actors' counts plus those the oracles found (CheckResult.outcomes). */
  outcomeCounts(fromCheck: Record<string, number> = {}): OutcomeCount[] {
    const totals = this.outcomeTotals();
    return this.scenario.outcomes.map((o) => ({ outcome: o.id, grade: o.grade, count: totals[o.id] + (fromCheck[o.id] ?? 0), description: o.description }));
  }

  /** The operation actor `a` last recorded. */
  lastOp(a: number): string {
    return lastOpName(this.mem.i32, this.control, a, this.scenario.opNames);
  }

  /** Run the scenario's oracles on the quiescent image, given what each actor returned. */
  check(results: readonly unknown[]): CheckResult {
    const { scenario, mem, control } = this;
    return scenario.check({
      arena: this.arena,
      mem,
      params: this.params,
      state: this.state,
      roles: this.roles,
      results,
      outcomes: this.outcomeTotals(),
      counter: (a, name) => {
        const k = scenario.counters.indexOf(name);
        if (k < 0) throw new Error(`scenario ${scenario.name} has no counter '${name}'`);
        return mem.i32[counterWord(control, a, C_CUSTOM + k)];
      },
    });
  }
}
