import { mix32 } from './decide.js';
import type { DetRun } from './engine.js';
import type { Strategy } from './strategy.js';

/** What an exploration covered: every explore ends with it. */
export interface CoverageReport {
  /** Schedules run to their end. */
  schedules: number;
  /** Of those, how many differ in some decision. */
  distinct: number;
  /** Distinct sets of outcomes seen (the outcomes an iteration counted, with its verdict). */
  outcomeSets: number;
  /** DFS: the space within the bound was exhausted. */
  exhausted?: boolean;
  /** DFS: the share of the bounded space tried (each schedule weighs 1 / the product of the branchings on its path). */
  covered?: number;
}

/** Two independent 32-bit hashes of a decision list: a key for the set of schedules seen. */
function scheduleKey(r: DetRun): string {
  let h1 = 0x811c9dc5;
  let h2 = r.decisions.length;
  for (const d of r.decisions) {
    h1 = mix32(h1, d.chosen);
    // Stryker disable next-line ArithmeticOperator: any fixed offset keeps the second hash independent of the first; -1 as well as +1 (equivalent)
    h2 = mix32(h2 ^ 0x2545f491, d.chosen + 1);
  }
  return `${h1.toString(36)}.${h2.toString(36)}`;
}

export class Coverage {
  private schedules = 0;
  private readonly keys = new Set<string>();
  private readonly outcomeSets = new Set<string>();

  add(r: DetRun): void {
    this.schedules++;
    this.keys.add(scheduleKey(r));
    const seen = r.outcomes.filter((o) => o.count > 0).map((o) => o.outcome).join(',');
    // Stryker disable next-line StringLiteral: a pass's tag only has to differ from every failure kind, and '' does (equivalent)
    this.outcomeSets.add(`${seen}|${r.failure?.kind ?? 'pass'}`);
  }

  report(s: Strategy): CoverageReport {
    const out: CoverageReport = { schedules: this.schedules, distinct: this.keys.size, outcomeSets: this.outcomeSets.size };
    if (s.covered) {
      const c = s.covered();
      out.exhausted = c.exhausted;
      out.covered = c.fraction;
    }
    return out;
  }
}

const pct = (f: number) => (f < 1e-4 ? 'under 0.01%' : `about ${(100 * f).toPrecision(3)}%`);

/** One line for the terminal. */
export function coverageLine(c: CoverageReport): string {
  const dfs = c.exhausted === undefined ? '' : c.exhausted ? '; the bounded space is exhausted' : `; ${pct(c.covered ?? 0)} of the bounded space covered (estimate)`;
  return `coverage: ${c.schedules} schedule(s) run, ${c.distinct} distinct, ${c.outcomeSets} distinct outcome set(s)${dfs}`;
}
