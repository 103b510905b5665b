import type { Op } from '../recorder.js';

/** How a FIFO's operations name the values they move. */
export interface FifoOps {
  isEnqueue(op: Op): boolean;
  /** The values the operation moved, in order; null when it never returned (how many it moved is unknown). */
  moved(op: Op): readonly number[] | null;
}

/**
 * The enqueue order a FIFO's dequeues fix: when an object u came out of a dequeue that
 * returned before the dequeue that got v began (or earlier in the same dequeue), u went in
 * before v in every linearization. The search asks this when an enqueue takes effect, so a
 * wrong order among overlapping enqueues fails at once instead of when its objects come out,
 * hundreds of operations later in a deep ring (Henzinger et al.'s queue order violation,
 * used to prune).
 *
 * Objects are reused (ring-stress recycles its ids), so each enqueue of an object is an
 * instance, paired with the dequeue that takes it: the k-th enqueue of an id (by call) with
 * its k-th dequeue (by return). Every linearization pairs them so when each enqueue of an id
 * is called after the dequeue of its previous instance returned, as the owner protocol of
 * ring-stress makes it (by induction: the k-th dequeue can take no later instance, and the
 * earlier ones are taken); when that does not hold, `of` gives null and the search goes
 * without.
 */
export class FifoOrder {
  private readonly marked: Uint8Array;
  private readonly bit: Int32Array;

  /** The same order with nothing enqueued yet, for another search of the same operations. */
  fresh(): FifoOrder {
    return new FifoOrder(this.inst, this.pos, this.need, this.prev, this.value, this.enqOf, this.deqOf);
  }

  private constructor(
    /** Per enqueue op id: its moved values' instances. */
    private readonly inst: Map<number, Int32Array>,
    /** Per instance: its place in order of dequeue return (-1: never dequeued). */
    private readonly pos: Int32Array,
    /** Per instance: how many instances came out of dequeues that returned before its dequeue began. */
    private readonly need: Int32Array,
    /** Per instance: the instance before it in its dequeue's result (-1: first). */
    private readonly prev: Int32Array,
    private readonly value: Int32Array,
    /** Per instance: its enqueue and its dequeue (null: never dequeued), with the place in each. */
    private readonly enqOf: ReadonlyArray<{ op: Op; at: number }>,
    private readonly deqOf: ReadonlyArray<{ op: Op; at: number } | null>,
  ) {
    this.marked = new Uint8Array(pos.length);
    this.bit = new Int32Array(pos.length + 1);
  }

  static of(ops: readonly Op[], f: FifoOps): FifoOrder | null {
    const byId = new Map<number, { enq: Array<{ op: Op; at: number }>; deq: Array<{ op: Op; at: number }> }>();
    for (const op of ops) {
      const vals = f.moved(op);
      if (vals === null) {
        if (f.isEnqueue(op)) return null;
        continue;
      }
      const side = f.isEnqueue(op) ? 'enq' : 'deq';
      vals.forEach((v, at) => {
        let l = byId.get(v);
        if (!l) byId.set(v, (l = { enq: [], deq: [] }));
        l[side].push({ op, at });
      });
    }
    const inst = new Map<number, Int32Array>();
    const value: number[] = [];
    const enqOf: Array<{ op: Op; at: number }> = [];
    const deqOf: Array<{ op: Op; at: number } | null> = [];
    for (const [v, { enq, deq }] of byId) {
      // The k-th enqueue by call, the k-th dequeue by return; each enqueue after the dequeue before it.
      enq.sort((x, y) => x.op.call - y.op.call);
      deq.sort((x, y) => x.op.ret - y.op.ret);
      if (deq.length > enq.length || enq.length > deq.length + 1) return null;
      for (let k = 0; k < enq.length; k++) {
        const { op, at } = enq[k];
        if (k > 0 && deq[k - 1].op.ret >= op.call) return null;
        let a = inst.get(op.id);
        if (!a) inst.set(op.id, (a = new Int32Array(f.moved(op)!.length).fill(-1)));
        a[at] = value.length;
        value.push(v);
        enqOf.push(enq[k]);
        deqOf.push(deq[k] ?? null);
      }
    }
    const n = value.length;
    const pos = new Int32Array(n).fill(-1);
    const need = new Int32Array(n);
    const prev = new Int32Array(n).fill(-1);
    const out = [...Array(n).keys()].filter((i) => deqOf[i] !== null);
    out.sort((a, b) => deqOf[a]!.op.ret - deqOf[b]!.op.ret);
    const rets = out.map((i) => deqOf[i]!.op.ret);
    out.forEach((i, p) => (pos[i] = p));
    // The instance at each place of each dequeue's result, to link each to the one before it.
    const atDeq = new Map<number, number[]>();
    for (const i of out) {
      const d = deqOf[i]!;
      let l = atDeq.get(d.op.id);
      if (!l) atDeq.set(d.op.id, (l = []));
      l[d.at] = i;
      need[i] = lowerBound(rets, d.op.call);
    }
    for (const l of atDeq.values()) for (let k = 1; k < l.length; k++) if (l[k] !== undefined && l[k - 1] !== undefined) prev[l[k]] = l[k - 1];
    return new FifoOrder(inst, pos, need, prev, Int32Array.from(value), enqOf, deqOf);
  }

  /**
   * A pair of objects that no linearization can order: u must go in before v (it came out
   * first, as above), but v's enqueue returned before u's began, or put v ahead of u in one
   * call. Found without a search, so a deep history that breaks FIFO is refuted at once; the
   * one whose dequeue returned earliest. Null: no such pair (the search still decides).
   */
  refute(): { u: number; v: number; enqU: Op; enqV: Op; deqU: Op; deqV: Op } | null {
    const n = this.value.length;
    const byPos: number[] = [];
    for (let i = 0; i < n; i++) if (this.pos[i] >= 0) byPos[this.pos[i]] = i;
    // The instance with the latest enqueue call among the first k by dequeue return.
    const latest: number[] = [-1];
    for (let k = 0; k < byPos.length; k++) {
      const l = latest[k];
      const i = byPos[k];
      latest.push(l < 0 || this.enqOf[i].op.call > this.enqOf[l].op.call ? i : l);
    }
    const wrong = (u: number, v: number) => {
      const eu = this.enqOf[u];
      const ev = this.enqOf[v];
      return eu.op === ev.op ? eu.at > ev.at : eu.op.call > ev.op.ret;
    };
    const best: [number, number] = [-1, -1];
    const consider = (u: number, v: number) => {
      if (u >= 0 && wrong(u, v) && (best[1] < 0 || this.deqOf[v]!.op.ret < this.deqOf[best[1]]!.op.ret)) best.splice(0, 2, u, v);
    };
    for (let v = 0; v < n; v++) {
      if (this.pos[v] < 0) continue;
      consider(this.prev[v], v);
      consider(latest[this.need[v]], v);
    }
    // Within one enqueue: a later object that came out of a dequeue returning before the earlier one's began.
    for (const a of this.inst.values()) {
      for (let j = 1; j < a.length; j++) {
        for (let i = 0; i < j; i++) {
          const di = this.deqOf[a[i]];
          const dj = this.deqOf[a[j]];
          if (a[i] >= 0 && a[j] >= 0 && di && dj && dj.op.ret < di.op.call) consider(a[j], a[i]);
        }
      }
    }
    const [u, v] = best;
    if (v < 0) return null;
    return { u: this.value[u], v: this.value[v], enqU: this.enqOf[u].op, enqV: this.enqOf[v].op, deqU: this.deqOf[u]!.op, deqV: this.deqOf[v]!.op };
  }

  private add(p: number, d: number): void {
    for (let i = p + 1; i < this.bit.length; i += i & -i) this.bit[i] += d;
  }

  private prefix(n: number): number {
    let s = 0;
    for (let i = n; i > 0; i -= i & -i) s += this.bit[i];
    return s;
  }

  private set(op: Op, on: boolean): void {
    const a = this.inst.get(op.id);
    if (!a) return;
    for (const i of a) {
      if (i < 0) continue;
      this.marked[i] = on ? 1 : 0;
      if (this.pos[i] >= 0) this.add(this.pos[i], on ? 1 : -1);
    }
  }

  /**
   * The enqueue `op` takes effect: null when every object that must go in before its objects
   * is in, else why not (and nothing is marked).
   */
  enqueue(op: Op): string | null {
    this.set(op, true);
    const a = this.inst.get(op.id);
    if (!a) return null;
    for (const i of a) {
      if (i < 0 || this.pos[i] < 0) continue;
      const p = this.prev[i];
      const early = this.need[i] !== this.prefix(this.need[i]);
      if (early || (p >= 0 && !this.marked[p])) {
        this.set(op, false);
        const before = early ? `objects that came out of dequeues returning before the one that got ${this.value[i]} began` : `object ${this.value[p]}, which came out just before it`;
        return `FIFO order: ${before} must go in before ${this.value[i]}, and are not in yet`;
      }
    }
    return null;
  }

  /** Take back the enqueue `op`. */
  unenqueue(op: Op): void {
    this.set(op, false);
  }
}

/** The number of sorted values below x. */
function lowerBound(sorted: readonly number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
