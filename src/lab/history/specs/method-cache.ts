import { type SeqSpec, Unsettled } from '../checker.js';
import type { Op } from '../recorder.js';

/**
 * Method-cache operations as the history records them:
 *   call(klass, mid, ciLo) -> [what ran: a definition's serial, method_missing or ArgumentError]
 *   redefine() -> [klass, mid << 1 | super, answer before, answer after] for every
 *                 (class, mid, call kind) whose lookup answer the redefinition changed;
 *                 [MC_OVERFLOW] when they were more than one event holds.
 */
export const MC_CALL = 0;
export const MC_REDEFINE = 1;
/** A redefinition's result when its changes did not fit one event. */
export const MC_OVERFLOW = -1;
/** Words per change in a redefinition's result. */
export const MC_CHANGE_WORDS = 4;
/** After partitioning: one redefinition's change of the group's answer (args: [its number in the group, before, after]). */
const SET = 2;

/** What the spec needs of the Ruby model (the scenario supplies it from the image). */
export interface MethodCacheModel {
  /** What a call with call info ciLo runs, given a lookup's answer (callOutcome). */
  outcome(answer: number, ciLo: number): number;
  /** The answer for (klass, mid, call kind) no redefinition changed: a lookup now. */
  unchanged(klass: number, mid: number, isSuper: boolean): number;
  /** A class's name, for the counter-example. */
  className(klass: number): string;
  /** A lookup's answer as a person reads it: 'def 57 (public)', 'no method'. */
  answerName(answer: number): string;
  /** What a call ran, as a person reads it: 'def 57', 'method_missing'. */
  outcomeName(outcome: number): string;
}

interface Answer {
  /** Changes of the group's answer taken effect so far. */
  changes: number;
  /** The answer a lookup finds now: the group's first answer until a change takes effect. */
  answer: number;
}

const isSuper = (midSup: number) => (midSup & 1) !== 0;
const groupKey = (klass: number, midSup: number) => klass * 0x20000 + midSup;

/**
 * CRuby's method lookup as a sequential spec: a call runs what a lookup of its receiver's
 * class and mid finds at some instant between its call and its return, and a redefinition
 * changes those answers at some instant of its own. P-compositional per (class, mid, call
 * kind): each lookup reads one answer, and redefinitions come from one actor, so they are
 * ordered among themselves in every group alike; a group holds the calls of that lookup and
 * the redefinitions that changed its answer.
 */
export function methodCacheSpec(model: MethodCacheModel): SeqSpec<Answer> {
  const pairName = (klass: number, midSup: number) => `${isSuper(midSup) ? 'super in ' : ''}${model.className(klass)}#m${midSup >> 1}`;
  return {
    name: 'method lookup (a call runs what a lookup finds at some instant during it)',
    init: () => ({ changes: 0, answer: 0 }),
    apply(s, op) {
      if (op.op === SET) {
        if (op.args[0] !== s.changes + 1) return `its answer has changed ${s.changes} times, and this is change ${op.args[0]}`;
        s.changes++;
        s.answer = op.args[2];
        return null;
      }
      const answer = s.changes === 0 ? op.args[3] : s.answer;
      const runs = model.outcome(answer, op.args[2]);
      if (runs === op.result[0]) return null;
      return `a lookup now finds ${model.answerName(answer)}, so the call runs ${model.outcomeName(runs)}, not ${model.outcomeName(op.result[0])}`;
    },
    undo(s, op) {
      if (op.op !== SET) return;
      s.changes--;
      s.answer = op.args[1];
    },
    key: (s) => s.changes,
    show: (s) => (s.changes === 0 ? 'its first answer' : `after ${s.changes} change(s): ${model.answerName(s.answer)}`),
    showOp(op) {
      if (op.op === SET) return `redefine: ${pairName(op.args[3], op.args[4])} from ${model.answerName(op.args[1])} to ${model.answerName(op.args[2])}`;
      return `call ${pairName(op.args[0], op.args[1])} -> ${model.outcomeName(op.result[0])}`;
    },
    partition(ops, late) {
      const groups = new Map<number, { ops: Op[]; first: number }>();
      const group = (klass: number, midSup: number, first: number) => {
        const key = groupKey(klass, midSup);
        let g = groups.get(key);
        if (!g) groups.set(key, (g = { ops: [], first }));
        return g;
      };
      for (const o of [...ops, ...late]) {
        if (o.op === MC_REDEFINE && o.result.length === 1) throw new Unsettled(`a redefinition at ${o.call} changed more lookups than one event holds (${MC_OVERFLOW})`);
      }
      for (const o of ops) {
        if (o.op !== MC_REDEFINE) continue;
        for (let i = 0; i + MC_CHANGE_WORDS <= o.result.length; i += MC_CHANGE_WORDS) {
          const [klass, midSup, before, after] = o.result.slice(i, i + MC_CHANGE_WORDS);
          const g = group(klass, midSup, before);
          const n = g.ops.length + 1;
          g.ops.push({ ...o, op: SET, args: [n, before, after, klass, midSup], result: [] });
        }
      }
      // A lookup no checked redefinition changed has the answer a later one changed first, or the one it has at the end.
      const firstLate = new Map<number, number>();
      for (const o of late) {
        if (o.op !== MC_REDEFINE) continue;
        for (let i = 0; i + MC_CHANGE_WORDS <= o.result.length; i += MC_CHANGE_WORDS) {
          const key = groupKey(o.result[i], o.result[i + 1]);
          if (!firstLate.has(key)) firstLate.set(key, o.result[i + 2]);
        }
      }
      for (const o of ops) {
        if (o.op !== MC_CALL) continue;
        const [klass, mid, ciLo] = o.args;
        const midSup = (mid << 1) | o.args[3];
        const key = groupKey(klass, midSup);
        const g = groups.get(key) ?? group(klass, midSup, firstLate.get(key) ?? model.unchanged(klass, mid, isSuper(midSup)));
        g.ops.push({ ...o, args: [klass, midSup, ciLo, g.first] });
      }
      return [...groups.values()].map((g) => g.ops);
    },
  };
}
