import { describe, expect, it } from 'vitest';
import { EEXIST, EINVAL, ENAMETOOLONG } from '../src/errors.js';
import { RteError, orNegErrno, orNull, rte_errno, set_rte_errno } from '../src/dpdk/rte_errno.js';
import {
  RTE_MEMPOOL_NAMESIZE, RTE_RING_NAMESIZE, TAILQ_HEAD_BYTES, TAILQ_MEMPOOL, TAILQ_RING, TQ_WORDS, Tailq, checkName, regionTag,
} from '../src/dpdk/tailq.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

/**
 * The EAL's named object lists (lib/eal/common/eal_common_tailqs.c, rte_ring_tailq and
 * rte_mempool_tailq; TAILQ_INSERT_TAIL, TAILQ_REMOVE, the lookups of rte_ring_lookup and
 * rte_mempool_lookup) and rte_errno's C-style wrappers, on entries carved by hand.
 */
function setup() {
  const arena = Arena.create(1 << 16);
  const mem = new AtomicsMem(arena.sab);
  const tq = Tailq.of(arena, mem);
  const entry = (name: string) => arena.allocWords(`entry:${name}`, TQ_WORDS);
  return { arena, mem, tq, entry };
}

const names = (tq: Tailq, kind: number) => tq.entries(kind).map((e) => e.name);

describe('Tailq', () => {
  it('the list heads are one line named eal:tailq, carved once; a worker finds it, or null before anything was carved', () => {
    const arena = Arena.create(1 << 16);
    const mem = new AtomicsMem(arena.sab);
    expect(Tailq.find(arena, mem)).toBeNull();
    const tq = Tailq.of(arena, mem);
    expect(arena.region('eal:tailq').bytes).toBe(TAILQ_HEAD_BYTES);
    expect([Tailq.of(arena, mem).head, Tailq.find(arena, mem)!.head, Tailq.at(mem, tq.head).head]).toEqual([tq.head, tq.head, tq.head]);
  });

  it('TAILQ_INSERT_TAIL: creation order; the ring and mempool lists are separate', () => {
    const { tq, entry } = setup();
    for (const n of ['a', 'b', 'c']) tq.insert(TAILQ_RING, entry(n), n);
    tq.insert(TAILQ_MEMPOOL, entry('p'), 'p');
    expect([names(tq, TAILQ_RING), names(tq, TAILQ_MEMPOOL)]).toEqual([['a', 'b', 'c'], ['p']]);
    expect([tq.lookup(TAILQ_MEMPOOL, 'a'), tq.lookup(TAILQ_RING, 'p')]).toEqual([0, 0]);
    // Every list operation took the lock and gave it back.
    expect(tq.lookup(TAILQ_MEMPOOL, 'p')).not.toBe(0);
  });

  it('a lookup matches the whole name: "ab" is neither "abc" nor "a"', () => {
    const { tq, entry } = setup();
    const e = entry('ab');
    tq.insert(TAILQ_RING, e, 'ab');
    expect([tq.lookup(TAILQ_RING, 'ab'), tq.lookup(TAILQ_RING, 'abc'), tq.lookup(TAILQ_RING, 'a')]).toEqual([e, 0, 0]);
  });

  it('a taken name is EEXIST for assertFree and for insert, which then inserts nothing', () => {
    const { tq, entry } = setup();
    tq.insert(TAILQ_MEMPOOL, entry('x'), 'x');
    expect(() => tq.assertFree(TAILQ_MEMPOOL, 'x')).toThrow("name: a mempool named 'x' already exists (allowed: a name not in use on this machine)");
    expect(() => tq.insert(TAILQ_MEMPOOL, entry('x2'), 'x')).toThrow(expect.objectContaining({ errno: EEXIST, message: "name: a mempool named 'x' already exists (allowed: a name not in use on this machine)" }));
    expect(() => tq.assertFree(TAILQ_RING, 'x')).not.toThrow();
    expect(names(tq, TAILQ_MEMPOOL)).toEqual(['x']);
  });

  it('TAILQ_REMOVE: true once, false after; the others keep their order; the entry can take a shorter name again', () => {
    const { tq, entry } = setup();
    const [a, b, c] = [entry('a'), entry('b'), entry('c')];
    tq.insert(TAILQ_RING, a, 'abcdefgh');
    tq.insert(TAILQ_RING, b, 'b');
    tq.insert(TAILQ_RING, c, 'c');
    expect([tq.remove(TAILQ_MEMPOOL, b), tq.remove(TAILQ_RING, b), tq.remove(TAILQ_RING, b)]).toEqual([false, true, false]);
    expect(names(tq, TAILQ_RING)).toEqual(['abcdefgh', 'c']);
    expect(tq.remove(TAILQ_RING, a)).toBe(true);
    tq.insert(TAILQ_RING, a, 'ab');
    expect(tq.entries(TAILQ_RING)).toEqual([{ entry: c, name: 'c' }, { entry: a, name: 'ab' }]);
    expect(tq.lookup(TAILQ_RING, 'abcdefgh')).toBe(0);
  });

  it('names: 1 to RTE_RING_NAMESIZE - 1 (28) bytes for a ring, RTE_MEMPOOL_NAMESIZE - 1 (25) for a mempool; else ENAMETOOLONG', () => {
    expect([RTE_RING_NAMESIZE, RTE_MEMPOOL_NAMESIZE]).toEqual([29, 26]);
    expect([...checkName('r'.repeat(28), RTE_RING_NAMESIZE, 'ring')]).toHaveLength(28);
    expect(() => checkName('r'.repeat(29), RTE_RING_NAMESIZE, 'ring')).toThrow("name: ring name 'rrrrrrrrrrrrrrrrrrrrrrrrrrrrr' has 29 bytes (allowed: 1 to 28 bytes (RTE_RING_NAMESIZE 29 with the NUL))");
    expect(() => checkName('m'.repeat(26), RTE_MEMPOOL_NAMESIZE, 'mempool')).toThrow('has 26 bytes (allowed: 1 to 25 bytes (RTE_MEMPOOL_NAMESIZE 26 with the NUL))');
    expect(() => checkName('', RTE_MEMPOOL_NAMESIZE, 'mempool')).toThrow(expect.objectContaining({ errno: ENAMETOOLONG }));
  });

  it('regionTag: the prefix while free, then prefix#2, prefix#3', () => {
    const { arena } = setup();
    expect(regionTag(arena, 'ring:x')).toBe('ring:x');
    arena.alloc('ring:x', 64);
    expect(regionTag(arena, 'ring:x')).toBe('ring:x#2');
    arena.alloc('ring:x#2', 64);
    expect(regionTag(arena, 'ring:x')).toBe('ring:x#3');
  });
});

describe('rte_errno and the C-style wrappers', () => {
  it('orNull: the result, or null with rte_errno set from an RteError; any other error goes on', () => {
    set_rte_errno(0);
    expect(orNull(() => 5)).toBe(5);
    expect(rte_errno()).toBe(0);
    expect(orNull(() => { throw new RteError(EINVAL, 'f', 'p', 'a'); })).toBeNull();
    expect(rte_errno()).toBe(EINVAL);
    expect(() => orNull(() => { throw new Error('boom'); })).toThrow('boom');
  });

  it('orNegErrno: the result, or -errno from an RteError; any other error goes on', () => {
    expect(orNegErrno(() => 3)).toBe(3);
    expect(orNegErrno(() => { throw new RteError(EEXIST, 'f', 'p', 'a'); })).toBe(-EEXIST);
    expect(() => orNegErrno(() => { throw new Error('boom'); })).toThrow('boom');
  });
});
