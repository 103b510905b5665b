import { table } from './table.js';
import { type Report, forbiddenOutcomes } from './report.js';
import { violationCount } from './scenario.js';

const fmt = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

export function human(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)}k`;
  return fmt.format(n);
}

export function ns(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}s`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}ms`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}µs`;
  return `${Math.round(n)}ns`;
}

/** The report as people read it: the run line, a per-actor table, outcomes, oracles, the verdict. */
export function renderReport(r: Report): string {
  const out: string[] = [];
  const shown = Object.entries(r.params)
    .filter(([k]) => !['seed', 'variant'].includes(k))
    .map(([k, v]) => `${k}=${k === 'duration' ? `${v}ms` : String(v)}`)
    .join(' ');
  out.push(`${r.scenario} [${r.variant}] seed=${r.seed} ${shown}`);
  out.push(`${r.workers} actors on ${r.env.cpus} CPUs, node ${r.env.node}; ran ${(r.durationMs / 1000).toFixed(2)}s${r.interrupted ? ' (interrupted)' : r.stoppedEarly ? ' (stopped early)' : ''}`);
  const actors = table(['actor', 'role', 'ops', 'ops/s', 'p50', 'p99', 'CAS retries', 'spins', 'waits']);
  for (const a of r.perActor) {
    actors.push([a.actor, a.role, human(a.ops), human(a.opsPerSec), ns(a.latencyNs.p50), ns(a.latencyNs.p99), human(a.casRetries), human(a.spins), human(a.waits)]);
  }
  actors.push(['all', '', human(r.totalOps), human(r.opsPerSec), ns(r.latencyNs.p50), ns(r.latencyNs.p99), '', '', '']);
  out.push(actors.toString());
  const outcomes = table(['outcome', 'grade', 'count', 'meaning'], { colWidths: [14, 24, 10, 64], wordWrap: true });
  for (const o of r.outcomes) outcomes.push([o.outcome, o.grade, human(o.count), o.description]);
  out.push(outcomes.toString());
  for (const o of r.oracles) {
    const n = violationCount(o);
    out.push(`oracle ${o.name}: ${n === 0 ? 'ok' : `${n} violation(s)`}`);
    for (const v of o.violations.slice(0, 8)) out.push(`  - ${v.message}${v.where ? ` [${v.where}]` : ''}`);
    if (n > 8) out.push(`  ... and ${n - 8} more`);
  }
  for (const f of r.failures) out.push(`actor ${f.actor} (${f.role}) ${f.kind} during '${f.lastOp}' [state ${f.state}]: ${f.message}`);
  for (const l of r.heldLocks) out.push(`lock ${l.name} is still held by actor ${l.holder}`);
  for (const n of r.notes) out.push(n);
  const forbidden = forbiddenOutcomes(r.outcomes);
  out.push(
    `verdict: ${r.verdict.toUpperCase()}` +
      (forbidden.length ? ` (forbidden: ${forbidden.map((o) => `${o.outcome} x${o.count}`).join(', ')})` : '') +
      (r.interrupted ? ', interrupted: of what completed' : '') +
      (r.blind && r.verdict === 'pass' ? `, but this run cannot show ${r.variant}: ${r.blind}` : ''),
  );
  return out.join('\n');
}
