import { Pktmbuf } from '../dpdk/mbuf.js';
import { MBUF_VARIANT_CHAIN_DATA_LEN, MBUF_VARIANT_NONE, MBUF_VARIANT_PLAIN_REFCNT, M_NB_SEGS, M_NEXT } from '../dpdk/mbuf_layout.js';
import { attachMempool, attachRing } from '../dpdk/eal.js';
import { Mempool, type MempoolRef } from '../dpdk/mempool.js';
import { Ring, type RingRef } from '../dpdk/ring.js';
import { ringFlags } from '../dpdk/ring_layout.js';
import { defineScenario, type Violation } from '../lab/scenario.js';
import type { Params } from '../lab/params.js';
import type { ActorContext } from '../runtime/context.js';
import { buildTail, chainAsBuilt, checkPacket } from './mbuf-chains.js';

/**
 * DPDK's refcount stress (test_refcnt_mbuf), in rounds: the main lcore allocates packets
 * (single mbufs and chains, a head chained to a tail that may be a chain itself), gives
 * each a random number of references with
 * pktmbuf_refcnt_update, and hands every reference to the workers through a ring; a worker
 * frees its reference, sometimes after cloning it (and cloning the clone), deep-copying a
 * clone, or taking and dropping an extra reference. The clones raise the direct mbufs'
 * refcnts while other workers lower them: exactly the concurrent updates an atomic must
 * not lose. At the end of each round every reference is back, so the pool must be full.
 * A chain must agree with itself: the head's nb_segs is the chain's length and its pkt_len
 * the sum of the segments' data_len, when built and in every reference a worker receives
 * (rte_mbuf_check); every mbuf back in the pool is a lone segment.
 */
const OP_BUILD = 1;
const OP_HAND_OUT = 2;
const OP_WAIT = 3;
const OP_FREE = 4;
const OP_CLONE = 5;
const OP_COPY = 6;

const O_OK = 0;
const O_ALLOC_FAILED = 1;
const O_LEAK = 2;
const O_DOUBLE_FREE = 3;
const O_USE_AFTER_FREE = 4;
const O_BAD_MBUF = 5;
const O_STUCK = 6;
const O_BAD_CHAIN = 7;
const STUCK_WAITS = 5000;

const K_REFS = 0;
const K_FREED = 1;
const K_CLONES = 2;
const K_COPIES = 3;
const K_ROUNDS = 4;
const K_CHAINS = 5;

/** Bytes in a packet's first segment and in each later one. */
const HEAD_BYTES = 16;
const SEG_BYTES = 8;

/** Words of the round protocol, one cache line each. */
const W_FREED = 0;
const W_MAIN_DONE = 16;

type P = Params & { lcores: number; mbufs: number; maxRefs: number; cache: number; variant: string };

/**
 * What `memrace explore` runs every variant with: 4 packets of up to 4 references a round, not
 * 64 of up to 8. At the stress defaults one round is some 80,000 turns an actor (0.6 s an
 * iteration, 1.1 s at load 10); a race between two workers on one refcnt needs two references
 * to one packet, not sixty-four packets.
 */
const EXPLORE = { mbufs: 4, maxRefs: 4 };

interface State {
  pool: MempoolRef;
  ring: RingRef;
  words: number;
  n: number;
}

const poolSize = (p: P) => p.mbufs * 3 + p.lcores * (Math.ceil(p.cache * 1.5) + 16);
const ringCount = (p: P) => Math.max(64, 2 ** Math.ceil(Math.log2(p.mbufs * p.maxRefs + 1)));

function attach(ctx: ActorContext<P, State>): { mp: Mempool; pm: Pktmbuf; ring: Ring } {
  // The pool and the ring are found by name in the image (rte_mempool_lookup, rte_ring_lookup).
  const mp = attachMempool(ctx.arena, ctx.mem, ctx.state.pool, ctx.actor, ctx.actor);
  return { mp, pm: new Pktmbuf(ctx.mem, [mp]), ring: attachRing(ctx.arena, ctx.mem, ctx.state.ring) };
}

function main(ctx: ActorContext<P, State>): void {
  const { mem, state: s, params: p, rng } = ctx;
  const { mp, pm, ring } = attach(ctx);
  const one = new Int32Array(1);
  const payload = new Uint8Array(16);
  const freedW = s.words + W_FREED;
  let out = 0;
  let cookieErrors = 0;
  let leaked = 0;
  while (!ctx.stopped()) {
    for (let i = 0; i < p.mbufs; i++) {
      ctx.op(OP_BUILD);
      const head = pm.alloc(mp);
      if (head === 0) {
        ctx.outcome(O_ALLOC_FAILED);
        continue;
      }
      pm.write(pm.append(head, HEAD_BYTES), payload.fill(i & 0xff));
      // A tail of up to three segments, itself a chain, then chained to the head: rte_pktmbuf_chain
      // must add the tail's pkt_len (all its segments), not its first segment's data_len.
      const tail = buildTail(pm, mp, rng.below(4), SEG_BYTES);
      const segs = 1 + (tail ? pm.nb_segs(tail) : 0);
      if (tail) pm.chain(head, tail);
      if (segs > 2) ctx.count(K_CHAINS);
      if (!chainAsBuilt(pm, head, segs, HEAD_BYTES + SEG_BYTES * (segs - 1))) ctx.outcome(O_BAD_CHAIN);
      const refs = 1 + rng.below(p.maxRefs);
      pm.pktmbuf_refcnt_update(head, refs - 1);
      ctx.op(OP_HAND_OUT);
      one[0] = head;
      for (let r = 0; r < refs; r++) {
        while (ring.enqueue_bulk(one, 1) === 0) ring.sleepUntilDequeued();
      }
      out += refs;
      ctx.count(K_REFS, refs);
    }
    // Quiescent point: every reference handed out has been freed by a worker.
    ctx.op(OP_WAIT);
    // Stuck: STUCK_WAITS 1 ms waits in a row timed out with no reference freed (5 s and more
    // under stress; under the deterministic engine a wait times out only when every actor
    // waits). Counted in waits, not wall time: a loaded machine must not make a false alarm.
    let still = 0;
    for (let seen = mem.load(freedW); seen < out && still < STUCK_WAITS; ) {
      if (mem.wait(freedW, seen, 1) === 'timed-out') still++;
      const now = mem.load(freedW);
      if (now !== seen) {
        still = 0;
        seen = now;
      }
    }
    if (mem.load(freedW) < out) {
      ctx.outcome(O_STUCK);
      break;
    }
    // A leaked mbuf stays missing in every later round: count each one once.
    const missing = mp.size - mp.avail_count();
    if (missing > leaked) ctx.outcome(O_LEAK, missing - leaked);
    leaked = Math.max(leaked, missing);
    const errors = mp.cookies ? mp.cookies.errors().count : 0;
    if (errors > cookieErrors) ctx.outcome(O_DOUBLE_FREE, errors - cookieErrors);
    cookieErrors = errors;
    ctx.count(K_ROUNDS);
    ctx.done(1);
  }
  mem.store(s.words + W_MAIN_DONE, 1);
}

function worker(ctx: ActorContext<P, State>): void {
  const { mem, state: s, rng } = ctx;
  const { mp, pm, ring } = attach(ctx);
  const buf = new Int32Array(4);
  const freedW = s.words + W_FREED;
  for (;;) {
    const n = ring.dequeue_burst(buf, 1 + rng.below(4));
    if (n === 0) {
      if (mem.load(s.words + W_MAIN_DONE) === 1 && ring.count() === 0) break;
      ring.sleepUntilEnqueued();
      continue;
    }
    for (let i = 0; i < n; i++) {
      const m = buf[i];
      const bad = checkPacket(pm, m);
      if (bad !== null) {
        ctx.outcome(bad === 'chain' ? O_BAD_CHAIN : O_BAD_MBUF);
      } else if (mp.cookies && mp.cookies.state(m) === 'free') {
        // We hold a reference, yet the mbuf is back in the pool: freed early.
        ctx.outcome(O_USE_AFTER_FREE);
      }
      const action = rng.below(4);
      if (action === 1) {
        ctx.op(OP_CLONE);
        const c = pm.clone(m, mp);
        const cc = c !== 0 && rng.below(2) === 0 ? pm.clone(c, mp) : 0;
        if (c === 0) ctx.outcome(O_ALLOC_FAILED);
        else ctx.count(K_CLONES, cc ? 2 : 1);
        pm.free(cc);
        pm.free(c);
      } else if (action === 2) {
        ctx.op(OP_COPY);
        const c = pm.clone(m, mp);
        const d = c !== 0 ? pm.copy(c, mp, 0, pm.pkt_len(c)) : 0;
        if (d === 0) ctx.outcome(O_ALLOC_FAILED);
        else {
          ctx.count(K_COPIES);
          if (pm.pkt_len(d) !== pm.pkt_len(c) || pm.check(d, true) !== null) ctx.outcome(O_BAD_CHAIN);
        }
        pm.free(d);
        pm.free(c);
      } else if (action === 3) {
        pm.pktmbuf_refcnt_update(m, 1);
        pm.free(m);
      }
      ctx.op(OP_FREE);
      ctx.begin();
      pm.free(m);
      ctx.end();
      ctx.outcome(O_OK);
      ctx.count(K_FREED);
      ctx.done(1);
      // Counted after the whole reference is done with: the main lcore's quiescent point relies on it.
      mem.add(freedW, 1);
      mem.notify(freedW, 1);
    }
  }
}

export const mbufRefcnt = defineScenario<P, State>({
  name: 'mbuf-refcnt',
  summary: "rte_mbuf refcounts: references to packets and chains freed on many lcores, mixed with clones, clones of clones and copies of clones; plain-refcnt variant",
  subsystem: 'dpdk',
  omit: ['workers'],
  actorParam: 'lcores',
  params: [
    { name: 'lcores', type: 'int', default: 4, min: 2, max: 32, help: 'lcores: one main lcore that hands out references, the rest free them' },
    { name: 'mbufs', type: 'int', default: 64, min: 1, max: 8192, help: 'packets per round' },
    { name: 'maxRefs', type: 'int', default: 8, min: 1, max: 1000, help: 'references per packet: 1..max-refs' },
    { name: 'cache', type: 'int', default: 32, min: 0, max: 512, help: 'per-lcore mempool cache' },
  ],
  variants: [
    { name: 'correct', summary: 'DPDK as shipped: refcnt updated with an atomic add', explore: EXPLORE },
    {
      name: 'plain-refcnt',
      summary: 'refcnt updated with a plain read and write: concurrent updates are lost',
      explore: EXPLORE,
      // The main lcore updates a refcnt only before it hands the packet out: the race is between workers.
      cannotShow: [{
        flag: '--lcores', when: (p) => p.lcores < 3, why: () => 'plain-refcnt races two workers on one refcnt, but the main lcore and 1 worker cannot race',
        allowed: '3 or more (the main lcore and two workers)', example: { lcores: 2 },
      }],
    },
    { name: 'chain-data-len', summary: "rte_pktmbuf_chain adds the tail's data_len to pkt_len, not its pkt_len: a multi-segment tail's later segments go uncounted", explore: EXPLORE },
  ],
  outcomes: [
    { id: 'ok', grade: 'ACCEPTABLE', description: 'a reference freed' },
    { id: 'alloc-failed', grade: 'ACCEPTABLE_INTERESTING', description: 'a clone, copy or packet found the pool empty (and was undone)' },
    { id: 'leak', grade: 'FORBIDDEN', description: 'mbufs missing from the pool once every reference was freed (a lost decrement)' },
    { id: 'double-free', grade: 'FORBIDDEN', description: 'an mbuf put back while free (the mempool cookie caught it)' },
    { id: 'use-after-free', grade: 'FORBIDDEN', description: 'a worker holding a reference found its mbuf back in the pool (a lost increment)' },
    { id: 'bad-mbuf', grade: 'FORBIDDEN', description: 'rte_mbuf_check failed on a held reference (bad refcnt, segment count or length)' },
    { id: 'stuck', grade: 'FORBIDDEN', description: 'references never came back to the main lcore' },
    { id: 'bad-chain', grade: 'FORBIDDEN', description: "a packet's nb_segs or pkt_len disagrees with its chain (as built, received or copied)" },
  ],
  counters: ['refs', 'freed', 'clones', 'copies', 'rounds', 'chains'],
  opNames: ['start', 'build', 'hand-out', 'wait', 'free', 'clone', 'copy'],
  imageBytes: (p) => Pktmbuf.pool_memsize(poolSize(p), { cache_size: p.cache, max_lcore: p.lcores, debug: true }) + Ring.memsize(ringCount(p), 0) + 8192,
  actors: (p) => ['main', ...Array<string>(p.lcores - 1).fill('worker')],
  setup(arena, mem, p) {
    const n = poolSize(p);
    const pool = Pktmbuf.pool_create(arena, mem, 'refcnt', n, {
      cache_size: p.cache, max_lcore: p.lcores, debug: true,
      mbuf_variant: p.variant === 'plain-refcnt' ? MBUF_VARIANT_PLAIN_REFCNT : p.variant === 'chain-data-len' ? MBUF_VARIANT_CHAIN_DATA_LEN : MBUF_VARIANT_NONE,
    });
    const ring = Ring.create(arena, mem, 'refs', ringCount(p), ringFlags('SP', 'MC'));
    return { pool: pool.ref, ring: ring.ref, words: arena.allocWords('mbuf-refcnt.words', 32), n };
  },
  roles: { main, worker },
  check({ mem, state: s, counter, roles }) {
    const mp = new Mempool(mem, s.pool, -1);
    let refs = 0;
    let freed = 0;
    roles.forEach((_, a) => {
      refs += counter(a, 'refs');
      freed += counter(a, 'freed');
    });
    const refcounts: Violation[] = [];
    if (refs !== freed) refcounts.push({ message: `${refs} references handed out, ${freed} freed` });
    // rte_mbuf_raw_free's precondition: a free mbuf is one segment (next NULL, nb_segs 1).
    const lone: Violation[] = [];
    mp.obj_iter((m) => {
      if (mem.read(m + M_NEXT) !== 0 || mem.read(m + M_NB_SEGS) !== 1) lone.push({ message: `free mbuf with next 0x${mem.read(m + M_NEXT).toString(16)}, nb_segs ${mem.read(m + M_NB_SEGS)}`, where: `mbuf 0x${m.toString(16)}` });
    });
    return {
      oracles: [
        { name: 'references', violations: refcounts },
        { name: 'pool full again', violations: mp.conservation(0) },
        { name: 'free mbufs are lone segments', violations: lone },
        { name: 'audit (cookies, free exactly once)', violations: mp.audit() },
      ],
      notes: [`${counter(0, 'rounds')} rounds; ${refs} references; ${counter(0, 'chains')} packets of 3 or more segments (a head and a chained tail); ${roles.reduce((t, _, a) => t + counter(a, 'clones'), 0)} clones, ${roles.reduce((t, _, a) => t + counter(a, 'copies'), 0)} copies of clones`],
    };
  },
});
