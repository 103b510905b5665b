import { cpus } from 'node:os';
import type { Grade, OracleResult } from './scenario.js';
import type { ActorFailureReport } from '../runtime/actors.js';
import type { Params } from './params.js';

export interface LatencySummary {
  p50: number;
  p90: number;
  p99: number;
  max: number;
  samples: number;
}

export interface ActorReport {
  actor: number;
  role: string;
  ops: number;
  opsPerSec: number;
  casRetries: number;
  spins: number;
  waits: number;
  latencyNs: LatencySummary;
  /** This actor's sampled op latencies, log2 buckets as Report.latencyHist. */
  latencyHist?: number[];
  counters: Record<string, number>;
}

export interface OutcomeCount {
  outcome: string;
  grade: Grade;
  count: number;
  description: string;
}

export interface EnvInfo {
  node: string;
  v8: string;
  cpus: number;
  platform: string;
  arch: string;
}

/** The machine-readable report of one run (`--json`). */
export interface Report {
  scenario: string;
  variant: string;
  params: Params;
  seed: number;
  workers: number;
  roles: string[];
  durationMs: number;
  totalOps: number;
  opsPerSec: number;
  perActor: ActorReport[];
  /** What each actor's role returned (plain data), by actor id. */
  actorResults: unknown[];
  latencyNs: LatencySummary;
  /** Sampled op latencies of every actor: bucket b counts [2^b, 2^(b+1)) ns (the HTML report's histogram). */
  latencyHist?: number[];
  oracles: OracleResult[];
  outcomes: OutcomeCount[];
  failures: ActorFailureReport[];
  heldLocks: Array<{ name: string; holder: number }>;
  notes: string[];
  stoppedEarly: boolean;
  /** The run was interrupted (Ctrl-C, SIGTERM): the figures and oracles cover what completed. */
  interrupted?: boolean;
  verdict: 'pass' | 'fail';
  /** The variant's `blind`: why this run could not show it (its verdict line says so). */
  blind?: string;
  env: EnvInfo;
  startedAt: string;
}

export function envInfo(): EnvInfo {
  return { node: process.version, v8: process.versions.v8, cpus: cpus().length, platform: process.platform, arch: process.arch };
}

/** The forbidden outcomes that were seen. */
export function forbiddenOutcomes(outcomes: readonly OutcomeCount[]): OutcomeCount[] {
  return outcomes.filter((o) => o.grade === 'FORBIDDEN' && o.count > 0);
}

/** Fail on any oracle violation, any forbidden outcome, any failed actor. */
export function verdictOf(r: Pick<Report, 'oracles' | 'outcomes' | 'failures'>): 'pass' | 'fail' {
  if (r.failures.length) return 'fail';
  if (r.oracles.some((o) => o.violations.length)) return 'fail';
  if (forbiddenOutcomes(r.outcomes).length) return 'fail';
  return 'pass';
}
