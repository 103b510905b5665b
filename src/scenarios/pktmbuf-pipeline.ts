import { ConfigError } from '../errors.js';
import { Pktmbuf, READ_COPIED } from '../dpdk/mbuf.js';
import { MBUF_VARIANT_CHAIN_DATA_LEN, MBUF_VARIANT_NONE, M_DYNFIELD1, M_DYNFIELD2, M_PORT, RTE_MBUF_DEFAULT_BUF_SIZE } from '../dpdk/mbuf_layout.js';
import { attachMempool, attachRing } from '../dpdk/eal.js';
import { Mempool, type MempoolRef } from '../dpdk/mempool.js';
import { Ring, type RingRef } from '../dpdk/ring.js';
import { ringFlags } from '../dpdk/ring_layout.js';
import { defineScenario, type Violation } from '../lab/scenario.js';
import type { Params } from '../lab/params.js';
import type { ActorContext } from '../runtime/context.js';
import { buildTail, chainAsBuilt, checkPacket } from './mbuf-chains.js';

/**
 * A packet pipeline: RX lcores build UDP packets (alloc_bulk, append the payload, prepend
 * UDP, IPv4 and Ethernet headers), worker lcores classify them by reading the headers
 * back and clone the multicast ones for a second port, TX lcores check the bytes and free
 * in bulk. Rings join the stages. Every mbuf must be back in the pool at the end. With
 * `--segs N` a packet is a chain: the headers and the first share of the payload in its
 * first segment, the rest in a tail of N - 1 segments built as a chain and then chained to
 * it (rte_pktmbuf_chain); its chain is checked as built and wherever a stage receives it.
 */
const HDR = 14 + 20 + 8;
const MCAST_PORT = 1;

const OP_RX = 1;
const OP_CLASSIFY = 2;
const OP_TX = 3;

const O_OK = 0;
const O_POOL_EMPTY = 1;
const O_RING_FULL = 2;
const O_CORRUPT = 3;
const O_BAD_MBUF = 4;
const O_DOUBLE_FREE = 5;
const O_BAD_CHAIN = 6;

const K_PKTS = 0;
const K_CLONES = 1;
const K_DROPS = 2;
const K_LAT_MEAN_US = 3;
const K_LAT_N = 4;

const W_RX_DONE = 0;
const W_WORKERS_DONE = 16;

type P = Params & {
  rx: number; workers: number; tx: number; burst: number; payload: number; segs: number; multicast: number; mbufs: number; cache: number; debug: boolean; pinned: boolean; variant: string;
};

interface State {
  pool: MempoolRef;
  /** Where multicast clones come from: the pool itself, or with --pinned a standard pool (a pinned mbuf is cloned into one, as test_mbuf.c does). */
  clones: MempoolRef;
  toWorkers: RingRef;
  toTx: RingRef;
  words: number;
}

/** A consumer sleeps on its ring's producer tail: the word a producer moves when it publishes. */

/**
 * Latency from RX to a stage, summed in a float (an int32 counter of µs overflows in
 * seconds at these rates) and published once, as a mean and a count, when the role ends.
 */
class StageLatency {
  private sum = 0;
  private n = 0;
  add(rxStampUs: number, nowUs: number): void {
    this.sum += (nowUs - rxStampUs) >>> 0;
    this.n++;
  }
  publish(ctx: ActorContext<P, State>): void {
    ctx.count(K_LAT_MEAN_US, this.n ? Math.round(this.sum / this.n) : 0);
    ctx.count(K_LAT_N, this.n);
  }
}

/** A timestamp in µs that every thread reads on the same clock (performance.now is per thread). */
const nowUs = () => Math.floor((performance.timeOrigin + performance.now()) * 1000) >>> 0;

/** The payload byte at i of packet seq. */
const pattern = (seq: number, i: number) => (seq * 31 + i * 7) & 0xff;

function attach(ctx: ActorContext<P, State>) {
  // The pool and both rings are found by name in the image (rte_mempool_lookup, rte_ring_lookup).
  const mp = attachMempool(ctx.arena, ctx.mem, ctx.state.pool, ctx.actor, ctx.actor);
  const cp = ctx.state.clones.base === ctx.state.pool.base ? mp : attachMempool(ctx.arena, ctx.mem, ctx.state.clones, ctx.actor, ctx.actor);
  return { mp, cp, pm: new Pktmbuf(ctx.mem, cp === mp ? [mp] : [mp, cp]), toWorkers: attachRing(ctx.arena, ctx.mem, ctx.state.toWorkers), toTx: attachRing(ctx.arena, ctx.mem, ctx.state.toTx) };
}

function rx(ctx: ActorContext<P, State>): void {
  const { mem, params: p, state: s } = ctx;
  const { mp, pm, toWorkers } = attach(ctx);
  const burst = new Int32Array(p.burst);
  const payload = new Uint8Array(p.payload);
  const hdr = new Uint8Array(HDR);
  const unicast = headerTemplate(p.payload, false);
  const multicast = headerTemplate(p.payload, true);
  const me = ctx.actorsOf('rx').indexOf(ctx.actor);
  // The tail's segments carry `per` payload bytes each, the first segment the rest.
  const per = Math.floor(p.payload / p.segs);
  const first = p.payload - per * (p.segs - 1);
  let seq = me << 24;
  while (!ctx.stopped()) {
    ctx.op(OP_RX);
    if (pm.alloc_bulk(mp, burst, p.burst) !== 0 || !build(ctx, pm, mp, burst, payload, first, per, seq)) {
      ctx.outcome(O_POOL_EMPTY);
      mem.wait(s.words + W_RX_DONE, mem.load(s.words + W_RX_DONE), 0.05);
      continue;
    }
    for (let i = 0; i < p.burst; i++) {
      const m = burst[i];
      seq = (seq + 1) | 0;
      const mcast = ctx.rng.below(100) < p.multicast;
      stampHeaders(hdr, mcast ? multicast : unicast, seq, mcast);
      pm.write(pm.prepend(m, 8), hdr, 34, 8);
      pm.write(pm.prepend(m, 20), hdr, 14, 20);
      pm.write(pm.prepend(m, 14), hdr, 0, 14);
      pm.setField(m, M_DYNFIELD1, nowUs());
      pm.setField(m, M_DYNFIELD2, seq);
      if (!chainAsBuilt(pm, m, p.segs, HDR + p.payload)) ctx.outcome(O_BAD_CHAIN);
    }
    const n = toWorkers.enqueue_burst(burst, p.burst);
    if (n < p.burst) {
      ctx.outcome(O_RING_FULL);
      ctx.count(K_DROPS, p.burst - n);
      pm.free_bulk(burst, p.burst - n, n);
    }
    ctx.count(K_PKTS, n);
    ctx.done(p.burst);
  }
  mem.add(s.words + W_RX_DONE, 1);
}

/**
 * Fill the burst's payloads (packet k's pattern from seq + 1 + k) and chain each packet's
 * tail to it; false, with the burst freed, when the pool runs dry for a tail.
 */
function build(ctx: ActorContext<P, State>, pm: Pktmbuf, mp: Mempool, burst: Int32Array, payload: Uint8Array, first: number, per: number, seq: number): boolean {
  const p = ctx.params;
  for (let i = 0; i < p.burst; i++) {
    const m = burst[i];
    const at = (seq + 1 + i) | 0;
    for (let k = 0; k < p.payload; k++) payload[k] = pattern(at, k);
    pm.write(pm.append(m, first), payload, 0, first);
    if (p.segs === 1) continue;
    const tail = buildTail(pm, mp, p.segs - 1, per, payload, first);
    if (tail === 0 || pm.nb_segs(tail) < p.segs - 1) {
      pm.free(tail);
      pm.free_bulk(burst, p.burst);
      return false;
    }
    pm.chain(m, tail);
  }
  return true;
}

/** Ethernet, IPv4 and UDP headers for `payload` bytes, to the multicast group or to 10.0.1.0 (built once per RX lcore). */
function headerTemplate(payload: number, mcast: boolean): Uint8Array {
  const h = new Uint8Array(HDR);
  h.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00], 0);
  const ipLen = 20 + 8 + payload;
  h.set([0x45, 0, ipLen >> 8, ipLen & 0xff, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1], 14);
  h.set(mcast ? [224, 0, 0, 251] : [10, 0, 1, 0], 30);
  h.set([0x30, 0x39, 0x14, 0xe9, (8 + payload) >> 8, (8 + payload) & 0xff, 0, 0], 34);
  return h;
}

/** A packet's headers: the template with its IP id and, for unicast, the last address byte from seq. */
function stampHeaders(h: Uint8Array, template: Uint8Array, seq: number, mcast: boolean): void {
  h.set(template);
  h[18] = (seq >> 8) & 0xff;
  h[19] = seq & 0xff;
  if (!mcast) h[33] = seq & 0xff;
}

function worker(ctx: ActorContext<P, State>): void {
  const { mem, params: p, state: s } = ctx;
  const { cp, pm, toWorkers, toTx } = attach(ctx);
  const inb = new Int32Array(p.burst);
  const out = new Int32Array(p.burst * 2);
  const hdr = new Uint8Array(HDR);
  const nRx = ctx.actorsOf('rx').length;
  const latency = new StageLatency();
  for (;;) {
    ctx.op(OP_CLASSIFY);
    const n = toWorkers.dequeue_burst(inb, p.burst);
    if (n === 0) {
      if (mem.load(s.words + W_RX_DONE) === nRx && toWorkers.count() === 0) break;
      toWorkers.sleepUntilEnqueued();
      continue;
    }
    let k = 0;
    const now = nowUs();
    for (let i = 0; i < n; i++) {
      const m = inb[i];
      out[k++] = m;
      latency.add(pm.field(m, M_DYNFIELD1), now);
      const bad = checkPacket(pm, m);
      if (bad !== null) ctx.outcome(bad === 'chain' ? O_BAD_CHAIN : O_BAD_MBUF);
      // rte_pktmbuf_read's pointer, without a view per packet: the header is in the image or, copied, in hdr.
      const at = pm.read_ptr(m, 0, HDR, hdr);
      const h = at === READ_COPIED ? hdr : mem.u8;
      const o = at === READ_COPIED ? 0 : at;
      if (at === 0 || h[o + 12] !== 0x08 || h[o + 23] !== 17) {
        ctx.outcome(O_CORRUPT);
        continue;
      }
      if (h[o + 30] !== 224) continue;
      // Multicast: a second reference for the second port. The broken variant sends the same mbuf twice.
      if (p.variant === 'no-clone') {
        out[k++] = m;
        // The second port's copy, as a clone would be counted: the accounting stays exact and
        // only the mempool's cookies can catch the bug (the mbuf comes back twice).
        ctx.count(K_CLONES);
        continue;
      }
      const c = pm.clone(m, cp);
      if (c === 0) {
        ctx.outcome(O_POOL_EMPTY);
        continue;
      }
      pm.setField(c, M_PORT, MCAST_PORT);
      out[k++] = c;
      ctx.count(K_CLONES);
    }
    const sent = toTx.enqueue_burst(out, k);
    if (sent < k) {
      ctx.outcome(O_RING_FULL);
      ctx.count(K_DROPS, k - sent);
      pm.free_bulk(out, k - sent, sent);
    }
    ctx.count(K_PKTS, n);
    ctx.done(n);
  }
  latency.publish(ctx);
  mem.add(s.words + W_WORKERS_DONE, 1);
}

function tx(ctx: ActorContext<P, State>): void {
  const { mem, params: p, state: s } = ctx;
  const { mp, cp, pm, toTx } = attach(ctx);
  const burst = new Int32Array(p.burst);
  const payload = new Uint8Array(p.payload);
  const nWorkers = ctx.actorsOf('worker').length;
  let cookieErrors = 0;
  const latency = new StageLatency();
  for (;;) {
    ctx.op(OP_TX);
    const n = toTx.dequeue_burst(burst, p.burst);
    if (n === 0) {
      if (mem.load(s.words + W_WORKERS_DONE) === nWorkers && toTx.count() === 0) break;
      toTx.sleepUntilEnqueued();
      continue;
    }
    const now = nowUs();
    for (let i = 0; i < n; i++) {
      const m = burst[i];
      const bad = checkPacket(pm, m);
      if (bad !== null) ctx.outcome(bad === 'chain' ? O_BAD_CHAIN : O_BAD_MBUF);
      latency.add(pm.field(m, M_DYNFIELD1), now);
      const seq = pm.field(m, M_DYNFIELD2);
      const at = pm.read_ptr(m, HDR, p.payload, payload);
      const data = at === READ_COPIED ? payload : mem.u8;
      const o = at === READ_COPIED ? 0 : at;
      let intact = at !== 0;
      for (let k = 0; intact && k < p.payload; k++) intact = data[o + k] === pattern(seq, k);
      ctx.outcome(intact ? O_OK : O_CORRUPT);
    }
    ctx.begin();
    pm.free_bulk(burst, n);
    ctx.end();
    const errors = (mp.cookies ? mp.cookies.errors().count : 0) + (cp !== mp && cp.cookies ? cp.cookies.errors().count : 0);
    if (errors > cookieErrors) ctx.outcome(O_DOUBLE_FREE, errors - cookieErrors);
    cookieErrors = errors;
    ctx.count(K_PKTS, n);
    ctx.done(n);
  }
  latency.publish(ctx);
}

export const pktmbufPipeline = defineScenario<P, State>({
  name: 'pktmbuf-pipeline',
  summary: 'RX builds UDP packets in mbufs, workers classify and clone multicast for a second port, TX checks the bytes and frees in bulk; rings between stages',
  subsystem: 'dpdk',
  params: [
    { name: 'rx', type: 'int', default: 1, min: 1, max: 8, help: 'RX lcores' },
    { name: 'workers', type: 'int', default: 2, min: 1, max: 16, help: 'worker lcores' },
    { name: 'tx', type: 'int', default: 1, min: 1, max: 8, help: 'TX lcores' },
    { name: 'burst', type: 'int', default: 32, min: 1, max: 512, help: 'packets per burst' },
    { name: 'payload', type: 'int', default: 64, min: 4, max: 1400, help: 'UDP payload bytes' },
    { name: 'segs', type: 'int', default: 1, min: 1, max: 16, help: 'segments per packet: a tail of segs - 1 chained to the first (rte_pktmbuf_chain)' },
    { name: 'multicast', type: 'int', default: 25, min: 0, max: 100, help: 'percent of packets sent to the multicast group (cloned)' },
    { name: 'mbufs', type: 'int', default: 8191, min: 64, max: 1 << 20, help: 'mbufs in the pool' },
    { name: 'cache', type: 'int', default: 256, min: 0, max: 512, help: 'per-lcore mempool cache' },
    { name: 'debug', type: 'bool', default: true, help: 'mempool cookies on every get and put' },
    { name: 'pinned', type: 'bool', default: false, help: 'mbufs with pinned external buffers (rte_pktmbuf_pool_create_extbuf), clones from a second, standard pool' },
  ],
  variants: [
    { name: 'correct', summary: 'multicast packets are cloned: one reference per port' },
    { name: 'no-clone', summary: 'a multicast packet is sent to both ports as the same mbuf, without a second reference' },
    {
      name: 'chain-data-len',
      summary: "rte_pktmbuf_chain adds the tail's data_len to pkt_len, not its pkt_len: a multi-segment tail's later segments go uncounted",
      defaults: { segs: 3 },
      cannotShow: [{
        flag: '--segs', when: (p) => p.segs < 3, why: (p) => `chain-data-len miscounts a tail of two or more segments, but with ${p.segs} segment(s) per packet the tail has at most one`,
        allowed: '3 or more', example: { segs: 2 },
      }],
    },
  ],
  outcomes: [
    { id: 'ok', grade: 'ACCEPTABLE', description: 'a packet reached TX with its headers and payload intact' },
    { id: 'pool-empty', grade: 'ACCEPTABLE_INTERESTING', description: 'alloc_bulk or a clone found the pool empty' },
    { id: 'ring-full', grade: 'ACCEPTABLE_INTERESTING', description: 'a stage dropped packets its next ring had no room for (freed)' },
    { id: 'corrupt', grade: 'FORBIDDEN', description: 'headers or payload not what RX wrote' },
    { id: 'bad-mbuf', grade: 'FORBIDDEN', description: 'rte_mbuf_check failed on a packet a stage received (not its chain)' },
    { id: 'double-free', grade: 'FORBIDDEN', description: 'an mbuf put back while free (mempool cookie)' },
    { id: 'bad-chain', grade: 'FORBIDDEN', description: "a packet's nb_segs or pkt_len disagrees with its chain (as built or received)" },
  ],
  counters: ['pkts', 'clones', 'drops', 'latMeanUs', 'latN'],
  opNames: ['start', 'rx', 'classify', 'tx'],
  validate(p) {
    const inFlight = p.burst * (p.rx + p.workers * 2) * p.segs;
    if (inFlight > p.mbufs) throw new ConfigError('--mbufs', `${p.mbufs} cannot hold the bursts in flight`, `at least burst x (rx + 2 x workers) x segs = ${inFlight}`);
    if (p.segs > p.payload) throw new ConfigError('--segs', `${p.segs} segments cannot each carry a share of a ${p.payload}-byte payload`, `1 to ${p.payload} (the payload's bytes)`);
    Mempool.checkConfig({ n: p.mbufs, elt_size: 1, cache_size: p.cache }, { n: '--mbufs', cache_size: '--cache' });
  },
  imageBytes: (p) =>
    (p.pinned ? 2 : 1) * Pktmbuf.pool_memsize(p.mbufs, { cache_size: p.cache, max_lcore: p.rx + p.workers + p.tx, debug: p.debug }) + 2 * Ring.memsize(1024, 0) + 8192,
  actors: (p) => [...Array<string>(p.rx).fill('rx'), ...Array<string>(p.workers).fill('worker'), ...Array<string>(p.tx).fill('tx')],
  setup(arena, mem, p) {
    const lcores = p.rx + p.workers + p.tx;
    const cfg = { cache_size: p.cache, max_lcore: lcores, debug: p.debug, mbuf_variant: p.variant === 'chain-data-len' ? MBUF_VARIANT_CHAIN_DATA_LEN : MBUF_VARIANT_NONE };
    let pool: Mempool;
    let clones: Mempool;
    if (p.pinned) {
      // A memzone cut into one data buffer per mbuf; clones need no data room of their own.
      const len = p.mbufs * RTE_MBUF_DEFAULT_BUF_SIZE;
      const mz = arena.alloc('memzone:pipeline', len);
      pool = Pktmbuf.pool_create_extbuf(arena, mem, 'pipeline', p.mbufs, cfg, [{ buf_ptr: mz, buf_iova: mz, buf_len: len, elt_size: RTE_MBUF_DEFAULT_BUF_SIZE }]);
      clones = Pktmbuf.pool_create(arena, mem, 'pipeline-clones', p.mbufs, { ...cfg, data_room_size: 0 });
    } else {
      pool = clones = Pktmbuf.pool_create(arena, mem, 'pipeline', p.mbufs, cfg);
    }
    return {
      pool: pool.ref,
      clones: clones.ref,
      toWorkers: Ring.create(arena, mem, 'rx-to-workers', 1024, ringFlags('MP', 'MC')).ref,
      toTx: Ring.create(arena, mem, 'workers-to-tx', 1024, ringFlags('MP', 'MC')).ref,
      words: arena.allocWords('pipeline.words', 32),
    };
  },
  roles: { rx, worker, tx },
  check({ mem, state: s, counter, roles }) {
    const pools = s.clones.base === s.pool.base ? [new Mempool(mem, s.pool, -1)] : [new Mempool(mem, s.pool, -1), new Mempool(mem, s.clones, -1)];
    const sum = (role: string, name: string) => roles.reduce((t, r, a) => (r === role ? t + counter(a, name) : t), 0);
    const weighted = (role: string) => roles.reduce((t, r, a) => (r === role ? t + counter(a, 'latMeanUs') * counter(a, 'latN') : t), 0);
    const avgUs = (role: string) => (sum(role, 'latN') ? (weighted(role) / sum(role, 'latN')).toFixed(1) : '-');
    const accounted: Violation[] = [];
    if (sum('rx', 'pkts') !== sum('worker', 'pkts')) accounted.push({ message: `RX passed on ${sum('rx', 'pkts')} packets, the workers took ${sum('worker', 'pkts')}` });
    const toTx = sum('worker', 'pkts') + sum('worker', 'clones') - sum('worker', 'drops');
    if (toTx !== sum('tx', 'pkts')) accounted.push({ message: `the workers passed on ${toTx} mbufs, TX freed ${sum('tx', 'pkts')}` });
    return {
      oracles: [
        { name: 'every packet accounted for', violations: accounted },
        { name: 'every mbuf back in the pool', violations: pools.flatMap((mp) => mp.conservation(0)) },
        { name: 'audit (cookies, free exactly once)', violations: pools.flatMap((mp) => mp.audit()) },
      ],
      notes: [
        `packets: rx ${sum('rx', 'pkts')} (dropped ${sum('rx', 'drops')}), workers ${sum('worker', 'pkts')} + ${sum('worker', 'clones')} multicast clones (dropped ${sum('worker', 'drops')}), tx ${sum('tx', 'pkts')}`,
        `latency from RX: at the workers ${avgUs('worker')} µs, at TX ${avgUs('tx')} µs (mean)`,
      ],
    };
  },
});
