import type { ReplayResult } from '../det/replay.js';
import { stepperHtml } from './stepper.js';
import { structureFrames } from './structures.js';
import { renderTrace } from '../det/trace.js';
import { page } from './page.js';
import { outcomeChart } from './report-html.js';
import { type Mark, esc, timeline } from './svg.js';

/** Colours by what an access does: reads, writes, read-modify-writes, waiting, spinning. */
const KIND_COLORS: ReadonlyArray<[string, string, readonly string[]]> = [
  ['read', '#1f77b4', ['load', 'read', 'load64']],
  ['write', '#ff7f0e', ['store', 'write', 'store64']],
  ['rmw / cas', '#9467bd', ['add', 'sub', 'and', 'or', 'exchange', 'cas', 'cas64']],
  ['wait / wake', '#7f7f7f', ['wait', 'wake', 'notify']],
  ['pause', '#c7c7c7', ['pause']],
  ['end', '#000000', ['end']],
];
const colorOf = (access: string) => KIND_COLORS.find(([, , kinds]) => kinds.includes(access))?.[1] ?? '#000';

/** A replayed schedule as one page: the per-actor timeline, the outcomes, the trace. */
export function replayHtml(r: ReplayResult): string {
  const { run, schedule } = r;
  const roles = run.run.roles;
  const marks: Mark[] = r.trace.map((e) => ({
    lane: e.actor, step: e.step, color: colorOf(e.access), key: e.name || e.access,
    note: `#${e.step} a${e.actor} ${roles[e.actor]}: ${e.access} ${e.name} ${e.detail}`,
  }));
  const lanes = roles.map((role, a) => ({ label: `a${a} ${role}` }));
  const verdict = run.failure ? `<p class="fail">${esc(run.failure.message)}</p>` : '<p class="pass">passed</p>';
  return page(`memrace replay: ${schedule.scenario} [${schedule.variant}]`, [
    `<p>iteration ${schedule.iteration + 1} of a ${esc(schedule.plan.strategy)} exploration, seed ${schedule.seed}; ${run.steps} turns, ${run.decisions.length} decisions; ${r.reproduced ? 'reproduced exactly' : '<span class="fail">not reproduced</span>'}</p>`,
    verdict,
    '<h2>Timeline</h2><p class="muted">One lane per actor, one tick per turn; hover a tick to outline every access to the same address.</p>',
    `<div class="scroll">${timeline('timeline', 'Who ran when', lanes, marks, r.trace.length, KIND_COLORS.map(([n, c]) => [n, c]))}</div>`,
    stepperHtml(r.trace, roles, structureFrames(r)),
    '<h2>Outcomes</h2>', outcomeChart(run.outcomes),
    '<h2>Trace</h2>', `<pre>${esc(renderTrace(r.trace, roles).join('\n'))}</pre>`,
  ]);
}
