import { UnknownNameError } from '../../errors.js';
import { Rng } from '../../runtime/rng.js';
import { MAX_CHANGE_POINTS, STRATEGIES, type StrategyName } from './block.js';
import { mix32 } from './decide.js';
import type { Decision, DetRun, IterationPlan } from './engine.js';
import { ExploredNodes, type Reduction } from './por.js';
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
  /** DFS: partial-order reduction (equivalent prefixes explored once, por.ts). @default true */
  por?: boolean;
}

export function makeStrategy(name: string, o: StrategyOptions): Strategy {
  switch (name) {
    case 'random':
      return { name, plan: (it) => ({ strategy: 'random', seed: mix32(o.seed, it) }), observe() {} };
    case 'pct':
      return new Pct(o);
    case 'dfs':
      return new Dfs(o.depth, o.por ?? true);
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
 * Every schedule within the bound is tried once; for tiny tests.
 */
class Dfs implements Strategy {
  readonly name = 'dfs' as const;
  private prefix: number[] | null = [];
  private fraction = 0;
  private readonly nodes: ExploredNodes | null;
  constructor(private readonly bound: number, por: boolean) {
    this.nodes = por ? new ExploredNodes() : null;
  }

  plan(): IterationPlan | null {
    return this.prefix && { strategy: 'dfs', seed: 0, forced: this.prefix };
  }

  observe(run: DetRun): void {
    const { decisions } = run;
    const pre = preemptionsBefore(decisions);
    const cut = this.nodes?.observe(decisions, run.trace, pre, this.prefix?.length ?? 0);
    this.fraction += leafWeight(decisions, pre, this.bound, cut);
    this.prefix = nextPrefix(decisions, this.bound, cut);
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
 * schedules tried it is 1 when DFS is done, and an estimate of the share covered before. A
 * run that reached an explored node repeats what was covered: it stands for nothing new.
 */
function leafWeight(decisions: readonly Decision[], pre: readonly number[], bound: number, r?: Reduction): number {
  if (r && r.cut < decisions.length) return 0;
  let w = 1;
  for (let k = 0; k < decisions.length; k++) w /= Math.max(1, withinBound(decisions[k], pre[k], bound).length);
  return w;
}

/** Candidates at a choice point in the order DFS tries them: the default first, then by actor. */
function order(d: Decision): number[] {
  const out = [d.dflt];
  for (let a = 0; a < 31; a++) if (d.candidates & (1 << a) && a !== d.dflt) out.push(a);
  return out;
}

/**
 * The deepest choice point with an untried candidate within the bound (with reduction: above
 * the node found explored already, whose alternatives were explored there): the next prefix,
 * or null.
 */
export function nextPrefix(decisions: readonly Decision[], bound: number, r?: Reduction): number[] | null {
  const pre = preemptionsBefore(decisions);
  for (let k = Math.min(decisions.length, r?.cut ?? Infinity) - 1; k >= 0; k--) {
    const d = decisions[k];
    const cands = withinBound(d, pre[k], bound);
    const next = cands[cands.indexOf(d.chosen) + 1];
    if (next !== undefined) return [...decisions.slice(0, k).map((x) => x.chosen), next];
  }
  return null;
}
