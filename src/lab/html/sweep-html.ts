import type { SweepReport } from '../sweep.js';
import { ns } from '../terminal.js';
import { htmlTable, page } from './page.js';
import { type Series, lineChart, short } from './svg.js';

function bySetting(r: SweepReport, y: (p: SweepReport['points'][number]) => { y: number; lo?: number; hi?: number } | null): Series[] {
  return r.settings.map((name) => ({
    name,
    points: r.points.filter((p) => p.setting === name).flatMap((p) => {
      const v = y(p);
      return v === null ? [] : [{ x: Number(p.x), ...v }];
    }),
  }));
}

/** The sweep as one self-contained page: throughput, efficiency and tail latency against the axis. */
export function sweepHtml(r: SweepReport): string {
  const numeric = r.points.every((p) => Number.isFinite(Number(p.x)));
  const charts = numeric
    ? [
        lineChart('throughput', `Throughput against ${r.axis} (median, min..max)`, bySetting(r, (p) => ({ y: p.opsPerSec.median, lo: p.opsPerSec.min, hi: p.opsPerSec.max })), { yLabel: 'ops/s', xLabel: r.axis }),
        lineChart('efficiency', `Scaling efficiency against the first ${r.axis}`, bySetting(r, (p) => (p.efficiency === null ? null : { y: p.efficiency })), { yLabel: 'efficiency (1 = perfect)', xLabel: r.axis }),
        lineChart('latency', 'p99 latency (median of runs)', bySetting(r, (p) => ({ y: p.latencyNs.p99 })), { yLabel: 'p99 latency', xLabel: r.axis, format: ns }),
      ]
    : ['<p class="muted">The axis is not numeric: see the table.</p>'];
  const rows = r.points.map((p) => [
    p.x, p.setting, short(p.opsPerSec.median), `${short(p.opsPerSec.min)}..${short(p.opsPerSec.max)}`,
    p.efficiency === null ? '-' : `${(p.efficiency * 100).toFixed(0)}%`, `${p.fairness.median.toFixed(2)}x`,
    ns(p.latencyNs.p50), ns(p.latencyNs.p99), `${p.ratio.toFixed(2)}x`, p.verdicts.join(' '),
  ]);
  return page(`memrace sweep: ${r.scenario} over ${r.axis}`, [
    `<p>${r.points.length} point(s), ${r.points[0]?.runs ?? 0} run(s) each, ${(r.elapsedMs / 1000).toFixed(1)} s on ${r.env.cpus} CPUs, node ${r.env.node}, V8 ${r.env.v8}; started ${r.startedAt}</p>`,
    ...charts,
    htmlTable([r.axis, 'setting', 'ops/s median', 'min..max', 'efficiency', 'fairness', 'p50', 'p99', `vs ${r.settings[0]}`, 'verdicts'], rows),
  ]);
}
