import { type Grade, violationCount } from '../scenario.js';
import type { Report } from '../report.js';
import { ns } from '../terminal.js';
import { htmlTable, page } from './page.js';
import { type Bar, PALETTE, barChart, esc, short } from './svg.js';

export const GRADE_COLORS: Record<Grade, string> = {
  ACCEPTABLE: '#2e7d32',
  ACCEPTABLE_INTERESTING: '#f9a825',
  FORBIDDEN: '#c62828',
};

/** The outcome histogram, each bar in its grade's colour (log scale: 3 beside 3 million). */
export function outcomeChart(outcomes: Report['outcomes']): string {
  const bars: Bar[] = outcomes.map((o) => ({ label: o.outcome, value: o.count, color: GRADE_COLORS[o.grade], note: `${o.grade}: ${o.description}` }));
  const legend = (Object.entries(GRADE_COLORS) as Array<[Grade, string]>).map(([g, c]) => `<span style="color:${c}">■</span> ${g}`).join(' &nbsp; ');
  return barChart('outcomes', 'Outcomes observed', bars, { yLabel: 'count', xLabel: 'outcome', log: true }) + `<p class="legend">${legend}</p>`;
}

/** The latency histogram over the non-empty log2 buckets. */
export function latencyChart(hist: readonly number[], title: string): string {
  const first = hist.findIndex((v) => v > 0);
  if (first < 0) return `<p class="muted">${esc(title)}: no samples</p>`;
  let last = hist.length - 1;
  while (hist[last] === 0) last--;
  const bars: Bar[] = [];
  for (let b = first; b <= last; b++) bars.push({ label: `<${ns(2 ** (b + 1))}`, value: hist[b], color: PALETTE[0], note: `${ns(2 ** b)} to ${ns(2 ** (b + 1))}` });
  return barChart('latency', title, bars, { yLabel: 'sampled ops', xLabel: 'latency (log2 buckets)' });
}

/** Roles in blues and greys: red and green mean grades on this page. */
const ROLE_COLORS = ['#1f77b4', '#6baed6', '#636363', '#9ecae1'];

/** Per-actor throughput: fairness at a glance. */
function actorChart(r: Report): string {
  const roles = [...new Set(r.roles)];
  const bars: Bar[] = r.perActor.map((a) => ({ label: `a${a.actor}`, value: a.opsPerSec, color: ROLE_COLORS[roles.indexOf(a.role) % ROLE_COLORS.length], note: a.role }));
  const legend = roles.map((role, i) => `<span style="color:${ROLE_COLORS[i % ROLE_COLORS.length]}">■</span> ${esc(role)}`).join(' &nbsp; ');
  return barChart('actors', 'Throughput per actor (colour: role)', bars, { yLabel: 'ops/s', xLabel: 'actor' }) + `<p class="legend">${legend}</p>`;
}

/** One latency histogram per role, where the report has per-actor histograms. */
function roleLatency(r: Report): string[] {
  return [...new Set(r.roles)].flatMap((role) => {
    const hists = r.perActor.filter((a) => a.role === role && a.latencyHist).map((a) => a.latencyHist!);
    if (!hists.length) return [];
    return [latencyChart(hists[0].map((_, b) => hists.reduce((s, h) => s + h[b], 0)), `Sampled operation latency, ${role}s`)];
  });
}

/** The run report as one self-contained page. */
export function reportHtml(r: Report): string {
  const verdict = `<p class="${r.verdict}">verdict: ${r.verdict.toUpperCase()}${r.interrupted ? ' (interrupted)' : r.stoppedEarly ? ' (stopped early)' : ''}</p>`;
  const params = Object.entries(r.params).map(([k, v]) => `${k}=${String(v)}`).join(' ');
  const summary = htmlTable(['field', 'value'], [
    ['scenario', `${r.scenario} [${r.variant}]`], ['seed', r.seed], ['parameters', params],
    ['ran', `${(r.durationMs / 1000).toFixed(2)} s, ${short(r.totalOps)} ops, ${short(r.opsPerSec)} ops/s`],
    ['machine', `${r.env.cpus} CPUs, ${r.env.platform}/${r.env.arch}, node ${r.env.node}, V8 ${r.env.v8}`], ['started', r.startedAt],
  ], 'kv');
  const actors = htmlTable(['actor', 'role', 'ops', 'ops/s', 'p50', 'p99', 'CAS retries', 'spins', 'waits'],
    r.perActor.map((a) => [a.actor, a.role, a.ops, short(a.opsPerSec), ns(a.latencyNs.p50), ns(a.latencyNs.p99), a.casRetries, a.spins, a.waits]));
  const oracles = r.oracles.map((o) => `<li>${esc(o.name)}: ${o.violations.length ? `<span class="fail">${violationCount(o)} violation(s)</span><ul>${o.violations.slice(0, 20).map((v) => `<li>${esc(v.message)}${v.where ? ` [${esc(v.where)}]` : ''}</li>`).join('')}</ul>` : '<span class="pass">ok</span>'}</li>`);
  const failures = r.failures.map((f) => `<li class="fail">actor ${f.actor} (${esc(f.role)}) ${f.kind} during '${esc(f.lastOp)}': ${esc(f.message)}</li>`);
  return page(`memrace: ${r.scenario} [${r.variant}]`, [
    verdict, summary,
    '<h2>Outcomes</h2>', outcomeChart(r.outcomes),
    '<h2>Latency</h2>', latencyChart(r.latencyHist ?? [], 'Sampled operation latency, every actor'), ...roleLatency(r),
    '<h2>Actors</h2>', actorChart(r), actors,
    '<h2>Oracles</h2>', `<ul>${[...oracles, ...failures].join('')}</ul>`,
    r.notes.length ? `<h2>Notes</h2><ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>` : '',
  ]);
}
