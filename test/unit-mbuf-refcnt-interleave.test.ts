import { describe, expect, it } from 'vitest';
import { Pktmbuf } from '../src/dpdk/mbuf.js';
import { MBUF_VARIANT_PLAIN_REFCNT, M_REFCNT } from '../src/dpdk/mbuf_layout.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

/**
 * rte_mbuf_refcnt_update (lib/mbuf/rte_mbuf.h) in process: at refcnt 1 the caller is the
 * only owner and sets the count plainly; above 1 it is __rte_mbuf_refcnt_update, an
 * atomic add. Another owner's whole update is run just before this owner's store to the
 * count, the interleaving a plain read-modify-write loses.
 */
class BeforeStore extends AtomicsMem {
  watched = -1;
  hook: (() => void) | null = null;
  adds = 0;
  private fire(i: number): void {
    const h = this.hook;
    if (h && i === this.watched) {
      this.hook = null;
      h();
    }
  }
  override write(i: number, v: number): void {
    this.fire(i);
    super.write(i, v);
  }
  override add(i: number, v: number): number {
    this.fire(i);
    this.adds++;
    return super.add(i, v);
  }
}

function setup(variant = 0) {
  const arena = Arena.create(Pktmbuf.pool_memsize(8, { mbuf_variant: variant }) + (1 << 16));
  const plain = new AtomicsMem(arena.sab);
  const mp = Pktmbuf.pool_create(arena, plain, 'mbufs', 8, { mbuf_variant: variant });
  const mine = new BeforeStore(arena.sab);
  return { mine, me: new Pktmbuf(mine, [mp]), other: new Pktmbuf(plain, [mp]), mp };
}

describe('mbuf refcnt: another owner\'s update between this owner\'s read and its store', () => {
  it('two owners: one drops its reference while the other takes one; the count ends at 2', () => {
    const { mine, me, other, mp } = setup();
    const m = other.alloc(mp);
    other.refcnt_update(m, 1);
    mine.watched = m + M_REFCNT;
    mine.hook = () => expect(other.refcnt_update(m, 1)).toBe(3);
    expect(me.refcnt_update(m, -1)).toBe(2);
    expect(mine.hook).toBeNull();
    expect(other.refcnt_read(m)).toBe(2);
  });

  it('the plain-refcnt variant (broken on purpose) loses the other owner\'s update', () => {
    const { mine, me, other, mp } = setup(MBUF_VARIANT_PLAIN_REFCNT);
    const m = other.alloc(mp);
    other.refcnt_update(m, 1);
    mine.watched = m + M_REFCNT;
    mine.hook = () => other.refcnt_update(m, 1);
    me.refcnt_update(m, -1);
    expect(mine.hook).toBeNull();
    expect(other.refcnt_read(m)).toBe(1);
  });

  it('at refcnt 1 the sole owner sets the count with no atomic; above 1 every update is one atomic add', () => {
    const { mine, me, mp } = setup();
    const m = me.alloc(mp);
    expect(me.refcnt_update(m, 1)).toBe(2);
    expect(mine.adds).toBe(0);
    expect(me.refcnt_update(m, 1)).toBe(3);
    expect(me.refcnt_update(m, -2)).toBe(1);
    expect(mine.adds).toBe(2);
  });

  it('the count is 16 bits: 0xffff + 1 wraps to 0, and 1 - 1 is 0', () => {
    const { me, mp } = setup();
    const m = me.alloc(mp);
    me.refcnt_set(m, 0xffff);
    expect(me.refcnt_read(m)).toBe(0xffff);
    expect(me.refcnt_update(m, 1)).toBe(0);
    expect(me.refcnt_read(m)).toBe(0);
    me.refcnt_set(m, 0x10001);
    expect(me.refcnt_read(m)).toBe(1);
    expect(me.refcnt_update(m, -1)).toBe(0);
    me.refcnt_set(m, 1);
    expect(me.refcnt_update(m, 0xffff)).toBe(0);
  });
});
