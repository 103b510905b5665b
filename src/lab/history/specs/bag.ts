import type { SeqSpec } from '../checker.js';
import type { Op } from '../recorder.js';

/** Pool operations as the history records them: get(k) -> the objects got; put(objects). */
export const BAG_GET = 0;
export const BAG_PUT = 1;
/** After partitioning: one object's share of a get or a put. */
const TAKE = 2;
const GIVE = 3;

/**
 * A pool of distinct objects (rte_mempool; the page allocator's frames) as a bag: a get
 * hands out objects that are in the pool, a put takes back objects that are out. An empty
 * answer is always allowed: objects may sit in other lcores' caches (other CPUs' pagesets),
 * where no one else can reach them. `objectsOf` says which objects an operation moves
 * (default: a get's results, a put's inputs). P-compositional:
 * each object is checked alone (its gets and puts must alternate in some order that fits
 * real time), so a history of millions of objects moved checks in linear time.
 */
export function bagSpec(what = 'rte_mempool', objectsOf: (op: Op) => readonly number[] = (o) => (o.op === BAG_GET ? o.result : o.args), unit = 'object'): SeqSpec<{ out: boolean }> {
  return {
    name: `${what} as a set of ${unit}s, each in or out`,
    init: () => ({ out: false }),
    apply(s, op) {
      if (op.op === TAKE) {
        if (s.out) return `${unit} ${op.args[0]} is already out: handed out twice`;
        s.out = true;
      } else {
        if (!s.out) return `${unit} ${op.args[0]} is already in: freed twice`;
        s.out = false;
      }
      return null;
    },
    undo(s) {
      s.out = !s.out;
    },
    key: (s) => (s.out ? 1 : 0),
    show: (s) => (s.out ? 'out' : 'in'),
    showOp: (op) => `${op.op === TAKE ? 'get' : 'put'} ${unit} ${op.args[0]}`,
    partition(ops) {
      const groups = new Map<number, Op[]>();
      for (const o of ops) {
        for (const x of objectsOf(o)) {
          let g = groups.get(x);
          if (!g) groups.set(x, (g = []));
          g.push({ ...o, op: o.op === BAG_GET ? TAKE : GIVE, args: [x], result: [] });
        }
      }
      return [...groups.values()];
    },
  };
}
