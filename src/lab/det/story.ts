import type { DetRun } from './engine.js';
import { type TraceEntry, traceLine, traceWidths } from './trace.js';

const READS = new Set(['load', 'read', 'load64', 'cas', 'cas64', 'wait']);

/**
 * The step of the access that observed the bad value: the last access that reads, made by
 * the actor that counted the forbidden outcome before it counted it (the run ends there).
 * -1 when the failure is not a forbidden outcome an actor counted.
 */
export function observingStep(run: DetRun, entries: readonly TraceEntry[]): number {
  if (run.failure?.kind !== 'forbidden') return -1;
  for (let s = entries.length - 1; s >= 0; s--) {
    const e = entries[s];
    if (e.actor === run.culprit && READS.has(e.access)) return s;
  }
  return -1;
}

/**
 * The interleaving at two levels: a line for each op an actor starts (its role's op name, as
 * ctx.op recorded it), the accesses inside it, a marker where the schedule switched actors
 * (a preemption when the one it left could have gone on), and the access that observed the
 * bad value flagged. Every access is shown: nothing is cut short of the schedule itself.
 */
export function storyLines(run: DetRun, entries: readonly TraceEntry[]): string[] {
  const roles = run.run.roles;
  const opNames = run.run.scenario.opNames;
  const { roleW, nameW } = traceWidths(entries, roles);
  const switchAt = new Map<number, string>();
  for (const d of run.decisions) {
    if (d.chosen === d.dflt) continue;
    const who = (a: number) => `a${a} ${roles[a]}`;
    switchAt.set(d.step, d.holderCould ? `>> preemption: ${who(d.dflt)} could go on; ${who(d.chosen)} runs` : `>> switch: ${who(d.chosen)} runs instead of ${who(d.dflt)}`);
  }
  const observed = observingStep(run, entries);
  // Stryker disable next-line ArrayDeclaration: an empty array reads undefined, which no op number equals either (equivalent)
  const lastOp = new Array<number>(roles.length).fill(-1);
  const out: string[] = [];
  for (const e of entries) {
    const mark = switchAt.get(e.step);
    if (mark) out.push(`       ${mark}`);
    if (e.op !== lastOp[e.actor] && e.access !== 'end') {
      lastOp[e.actor] = e.op;
      out.push(`       -- a${e.actor} ${roles[e.actor]}: ${opNames[e.op] ?? 'start'}`);
    }
    const line = traceLine(e, roles, roleW, nameW);
    out.push(e.step === observed ? `${line}   <== observed the bad value (then counted '${forbiddenId(run)}')` : line);
  }
  return out;
}

function forbiddenId(run: DetRun): string {
  return run.outcomes.find((o) => o.grade === 'FORBIDDEN' && o.count > 0)?.outcome ?? '?';
}
