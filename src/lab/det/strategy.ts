import { UnknownNameError } from '../../errors.js';
import { Rng } from '../../runtime/rng.js';
import { MAX_CHANGE_POINTS, STRATEGIES, type StrategyName } from './block.js';
import { mix32 } from './decide.js';
import type { Decision, DetRun, IterationPlan } from './engine.js';
import { racesToReverse } from './dpor.js';
import { preemptionCost } from './shrink.js';

/**
 * The main thread's half of a strategy: what each iteration is told before it starts (the
 * worker-side half, decide.ts, applies it turn by turn), and what it learns after.
 */
export interface Strategy {
  readonly name: StrategyName;
  /** The plan of iteration `it`, or null when the strategy has nothing left to try (DFS). */
  plan(it: number): IterationPlan | null;
  observe(run: DetRun): void;
  /** DFS: whether the bounded space is exhausted, and the share of it tried so far. */
  covered?(): { exhausted: boolean; fraction: number };
}

export interface StrategyOptions {
  seed: number;
  /** PCT: bug depth d (d - 1 priority change points); DFS: the preemption bound. */
  depth: number;
  actors: number;
  /** DFS: partial-order reduction (only choices that reverse a race are tried, dpor.ts). @default true */
  por?: boolean;
}

export function makeStrategy(name: string, o: StrategyOptions): Strategy {
  switch (name) {
    case 'random':
      return { name, plan: (it) => ({ strategy: 'random', seed: mix32(o.seed, it) }), observe() {} };
    case 'pct':
      return new Pct(o);
    case 'dfs':
      return new Dfs(o.depth, o.por ?? true, o.actors);
    default:
      throw new UnknownNameError('--strategy', name, STRATEGIES);
  }
}

/**
 * PCT (Burckhardt et al., ASPLOS 2010): random distinct priorities, the highest-priority actor
 * that can go always goes, and at d - 1 random steps the running actor drops below everyone.
 * Finds a bug of depth d with probability at least 1 / (n k^(d-1)) for k steps. k is learnt:
 * the longest run seen so far.
 */
class Pct implements Strategy {
  readonly name = 'pct' as const;
  private steps = 64;
  constructor(private readonly o: StrategyOptions) {}

  plan(it: number): IterationPlan {
    const rng = new Rng(mix32(this.o.seed, it));
    const d = Math.min(Math.max(1, this.o.depth), MAX_CHANGE_POINTS + 1);
    const priorities = Array.from({ length: this.o.actors }, (_, a) => d + a);
    for (let i = priorities.length - 1; i > 0; i--) {
      const j = rng.below(i + 1);
      [priorities[i], priorities[j]] = [priorities[j], priorities[i]];
    }
    const changePoints = Array.from({ length: d - 1 }, () => 1 + rng.below(this.steps));
    return { strategy: 'pct', seed: mix32(this.o.seed, it), priorities, changePoints };
  }

  observe(run: DetRun): void {
    this.steps = Math.max(this.steps, run.steps);
  }
}

/**
 * Depth-first search over the choice points with a preemption bound (CHESS's iterative
 * context bounding): switching away from an actor that could go on costs one preemption.
 * Without reduction every schedule within the bound is tried once; with it (dpor.ts) only
 * the choices that reverse a race some run showed. For tiny tests.
 */
class Dfs implements Strategy {
  readonly name = 'dfs' as const;
  private prefix: number[] | null = [];
  private fraction = 0;
  /** With reduction, per decision of the current path: the actors to try there, and those tried. */
  // Stryker disable next-line ArrayDeclaration: the first observe() cuts it to the forced prefix, empty (equivalent)
  private readonly todo: number[] = [];
  // Stryker disable next-line ArrayDeclaration: the first observe() cuts it to the forced prefix, empty (equivalent)
  private readonly done: number[] = [];
  constructor(
    private readonly bound: number,
    private readonly por: boolean,
    private readonly actors: number,
  ) {}

  plan(): IterationPlan | null {
    return this.prefix && { strategy: 'dfs', seed: 0, forced: this.prefix };
  }

  observe(run: DetRun): void {
    const { decisions } = run;
    const pre = preemptionsBefore(decisions);
    if (!this.por) {
      this.fraction += leafWeight(decisions, (k) => withinBound(decisions[k], pre[k], this.bound).length);
      this.prefix = nextPrefix(decisions, this.bound);
      return;
    }
    // Decisions past the forced prefix are new nodes of the path: their own choice is tried.
    // Stryker disable next-line OptionalChaining: observe() follows a plan, and there is none once the prefix is null (equivalent)
    const from = this.prefix?.length ?? 0;
    this.todo.length = this.done.length = from;
    for (let k = from; k < decisions.length; k++) this.todo.push((this.done[k] = 1 << decisions[k].chosen));
    const wanted = racesToReverse(decisions, run.trace, this.actors);
    // Stryker disable next-line EqualityOperator: todo[length] |= undefined adds a 0 past the path, cut by the next observe() and never read (equivalent)
    for (let k = 0; k < decisions.length; k++) this.todo[k] |= wanted[k];
    this.fraction += leafWeight(decisions, (k) => withinBound(decisions[k], pre[k], this.bound).filter((a) => this.todo[k] & (1 << a)).length);
    this.prefix = this.nextWanted(decisions, pre);
  }

  /** The deepest decision with an actor still to try within the bound: the next prefix, or null. */
  private nextWanted(decisions: readonly Decision[], pre: readonly number[]): number[] | null {
    for (let k = decisions.length - 1; k >= 0; k--) {
      const left = this.todo[k] & ~this.done[k];
      const next = withinBound(decisions[k], pre[k], this.bound).find((a) => left & (1 << a));
      if (next === undefined) continue;
      this.done[k] |= 1 << next;
      this.todo.length = this.done.length = k + 1;
      return [...decisions.slice(0, k).map((x) => x.chosen), next];
    }
    return null;
  }

  covered() {
    return { exhausted: this.prefix === null, fraction: this.prefix === null ? 1 : Math.min(1, this.fraction) };
  }
}

/** Preemptions spent before each decision (and after the last). */
function preemptionsBefore(decisions: readonly Decision[]): number[] {
  const pre: number[] = [0];
  for (const d of decisions) pre.push(pre[pre.length - 1] + preemptionCost(d));
  return pre;
}

/** The candidates DFS may try at decision k within the bound, in its order. */
function withinBound(d: Decision, spent: number, bound: number): number[] {
  return order(d).filter((alt) => spent + preemptionCost(d, alt) <= bound);
}

/**
 * The share of the bounded tree that one schedule stands for: 1 over the product of the
 * branchings on its path (Knuth's estimate of a tree's size, read backwards). Summed over the
 * schedules tried it is 1 when DFS is done, and an estimate of the share covered before.
 * `branching(k)`: the choices DFS will try at decision k (with reduction: those asked for so far).
 */
function leafWeight(decisions: readonly Decision[], branching: (k: number) => number): number {
  let w = 1;
  for (let k = 0; k < decisions.length; k++) w /= Math.max(1, branching(k));
  return w;
}

/** Candidates at a choice point in the order DFS tries them: the default first, then by actor. */
function order(d: Decision): number[] {
  const out = [d.dflt];
  // Stryker disable next-line EqualityOperator: candidates are a 31-bit mask, bit 31 is never set (equivalent)
  for (let a = 0; a < 31; a++) if (d.candidates & (1 << a) && a !== d.dflt) out.push(a);
  return out;
}

/** Without reduction: the deepest choice point with an untried candidate within the bound: the next prefix, or null. */
export function nextPrefix(decisions: readonly Decision[], bound: number): number[] | null {
  const pre = preemptionsBefore(decisions);
  for (let k = decisions.length - 1; k >= 0; k--) {
    const d = decisions[k];
    const cands = withinBound(d, pre[k], bound);
    const next = cands[cands.indexOf(d.chosen) + 1];
    if (next !== undefined) return [...decisions.slice(0, k).map((x) => x.chosen), next];
  }
  return null;
}
