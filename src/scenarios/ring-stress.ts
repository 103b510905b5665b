import { ConfigError } from '../errors.js';
import { Ring, RingZcData, type RingRef } from '../dpdk/ring.js';
import { CONS_MODES, PROD_MODES, R_CONS, R_PROD, R_SLOTS, VARIANT_NO_TAIL_WAIT, VARIANT_PLAIN_TAIL, VARIANT_REORDER, type ConsMode, type ProdMode, ringFlags } from '../dpdk/ring_layout.js';
import { defineScenario, type OracleResult, type Violation } from '../lab/scenario.js';
import type { Params } from '../lab/params.js';
import type { ActorContext } from '../runtime/context.js';
import type { Mem } from '../shm/mem.js';
import { REFUSALS, RING_DEQ_BULK, RING_DEQ_BURST, RING_ENQ_BULK, RING_ENQ_BURST, type Refusals, ringSpec } from '../lab/history/specs/ring.js';

/**
 * Producers and consumers on separate workers move a fixed population of objects through
 * one ring, as DPDK's test_ring_stress does. Each object has an ownership word: FREE, then
 * IN_RING once its producer enqueues it, then HELD by the consumer that dequeued it, which
 * checks the slot's checksum (written beside the id, keyed by the object's generation) and
 * frees it again. A CAS on the ownership word catches an object handed out twice; the
 * checksum catches a slot read before its producer finished writing it.
 */
const FREE = 0;
const IN_RING = 1;
const HELD = 2; // + consumer actor id

const OP_COLLECT = 1;
const OP_ENQUEUE = 2;
const OP_DEQUEUE = 3;
const OP_VERIFY = 4;
const OP_DRAIN_WAIT = 5;

const O_OK = 0;
const O_SHORT = 1;
const O_REFUSED = 2;
const O_DUPLICATE = 3;
const O_TORN = 4;

const K_ENQUEUED = 0;
const K_DEQUEUED = 1;
const K_FULL = 2;
const K_EMPTY = 3;

interface RingStressState {
  ring: RingRef;
  /** The ring's size in words (header and slots), for naming its words in traces. */
  ringWords: number;
  owner: number;
  gen: number;
  objects: number;
  producers: number;
  prodDone: number;
}

type P = Params & { prod: ProdMode; cons: ConsMode; count: number; exact: boolean; bulk: number; burst: boolean; refusals: Refusals; producers: number; api: Api; workers: number; variant: string };

/**
 * How objects cross the ring, as test_ring_stress's suites do: copy (enqueue/dequeue,
 * test_ring_mpmc/rts/hts_stress), peek (the _start/_finish pairs, test_ring_st/mt_peek_stress)
 * or zc (zero-copy: the caller reads and writes the slots, test_ring_st/mt_peek_stress_zc).
 */
const APIS = ['copy', 'peek', 'zc'] as const;
type Api = (typeof APIS)[number];

/**
 * One enqueue through `api`: how many of buf's k objects (2 words each) went in. A start
 * that reserved nothing is not finished (rte_ring_peek.h: finish follows a start that
 * returned non-zero) unless `unreserved`, the finish-unreserved variant, finishes it with 0.
 */
function enqueueVia(mem: Mem, ring: Ring, api: Api, zcd: RingZcData, buf: Int32Array, k: number, burst: boolean, unreserved: boolean): number {
  if (api === 'copy') return burst ? ring.enqueue_burst(buf, k) : ring.enqueue_bulk(buf, k);
  if (api === 'peek') {
    const n = burst ? ring.enqueue_burst_start(k) : ring.enqueue_bulk_start(k);
    if (n !== 0 || unreserved) ring.enqueue_finish(buf, n);
    return n;
  }
  const n = burst ? ring.enqueue_zc_burst_start(k, zcd) : ring.enqueue_zc_bulk_start(k, zcd);
  if (n === 0) {
    if (unreserved) ring.enqueue_zc_finish(0);
    return 0;
  }
  for (let i = 0; i < n; i++) {
    const at = zcd.slot(i, 2);
    mem.store(at, buf[2 * i]);
    mem.store(at + 1, buf[2 * i + 1]);
  }
  ring.enqueue_zc_finish(n);
  return n;
}

/** One dequeue through `api` into buf: how many objects came out (unreserved as for enqueueVia). */
function dequeueVia(mem: Mem, ring: Ring, api: Api, zcd: RingZcData, buf: Int32Array, want: number, burst: boolean, unreserved: boolean): number {
  if (api === 'copy') return burst ? ring.dequeue_burst(buf, want) : ring.dequeue_bulk(buf, want);
  if (api === 'peek') {
    const n = burst ? ring.dequeue_burst_start(buf, want) : ring.dequeue_bulk_start(buf, want);
    if (n !== 0 || unreserved) ring.dequeue_finish(n);
    return n;
  }
  const n = burst ? ring.dequeue_zc_burst_start(want, zcd) : ring.dequeue_zc_bulk_start(want, zcd);
  if (n === 0) {
    if (unreserved) ring.dequeue_zc_finish(0);
    return 0;
  }
  for (let i = 0; i < n; i++) {
    const at = zcd.slot(i, 2);
    buf[2 * i] = mem.load(at);
    buf[2 * i + 1] = mem.load(at + 1);
  }
  ring.dequeue_zc_finish(n);
  return n;
}

/** The checksum a producer writes beside an id for generation `gen`. */
export function slotChecksum(id: number, gen: number): number {
  let h = Math.imul(id ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(gen + 1, 0x85ebca6b);
  h ^= h >>> 15;
  return Math.imul(h, 0xc2b2ae35) | 0;
}

/** The ring's VARIANT_* word for each of the scenario's variants. */
const VARIANTS: Record<string, number> = { correct: 0, 'no-tail-wait': VARIANT_NO_TAIL_WAIT, reorder: VARIANT_REORDER, 'plain-tail': VARIANT_PLAIN_TAIL, 'finish-unreserved': 0 };

function split(p: P): { producers: number; consumers: number } {
  const producers = p.prod === 'SP' ? 1 : p.producers > 0 ? p.producers : Math.max(1, Math.floor(p.workers / 2));
  return { producers, consumers: p.workers - producers };
}

function capacityOf(p: P): number {
  return p.exact ? p.count : p.count - 1;
}

function producer(ctx: ActorContext<P, RingStressState>): void {
  const { mem, state: s, params: p } = ctx;
  const ring = new Ring(mem, s.ring);
  const me = ctx.actorsOf('producer').indexOf(ctx.actor);
  const bulk = p.bulk;
  const buf = new Int32Array(bulk * 2);
  const ids = new Int32Array(bulk);
  const zcd = new RingZcData();
  let cursor = me;
  let idle = 0;
  while (!ctx.stopped()) {
    ctx.op(OP_COLLECT);
    let k = 0;
    const want = p.burst ? 1 + ctx.rng.below(bulk) : bulk;
    // Scan this producer's share of the objects (id % producers == me) for free ones.
    for (let scanned = 0; k < want && scanned < s.objects; scanned += s.producers) {
      const id = cursor;
      cursor += s.producers;
      if (cursor >= s.objects) cursor = me;
      if (mem.load(s.owner + id) !== FREE) continue;
      mem.store(s.owner + id, IN_RING);
      const gen = (mem.load(s.gen + id) + 1) | 0;
      mem.store(s.gen + id, gen);
      ids[k] = id;
      buf[2 * k] = id;
      buf[2 * k + 1] = slotChecksum(id, gen);
      k++;
    }
    if (k === 0) {
      if (ctx.live) break;
      backoff(++idle, ring, true);
      continue;
    }
    ctx.op(OP_ENQUEUE);
    ctx.begin();
    ctx.history?.invoke(p.burst ? RING_ENQ_BURST : RING_ENQ_BULK, ids, k);
    const n = enqueueVia(mem, ring, p.api, zcd, buf, k, p.burst, p.variant === 'finish-unreserved');
    ctx.history?.respond1(n);
    ctx.end();
    for (let i = n; i < k; i++) mem.store(s.owner + ids[i], FREE);
    if (n === 0) {
      ctx.count(K_FULL);
      ctx.outcome(O_REFUSED);
      if (ctx.live) break;
      backoff(++idle, ring, true);
      continue;
    }
    idle = 0;
    if (n < k) ctx.outcome(O_SHORT);
    ctx.count(K_ENQUEUED, n);
    ctx.done(n);
  }
  // A live producer returns after every step; it is done only when a batch run ends it.
  if (!ctx.live) mem.add(s.prodDone, 1);
  ctx.contention(ring.stats.casRetries, ring.stats.spins, ring.stats.waits);
}

function consumer(ctx: ActorContext<P, RingStressState>): void {
  const { mem, state: s, params: p } = ctx;
  const ring = new Ring(mem, s.ring);
  const bulk = p.bulk;
  const buf = new Int32Array(bulk * 2);
  const mine = HELD + ctx.actor;
  const zcd = new RingZcData();
  let idle = 0;
  for (;;) {
    if (ctx.stopFlag() || (ctx.live && ctx.stopped())) break;
    ctx.op(OP_DEQUEUE);
    ctx.begin();
    const want = p.burst ? 1 + ctx.rng.below(bulk) : bulk;
    let n = dequeue(ctx, ring, zcd, buf, want, p.burst);
    // A producer short of free objects enqueues fewer than a bulk, so once every producer has
    // finished, what is left may never fill one: drain it with a burst.
    if (n === 0 && !p.burst && mem.load(s.prodDone) === s.producers) n = dequeue(ctx, ring, zcd, buf, want, true);
    ctx.end();
    if (n === 0) {
      ctx.count(K_EMPTY);
      // Done once every producer has finished and the ring is drained.
      if (ctx.live || (mem.load(s.prodDone) === s.producers && ring.count() === 0)) break;
      ctx.op(OP_DRAIN_WAIT);
      backoff(++idle, ring, false);
      continue;
    }
    idle = 0;
    if (n < want) ctx.outcome(O_SHORT);
    ctx.op(OP_VERIFY);
    let ok = 0;
    for (let i = 0; i < n; i++) {
      const id = buf[2 * i];
      if (id < 0 || id >= s.objects) {
        ctx.outcome(O_TORN);
        continue;
      }
      if (mem.compareExchange(s.owner + id, IN_RING, mine) !== IN_RING) {
        ctx.outcome(O_DUPLICATE);
        continue;
      }
      if (buf[2 * i + 1] !== slotChecksum(id, mem.load(s.gen + id))) ctx.outcome(O_TORN);
      else ok++;
      mem.store(s.owner + id, FREE);
    }
    ctx.outcome(O_OK, ok);
    ctx.count(K_DEQUEUED, n);
    ctx.done(n);
  }
  ctx.contention(ring.stats.casRetries, ring.stats.spins, ring.stats.waits);
}

/** One dequeue call, recorded in the history when it is on: the count asked, the ids got. */
function dequeue(ctx: ActorContext<P, RingStressState>, ring: Ring, zcd: RingZcData, buf: Int32Array, want: number, burst: boolean): number {
  ctx.history?.invoke1(burst ? RING_DEQ_BURST : RING_DEQ_BULK, want);
  const n = dequeueVia(ctx.mem, ring, ctx.params.api, zcd, buf, want, burst, ctx.params.variant === 'finish-unreserved');
  ctx.history?.respond(buf, n, 2);
  return n;
}

const SIDE_FIELDS = ['sync', 'htd_max', 'head', 'tail', 'rts_head.cnt', 'rts_head.pos'];
const HEADER_FIELDS = ['size', 'mask', 'capacity', 'flags', 'esize_words', 'variant'];

/** A ring word's field: its header, a side's head or tail, or a slot's id or checksum word. */
function ringField(off: number): string {
  if (off >= R_SLOTS) return `slot[${(off - R_SLOTS) >> 1}].${(off - R_SLOTS) & 1 ? 'sum' : 'id'}`;
  if (off >= R_CONS) return `cons.${SIDE_FIELDS[off - R_CONS] ?? off - R_CONS}`;
  if (off >= R_PROD) return `prod.${SIDE_FIELDS[off - R_PROD] ?? off - R_PROD}`;
  return HEADER_FIELDS[off] ?? `header+${off}`;
}

/**
 * Spin a little, then sleep until the other side publishes (its publication wakes us):
 * gives the core to whoever can make progress, and takes it back as soon as there is room
 * or an entry.
 */
function backoff(idle: number, ring: Ring, producer: boolean): void {
  if (idle < 32) return;
  if (producer) ring.sleepUntilDequeued();
  else ring.sleepUntilEnqueued();
}

export const ringStress = defineScenario<P, RingStressState>({
  name: 'ring-stress',
  summary: 'rte_ring: producers and consumers move owned, checksummed objects; every sync mode; no-tail-wait variant',
  subsystem: 'dpdk',
  params: [
    { name: 'prod', type: 'choice', default: 'MP', choices: PROD_MODES, help: 'producer sync mode' },
    { name: 'cons', type: 'choice', default: 'MC', choices: CONS_MODES, help: 'consumer sync mode' },
    { name: 'count', type: 'int', default: 1024, min: 1, max: 2 ** 30, allowed: Ring.COUNT_ALLOWED, help: 'ring slots (a power of two unless --exact)' },
    { name: 'exact', type: 'bool', default: false, help: 'RING_F_EXACT_SZ: capacity is exactly --count' },
    { name: 'bulk', type: 'int', default: 32, min: 1, max: 4096, help: 'objects per enqueue/dequeue call' },
    { name: 'burst', type: 'bool', default: false, help: 'burst calls of random size 1..bulk instead of bulk' },
    { name: 'refusals', type: 'choice', default: 'in-flight', choices: REFUSALS, help: "--check linearizable: a refusal (full, empty, short burst) judged strictly, or with other actors' in-flight objects counted" },
    { name: 'producers', type: 'int', default: 0, min: 0, max: 63, help: 'producer actors (0: half the workers)' },
    { name: 'api', type: 'choice', default: 'copy', choices: APIS, help: 'copy: enqueue/dequeue; peek: the _start/_finish pairs; zc: zero-copy through the slots (peek and zc need SP/SC or MT_HTS)' },
  ],
  variants: [
    { name: 'correct', summary: 'DPDK as shipped' },
    {
      name: 'no-tail-wait',
      summary: 'MP/MC publish their tail without waiting for earlier threads of their side to finish',
      // Three producers and three consumers: a side's early tail needs two of its threads
      // between reserve and publish at once, which two per side on two loaded cores seldom are
      // (16/20 runs caught with 4 workers, 20/20 with 6; docs/testing.md). The explorer keeps
      // four actors: it controls every interleaving, so more actors only widen its search.
      defaults: { workers: 6 },
      explore: { workers: 4 },
      cannotShow: [
        {
          flag: '--variant', when: (p) => p.prod !== 'MP' && p.cons !== 'MC', why: () => 'no-tail-wait breaks the MP/MC tail update only',
          allowed: 'no-tail-wait with --prod MP or --cons MC', example: { prod: 'SP', cons: 'SC', workers: 2 },
        },
        // The race is between two threads of one side: one producer and one consumer cannot show it.
        {
          flag: '--workers',
          when: (p) => {
            const { producers, consumers } = split(p);
            return (p.prod !== 'MP' || producers < 2) && (p.cons !== 'MC' || consumers < 2);
          },
          why: (p) => `no-tail-wait races two threads of one side on its tail, but ${split(p).producers} producer(s) and ${split(p).consumers} consumer(s) cannot race`,
          allowed: 'two or more producers with --prod MP or two or more consumers with --cons MC (--workers 3 or more)',
          example: { workers: 2 },
        },
      ],
    },
    { name: 'reorder', summary: 'dequeue copies its slots last-first: nothing lost or doubled, FIFO broken (only --check linearizable sees it)', check: 'linearizable' },
    {
      name: 'plain-tail',
      summary: 'the tail is published with a plain store: right under SC and TSO; with --prod SP, torn under --memory relaxed',
      blind: 'x86 keeps two stores in order (TSO), so the tail never passes its slots here; explore it: npx memrace explore ring-stress --variant plain-tail --prod SP --cons SC --workers 2 --memory relaxed --count 8 --bulk 2 --seed 5',
      // The blind line's search, as explore's own settings for the variant.
      explore: { prod: 'SP', cons: 'SC', workers: 2, memory: 'relaxed', count: 8, bulk: 2, seed: 5 },
    },
    {
      name: 'finish-unreserved',
      summary: "--api peek|zc: finish(0) after a start that reserved nothing (as test_ring_mt_peek_stress's helpers do); on an HTS side it releases another thread's reservation",
      defaults: { api: 'zc', prod: 'MT_HTS', cons: 'MT_HTS', burst: true, count: 16, bulk: 4 },
      cannotShow: [{
        flag: '--variant', when: (p) => p.api === 'copy', why: () => 'finish-unreserved breaks the peek and zero-copy finish only',
        allowed: 'finish-unreserved with --api peek or zc', example: { api: 'copy' },
      }],
    },
  ],
  outcomes: [
    { id: 'ok', grade: 'ACCEPTABLE', description: 'object dequeued once, slot fully written' },
    { id: 'short-burst', grade: 'ACCEPTABLE_INTERESTING', description: 'a burst moved fewer objects than asked' },
    { id: 'refused', grade: 'ACCEPTABLE', description: 'a bulk call moved nothing (all or nothing)' },
    { id: 'duplicate', grade: 'FORBIDDEN', description: 'dequeued an object that was not in the ring: handed out twice or read from an unwritten slot' },
    { id: 'torn', grade: 'FORBIDDEN', description: "slot's checksum does not match its object's generation: read before its producer finished" },
    { id: 'lost', grade: 'FORBIDDEN', description: 'object marked in the ring but not in its contents at the end' },
  ],
  counters: ['enqueued', 'dequeued', 'full', 'empty'],
  opNames: ['start', 'collect', 'enqueue', 'dequeue', 'verify', 'drain-wait'],
  validate(p) {
    const flags = ringFlags(p.prod, p.cons, p.exact);
    Ring.checkCount(p.count, flags, '--count', 8);
    const cap = capacityOf(p);
    if (p.bulk > cap) throw new ConfigError('--bulk', `${p.bulk} is larger than the ring's capacity ${cap}`, `1 to ${cap}`);
    if (p.api !== 'copy' && (!['SP', 'MT_HTS'].includes(p.prod) || !['SC', 'MT_HTS'].includes(p.cons))) {
      throw new ConfigError('--api', `${p.api} needs a single or HTS producer and consumer, not --prod ${p.prod} --cons ${p.cons}`, '--prod SP|MT_HTS with --cons SC|MT_HTS (rte_ring_peek.h), or --api copy');
    }
    if (p.workers < 2) throw new ConfigError('--workers', `${p.workers} cannot hold a producer and a consumer`, '2 to 64');
    const { producers, consumers } = split(p);
    if (consumers < 1) throw new ConfigError('--producers', `${producers} producers leave no consumer among ${p.workers} workers`, `1 to ${p.workers - 1}`);
    if (p.cons === 'SC' && consumers !== 1) {
      throw new ConfigError('--workers', `an SC ring has one consumer, but ${p.workers} workers leave ${consumers}`, `${producers + 1} with ${producers} producer(s), or --cons MC`);
    }
  },
  imageBytes(p) {
    const { producers, consumers } = split(p);
    const objects = capacityOf(p) + (producers + consumers) * p.bulk * 2;
    return Ring.memsize(p.count, ringFlags(p.prod, p.cons, p.exact), 8) + objects * 8 + 4096;
  },
  actors(p) {
    const { producers, consumers } = split(p);
    return [...Array<string>(producers).fill('producer'), ...Array<string>(consumers).fill('consumer')];
  },
  setup(arena, mem, p, roles) {
    const producers = roles.filter((r) => r === 'producer').length;
    const consumers = roles.length - producers;
    let objects = capacityOf(p) + (producers + consumers) * p.bulk * 2;
    objects = Math.ceil(objects / producers) * producers;
    const ring = Ring.create(arena, mem, 'stress', p.count, ringFlags(p.prod, p.cons, p.exact), {
      esize: 8,
      variant: VARIANTS[p.variant],
    });
    return {
      ring: ring.ref,
      ringWords: Ring.memsize(p.count, ringFlags(p.prod, p.cons, p.exact), 8) / 4,
      owner: arena.allocWords('ring-stress.owner', objects),
      gen: arena.allocWords('ring-stress.gen', objects),
      objects,
      producers,
      prodDone: arena.allocWords('ring-stress.prodDone', 1),
    };
  },
  roles: { producer, consumer },
  history: { spec: (p) => ringSpec(capacityOf(p), p.refusals) },
  wordName(s, word) {
    const off = word - s.ring.base;
    if (off >= 0 && off < s.ringWords) return `ring.${ringField(off)}`;
    if (word >= s.owner && word < s.owner + s.objects) return `object[${word - s.owner}].owner`;
    if (word >= s.gen && word < s.gen + s.objects) return `object[${word - s.gen}].gen`;
    return word === s.prodDone ? 'producers-done' : undefined;
  },
  check({ mem, state: s, counter, roles }) {
    const ring = new Ring(mem, s.ring);
    const exactly: Violation[] = [];
    const seen = new Uint8Array(s.objects);
    const used = ring.count();
    const tail = ring.cons.tail();
    let lost = 0;
    for (let i = 0; i < used; i++) {
      const slot = ring.slots + ((tail + i) & ring.mask) * 2;
      const id = mem.load(slot);
      if (id < 0 || id >= s.objects) {
        exactly.push({ message: `slot holds id ${id}, not an object`, where: `ring slot ${(tail + i) & ring.mask}` });
        continue;
      }
      if (seen[id]++) exactly.push({ message: `object ${id} sits in the ring twice`, where: `ring slot ${(tail + i) & ring.mask}` });
    }
    let inRing = 0;
    for (let id = 0; id < s.objects; id++) {
      const st = mem.load(s.owner + id);
      if (st === IN_RING) {
        inRing++;
        if (!seen[id]) {
          lost++;
          if (lost <= 10) exactly.push({ message: `object ${id} is marked in the ring but the ring does not hold it`, where: `object ${id}` });
        }
      } else if (st >= HELD) {
        exactly.push({ message: `object ${id} is still held by actor ${st - HELD} after every actor returned`, where: `object ${id}` });
      } else if (seen[id]) {
        exactly.push({ message: `object ${id} is in the ring but marked free`, where: `object ${id}` });
      }
    }
    let enq = 0;
    let deq = 0;
    roles.forEach((_, a) => {
      enq += counter(a, 'enqueued');
      deq += counter(a, 'dequeued');
    });
    const conservation: Violation[] = [...ring.audit()];
    if (enq - deq !== used) conservation.push({ message: `enqueued ${enq} - dequeued ${deq} = ${enq - deq}, but the ring counts ${used}` });
    if (inRing !== used) conservation.push({ message: `${inRing} objects are marked in the ring, but it counts ${used}` });
    const oracles: OracleResult[] = [
      { name: 'exactly-once', violations: exactly },
      { name: 'conservation', violations: conservation },
    ];
    return {
      oracles,
      outcomes: { lost },
      notes: [`ring: ${used} of ${ring.capacity} slots in use at the end; ${enq} enqueued, ${deq} dequeued`],
    };
  },
});
