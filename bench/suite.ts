/**
 * A benchmark suite: measurements taken in one run, then targets stated as ratios between
 * them (never as absolute times: the machine is shared and noisy).
 */
export interface Measurement {
  name: string;
  /** Operations (objects, calls, pages) per second. */
  opsPerSec: number;
  /** Nanoseconds per operation. */
  nsPerOp: number;
  note?: string;
  /** A row that states a fact (a table's size, a hit ratio), not a timing: no rate or time shown. */
  untimed?: true;
}

export interface Target {
  name: string;
  /** The ratio measured, e.g. bulk ops/s over lock ops/s. */
  ratio: number;
  /** What the ratio must be at least (or at most, when `atMost`). */
  bound: number;
  atMost?: boolean;
}

export interface SuiteResult {
  suite: string;
  cpus: number;
  measurements: Measurement[];
  targets: Target[];
}

export interface BenchSuite {
  name: string;
  summary: string;
  /** `quick` shortens every measurement (tests use it to prove the suite runs). */
  run(opts: { quick: boolean; log: (line: string) => void }): Promise<SuiteResult>;
}

export function met(t: Target): boolean {
  return t.atMost ? t.ratio <= t.bound : t.ratio >= t.bound;
}

export function measurement(name: string, ops: number, ms: number, note?: string): Measurement {
  return { name, opsPerSec: (ops * 1000) / ms, nsPerOp: (ms * 1e6) / ops, note };
}

/** A row of the suite's table that is not a timing: only its note is shown. */
export function observation(name: string, note: string): Measurement {
  return { name, opsPerSec: 0, nsPerOp: 0, note, untimed: true };
}
