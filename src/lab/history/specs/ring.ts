import { type CounterExample, type SeqSpec, span } from '../checker.js';
import type { Op } from '../recorder.js';
import { Fifo } from './fifo.js';
import { FifoOrder, type FifoOps } from './fifo-order.js';

/** rte_ring operations as the history records them. */
export const RING_ENQ_BULK = 0;
export const RING_ENQ_BURST = 1;
export const RING_DEQ_BULK = 2;
export const RING_DEQ_BURST = 3;
const NAMES = ['enqueue_bulk', 'enqueue_burst', 'dequeue_bulk', 'dequeue_burst'];

/** How strictly a refusal (a bulk moving nothing, a burst moving fewer) is judged. */
export const REFUSALS = ['strict', 'in-flight'] as const;
export type Refusals = (typeof REFUSALS)[number];

const isEnq = (op: Op) => op.op <= RING_ENQ_BURST;
/** Objects an operation moved. */
const moved = (op: Op) => (isEnq(op) ? op.result[0] ?? 0 : op.result.length);

/** The ring's contents, and the enqueue order its dequeues fix (null: the history does not pair its objects). */
type RingState = Fifo & { order: FifoOrder | null };

const RING_FIFO: FifoOps = {
  isEnqueue: isEnq,
  moved: (op) => (isEnq(op) ? (op.result.length ? op.args.slice(0, op.result[0]) : null) : op.result),
};

/**
 * Under 'in-flight' a refusal may count as occupied (or as absent) the objects of every
 * operation of another actor that overlaps it: a reservation made and not yet published
 * holds its slots. Sweep the history once, summing the objects of the overlapping others.
 */
function noteSlack(ops: readonly Op[]): void {
  const byCall = [...ops].sort((a, b) => a.call - b.call);
  let open: Op[] = [];
  for (let i = 0; i < byCall.length; i++) {
    const o = byCall[i];
    open = open.filter((p) => p.ret > o.call);
    let slack = 0;
    for (const p of open) if (p.actor !== o.actor) slack += moved(p);
    for (let j = i + 1; j < byCall.length && byCall[j].call < o.ret; j++) if (byCall[j].actor !== o.actor) slack += moved(byCall[j]);
    o.slack = slack;
    open.push(o);
  }
}

/**
 * rte_ring's sequential specification, in every sync mode: a FIFO of at most `capacity`
 * objects. Enqueue records its objects as inputs and the count it moved as its result;
 * dequeue records the count it asked for and the objects it got.
 *   bulk:  all or nothing: n objects when they fit (there are n), else 0;
 *   burst: as many as fit (as there are): exactly min(n, room);
 *   FIFO:  a dequeue gets the oldest objects, in the order they were enqueued.
 * Refusals 'strict': exactly as above. 'in-flight': a bulk may refuse and a burst may move
 * fewer when the objects of other actors' overlapping operations would make the answer
 * right (DPDK judges room by the other side's tail, which an unfinished operation holds back).
 */
export function ringSpec(capacity: number, refusals: Refusals = 'strict'): SeqSpec<RingState> {
  const loose = refusals === 'in-flight';
  // Refuting and searching a group read the same order out of it: build it once.
  const orders = new WeakMap<readonly Op[], FifoOrder | null>();
  const orderOf = (ops: readonly Op[]) => {
    if (!orders.has(ops)) orders.set(ops, FifoOrder.of(ops, RING_FIFO));
    return orders.get(ops)!;
  };
  const spec: SeqSpec<RingState> = {
    name: `rte_ring FIFO of capacity ${capacity}${loose ? ', refusals judged with in-flight operations' : ''}`,
    init: (ops) => Object.assign(new Fifo(), { order: orderOf(ops)?.fresh() ?? null }),
    ...(loose ? { prepare: noteSlack } : {}),
    apply(q, op) {
      const bulk = op.op === RING_ENQ_BULK || op.op === RING_DEQ_BULK;
      const n = moved(op);
      const slack = loose ? op.slack ?? 0 : 0;
      const k = isEnq(op) ? op.args.length : op.args[0];
      const have = isEnq(op) ? capacity - q.size : q.size;
      const want = bulk ? (k <= have ? k : 0) : Math.min(k, have);
      // Fewer than the model moves is allowed when in-flight objects could account for it.
      const fewer = n < want && (bulk ? n === 0 && k > have - slack : n >= Math.min(k, have - slack));
      if (n !== want && !fewer) {
        const held = slack ? ` (${slack} objects of overlapping operations may be in flight)` : '';
        return isEnq(op)
          ? `the ring holds ${q.size} of ${capacity}${held}, so ${NAMES[op.op]} of ${k} moves ${want}, not ${n}`
          : `the ring holds ${q.size}${held}, so ${NAMES[op.op]} of ${k} gets ${want}, not ${n}`;
      }
      if (isEnq(op)) {
        for (let i = 0; i < n; i++) q.push(op.args[i]);
        const early = q.order?.enqueue(op) ?? null;
        if (early !== null) for (let i = 0; i < n; i++) q.unpush();
        return early;
      }
      for (let i = 0; i < n; i++) {
        if (op.result[i] !== q.at(i)) return `FIFO: the oldest ${n} are ${q.front(n)}, not [${op.result.join(' ')}]`;
      }
      for (let i = 0; i < n; i++) q.shift();
      return null;
    },
    undo(q, op) {
      const n = moved(op);
      if (isEnq(op)) q.order?.unenqueue(op);
      for (let i = 0; i < n; i++) {
        if (isEnq(op)) q.unpush();
        else q.unshift();
      }
    },
    refute: (ops) => refuteOrder(spec, orderOf(ops)),
    key: (q) => q.key(),
    show: (q) => `ring ${q.show()}`,
    showOp(op) {
      return isEnq(op)
        ? `${NAMES[op.op]}([${op.args.join(' ')}]) -> ${op.result[0] ?? '?'}`
        : `${NAMES[op.op]}(${op.args[0]}) -> [${op.result.join(' ')}]`;
    },
  };
  return spec;
}

/** Two objects that came out in the order opposite to the one they went in (FifoOrder.refute), told. */
function refuteOrder(spec: SeqSpec<RingState>, order: FifoOrder | null): CounterExample | null {
  const p = order?.refute();
  if (!p) return null;
  const show = (o: Op) => `a${o.actor} ${spec.showOp(o)}  ${span(o)}`;
  const text = [
    `not linearizable (${spec.name}): ${p.v} went in before ${p.u} and came out after it`,
    p.enqU === p.enqV
      ? `  in:  ${show(p.enqV)}: ${p.v} ahead of ${p.u} in one call`
      : `  in:  ${show(p.enqV)} returned before ${show(p.enqU)} was called`,
    p.deqU === p.deqV
      ? `  out: ${show(p.deqV)}: ${p.u} ahead of ${p.v} in one call`
      : `  out: ${show(p.deqU)} returned before ${show(p.deqV)} was called`,
    `  FIFO: objects come out in the order they went in, so no sequential order of these operations fits`,
  ].join('\n');
  const window = [p.enqV, p.enqU, p.deqU, p.deqV].filter((o, k, all) => all.indexOf(o) === k).map((op) => ({ op, why: 'FIFO order' }));
  return { stuck: p.deqV, before: [], state: '', window, text };
}
