import type { SweepReport } from './sweep.js';
import { table } from './table.js';
import { human, ns } from './terminal.js';

/** The sweep as people read it: one row per point and setting, then how each setting compares. */
export function renderSweep(r: SweepReport): string {
  const t = table([r.axis, 'setting', 'ops/s median', 'min..max', 'efficiency', 'fairness', 'p50', 'p99', `vs ${r.settings[0]}`, 'verdicts']);
  for (const p of r.points) {
    t.push([
      p.x, p.setting, human(p.opsPerSec.median), `${human(p.opsPerSec.min)}..${human(p.opsPerSec.max)}`,
      p.efficiency === null ? '-' : `${(p.efficiency * 100).toFixed(0)}%`, `${p.fairness.median.toFixed(2)}x`,
      ns(p.latencyNs.p50), ns(p.latencyNs.p99), `${p.ratio.toFixed(2)}x`, p.verdicts.join(' '),
    ]);
  }
  const runs = r.points[0]?.runs ?? 0;
  const head = `sweep ${r.scenario} over ${r.axis}: ${r.points.length} point(s) x ${runs} run(s), ${(r.elapsedMs / 1000).toFixed(1)}s on ${r.env.cpus} CPUs, node ${r.env.node}`;
  const tail = [
    'efficiency: ops/s per unit of the axis against its first value (100% scales perfectly); fairness: busiest actor ops / idlest of the same role',
    ...(r.skipped ? [`${r.skipped} point(s) skipped: ${r.interrupted ? 'interrupted' : 'the time budget ran out'}`] : []),
    ...(r.interrupted ? ['interrupted: the figures are of the runs that completed'] : []),
  ];
  return [head, t.toString(), ...tail].join('\n');
}
