import { ConfigError, MemraceError } from '../errors.js';
import { findScenario } from '../scenarios/index.js';
import { resolveScenarioParams } from './engine-params.js';
import { type Params, flagOf } from './params.js';
import { type EnvInfo, type Report, envInfo } from './report.js';
import { runStress } from './stress.js';

export interface SweepOptions {
  scenario: string;
  /** Parameters every run shares (CLI strings or typed). */
  params: Record<string, unknown>;
  /** The x axis: a parameter and its values, e.g. workers 1..4. */
  axis: { name: string; values: readonly string[] };
  /** The settings compared at each point: one run set per combination of these values. */
  series: ReadonlyArray<{ name: string; values: readonly string[] }>;
  /** Runs per point and setting; the median is quoted with min and max. @default 3 */
  runs?: number;
  /** The whole sweep ends by this: no run starts that could not finish inside it. */
  timeBudgetMs?: number;
  onRun?: (done: number, total: number, label: string) => void;
  /** Aborting it stops the current run at its next tick and starts no other. */
  signal?: AbortSignal;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface SweepPoint {
  x: string;
  setting: string;
  params: Record<string, unknown>;
  runs: number;
  opsPerSec: Spread;
  /** Throughput per unit of x against the first point's (x numeric: 1.0 is perfect scaling). */
  efficiency: number | null;
  /** The busiest actor's ops over the idlest's of the same role (the worst role), per run. */
  fairness: Spread;
  latencyNs: { p50: number; p90: number; p99: number };
  /** This setting's median ops/s over the first setting's at the same x. */
  ratio: number;
  verdicts: Array<'pass' | 'fail'>;
}

export interface SweepReport {
  scenario: string;
  axis: string;
  settings: string[];
  points: SweepPoint[];
  /** Points the time budget (or an interrupt) left unrun. */
  skipped: number;
  /** Ctrl-C or SIGTERM ended the sweep: its points are those that completed. */
  interrupted?: boolean;
  env: EnvInfo;
  startedAt: string;
  elapsedMs: number;
}

/** '1..4', '1..16*2' (doubling), or a list '0,32,256' / 'MP,MT_RTS'. */
export function parseRange(field: string, text: string): string[] {
  const allowed = 'a range a..b, a geometric range a..b*k, or a list v1,v2,...';
  const t = text.trim();
  const m = /^(-?\d+)\.\.(-?\d+)(?:\*(\d+))?$/.exec(t);
  if (m) {
    const [lo, hi, k] = [Number(m[1]), Number(m[2]), m[3] === undefined ? 0 : Number(m[3])];
    if (hi < lo) throw new ConfigError(field, `'${text}' runs backwards`, allowed);
    if (m[3] !== undefined && (k < 2 || lo < 1)) throw new ConfigError(field, `'${text}' needs a factor of 2 or more from a start of 1 or more`, allowed);
    const out: string[] = [];
    for (let v = lo; v <= hi && out.length <= 1024; v = k ? v * k : v + 1) out.push(String(v));
    return out;
  }
  const list = t.split(',').map((s) => s.trim());
  if (t.includes('..') || list.some((s) => s === '')) throw new ConfigError(field, `'${text}' does not parse`, allowed);
  return list;
}

/** '--param cache=0,32,256' into a name and its values. */
export function parseSeries(text: string): { name: string; values: string[] } {
  const eq = text.indexOf('=');
  if (eq <= 0) throw new ConfigError('--param', `'${text}' is not name=values`, 'name=v1,v2,... or name=a..b, e.g. cache=0,32,256');
  return { name: text.slice(0, eq), values: parseRange(`--param ${text.slice(0, eq)}`, text.slice(eq + 1)) };
}

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
export const spread = (xs: readonly number[]): Spread => ({ median: median(xs), min: Math.min(...xs), max: Math.max(...xs) });

function combinations(series: SweepOptions['series']): Array<Record<string, string>> {
  return series.reduce<Array<Record<string, string>>>((acc, s) => acc.flatMap((c) => s.values.map((v) => ({ ...c, [s.name]: v }))), [{}]);
}

/**
 * Busiest actor's ops over the idlest's, within each role (a lone kswapd or redefiner is
 * not starved by doing other work), the worst role quoted; 1 when no role has two actors.
 */
export function fairnessOf(r: Pick<Report, 'perActor'>): number {
  const byRole = new Map<string, number[]>();
  for (const a of r.perActor) {
    const ops = byRole.get(a.role);
    if (ops) ops.push(a.ops);
    else byRole.set(a.role, [a.ops]);
  }
  let worst = 1;
  for (const ops of byRole.values()) {
    if (ops.length > 1) worst = Math.max(worst, Math.max(...ops) / Math.max(1, Math.min(...ops)));
  }
  return worst;
}

const settingName = (c: Record<string, string>) => Object.entries(c).map(([k, v]) => `${k}=${v}`).join(' ') || 'default';

/**
 * A will-it-scale style sweep: for each x and each setting, several stress runs; the median
 * with its min and max, the scaling efficiency against the first x, per-actor fairness,
 * latency percentiles, and each setting's ratio to the first at the same x.
 */
export async function sweep(o: SweepOptions): Promise<SweepReport> {
  const scenario = findScenario(o.scenario);
  const runs = o.runs ?? 3;
  const settings = combinations(o.series);
  // Every point is validated before the first run: a bad value fails now, not an hour in.
  const grid = o.axis.values.flatMap((x) => settings.map((c) => {
    const params = { ...o.params, ...c, [o.axis.name]: x };
    let resolved: Params;
    try {
      resolved = resolveScenarioParams(scenario, params);
    } catch (e) {
      if (e instanceof MemraceError) throw new MemraceError(e.code, `${e.message}, at the point ${flagOf(o.axis.name)} ${x} ${settingName(c)}`);
      throw e;
    }
    // A run's least time: its duration (none with an op budget), and a second to start and check.
    return { x, setting: settingName(c), params, need: ((resolved.ops as number) > 0 ? 0 : (resolved.duration as number)) + 1000 };
  }));
  const t0 = performance.now();
  const startedAt = new Date().toISOString();
  const total = grid.length * runs;
  const reports = new Map<string, Report[]>();
  let done = 0;
  let skipped = 0;
  for (const g of grid) {
    const got: Report[] = [];
    for (let i = 0; i < runs; i++) {
      const left = o.timeBudgetMs === undefined ? undefined : o.timeBudgetMs - (performance.now() - t0);
      if ((left !== undefined && left < g.need) || o.signal?.aborted) break;
      got.push(await runStress({ scenario: scenario.name, params: g.params, timeBudgetMs: left, signal: o.signal }));
      o.onRun?.(++done, total, `${flagOf(o.axis.name)} ${g.x} ${g.setting}`);
    }
    if (got.length) reports.set(`${g.x}|${g.setting}`, got);
    else skipped++;
  }
  const points: SweepPoint[] = [];
  for (const g of grid) {
    const rs = reports.get(`${g.x}|${g.setting}`);
    if (!rs) continue;
    const fair = rs.map(fairnessOf);
    points.push({
      x: g.x, setting: g.setting, params: g.params, runs: rs.length, opsPerSec: spread(rs.map((r) => r.opsPerSec)),
      efficiency: null, fairness: spread(fair), ratio: 1, verdicts: rs.map((r) => r.verdict),
      latencyNs: { p50: median(rs.map((r) => r.latencyNs.p50)), p90: median(rs.map((r) => r.latencyNs.p90)), p99: median(rs.map((r) => r.latencyNs.p99)) },
    });
  }
  const numeric = o.axis.values.every((x) => Number.isFinite(Number(x)) && Number(x) > 0);
  for (const p of points) {
    const first = points.find((q) => q.setting === p.setting);
    if (numeric && first) p.efficiency = (p.opsPerSec.median / Number(p.x)) / (first.opsPerSec.median / Number(first.x));
    const base = points.find((q) => q.x === p.x);
    if (base && base.opsPerSec.median > 0) p.ratio = p.opsPerSec.median / base.opsPerSec.median;
  }
  return {
    scenario: scenario.name, axis: o.axis.name, settings: settings.map(settingName), points, skipped,
    env: envInfo(), startedAt, elapsedMs: performance.now() - t0, ...(o.signal?.aborted ? { interrupted: true } : {}),
  };
}
