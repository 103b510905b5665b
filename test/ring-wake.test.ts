import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Ring } from '../src/dpdk/ring.js';
import { type ConsMode, type ProdMode, ringFlags } from '../src/dpdk/ring_layout.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

/**
 * A thread asleep on a ring's tail (an MP/MC producer waiting its turn, an HTS one waiting
 * for the operation in flight, a consumer of an empty ring) is woken by the tail's next
 * publication, not by its fallback timeout, in every sync mode.
 */
function makeRing(prod: ProdMode, cons: ConsMode) {
  const arena = Arena.create(1 << 16);
  const mem = new AtomicsMem(arena.sab);
  return { arena, mem, ring: Ring.create(arena, mem, 'w', 64, ringFlags(prod, cons)) };
}

/** Start a worker that sleeps on word `tail` (flagged in `flag`) for up to 10 s: a missed wake-up reads timed-out. */
function sleeper(sab: SharedArrayBuffer, tail: number, flag: number, seen: number): Promise<string> {
  const url = pathToFileURL(resolve('dist/index.js')).href;
  const code = `
    const { workerData: d, parentPort } = require('node:worker_threads');
    import(d.url).then(({ AtomicsMem }) => {
      parentPort.postMessage(new AtomicsMem(d.sab).waitFlagged(d.tail, d.seen, d.flag, 10000));
    });`;
  return new Promise((res, rej) => {
    const w = new Worker(code, { eval: true, workerData: { url, sab, tail, flag, seen } });
    w.once('message', (v) => {
      res(String(v));
      void w.terminate();
    });
    w.once('error', rej);
  });
}

/**
 * Until the sleeper has raised its flag, and a little longer so that it is most likely in
 * Atomics.wait. Either way it must not time out: woken ('ok'), or it compared the tail
 * after the publication ('not-equal').
 */
async function untilFlagged(mem: AtomicsMem, flag: number): Promise<void> {
  while (mem.load(flag) === 0) await new Promise((r) => setTimeout(r, 5));
  await new Promise((r) => setTimeout(r, 50));
}

const AWAKE = ['ok', 'not-equal'];

afterEach(() => vi.restoreAllMocks());

describe('ring tail wake-ups', () => {
  const modes: Array<[ProdMode, ConsMode]> = [['SP', 'SC'], ['MP', 'MC'], ['MT_RTS', 'MT_RTS'], ['MT_HTS', 'MT_HTS']];
  for (const [prod, cons] of modes) {
    it(`${prod}/${cons}: an enqueue wakes a thread asleep on the producer tail, and the flag is lowered`, async () => {
      const { arena, mem, ring } = makeRing(prod, cons);
      const woke = sleeper(arena.sab, ring.prod.tailWord, ring.prod.sleepFlagWord, mem.load(ring.prod.tailWord));
      await untilFlagged(mem, ring.prod.sleepFlagWord);
      expect(ring.enqueue_bulk(Int32Array.of(1, 2), 2)).toBe(2);
      expect(AWAKE).toContain(await woke);
      expect(mem.load(ring.prod.sleepFlagWord)).toBe(0);
    });
  }

  it('a dequeue wakes a producer asleep on the consumer tail (a full ring)', async () => {
    const { arena, mem, ring } = makeRing('MP', 'MC');
    ring.enqueue_burst(new Int32Array(63), 63);
    const woke = sleeper(arena.sab, ring.cons.tailWord, ring.cons.sleepFlagWord, mem.load(ring.cons.tailWord));
    await untilFlagged(mem, ring.cons.sleepFlagWord);
    expect(ring.dequeue_bulk(new Int32Array(1), 1)).toBe(1);
    expect(AWAKE).toContain(await woke);
  });

  it('an SP zero-copy finish wakes the sleeper too', async () => {
    const { arena, mem, ring } = makeRing('SP', 'SC');
    const woke = sleeper(arena.sab, ring.prod.tailWord, ring.prod.sleepFlagWord, mem.load(ring.prod.tailWord));
    await untilFlagged(mem, ring.prod.sleepFlagWord);
    expect(ring.enqueue_bulk_start(1)).toBe(1);
    ring.enqueue_finish(Int32Array.of(9), 1);
    expect(AWAKE).toContain(await woke);
  });

  it('publishing with nobody asleep calls no Atomics.notify; a raised flag, one notify for the sleep, not one per publication', () => {
    const { mem, ring } = makeRing('MP', 'MC');
    const notify = vi.spyOn(Atomics, 'notify');
    ring.enqueue_bulk(Int32Array.of(1), 1);
    ring.dequeue_bulk(new Int32Array(1), 1);
    expect(notify).not.toHaveBeenCalled();
    mem.store(ring.prod.sleepFlagWord, 1);
    ring.enqueue_bulk(Int32Array.of(1), 1);
    ring.enqueue_bulk(Int32Array.of(2), 1);
    expect(notify).toHaveBeenCalledTimes(1);
    expect(notify.mock.calls[0][1]).toBe(ring.prod.tailWord);
    expect(mem.load(ring.prod.sleepFlagWord)).toBe(0);
  });
});
