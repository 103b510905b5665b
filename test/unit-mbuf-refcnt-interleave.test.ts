import { describe, expect, it } from 'vitest';
import { Pktmbuf } from '../src/dpdk/mbuf.js';
import { MBUF_VARIANT_PLAIN_REFCNT, M_OL_FLAGS, M_REFCNT, M_SHINFO, RTE_MBUF_F_EXTERNAL, SH_REFCNT } from '../src/dpdk/mbuf_layout.js';
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
  /** Plain writes to the watched word. */
  writes = 0;
  private fire(i: number): void {
    const h = this.hook;
    if (h && i === this.watched) {
      this.hook = null;
      h();
    }
  }
  override write(i: number, v: number): void {
    if (i === this.watched) this.writes++;
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

/**
 * rte_pktmbuf_prefree_seg (rte_mbuf.h): at refcnt 1 the mbuf is the caller's alone and is
 * freed with no atomic and no store to the count; otherwise one atomic decrement, and the
 * owner that takes it to 0 frees the mbuf and sets the count back to 1 for the next user.
 */
describe('rte_pktmbuf_prefree_seg: the refcnt == 1 fast path and two owners freeing at once', () => {
  it('at refcnt 1: no atomic and no store to the count; the mbuf goes back with refcnt 1', () => {
    const { mine, me, mp } = setup();
    const m = me.alloc(mp);
    mine.watched = m + M_REFCNT;
    me.free(m);
    expect([mine.adds, mine.writes, me.refcnt_read(m), mp.full()]).toEqual([0, 0, 1, true]);
  });

  it('refcnt 2, both owners free, the other one between this owner\'s read and its decrement: one atomic each, the mbuf back once, refcnt 1', () => {
    const { mine, me, other, mp } = setup();
    const m = other.alloc(mp);
    other.refcnt_update(m, 1);
    mine.watched = m + M_REFCNT;
    mine.hook = () => {
      other.free(m);
      expect(mp.full()).toBe(false);
    };
    me.free(m);
    expect(mine.hook).toBeNull();
    expect([mine.adds, me.refcnt_read(m), mp.full()]).toEqual([1, 1, true]);
    expect(mp.audit()).toEqual([]);
  });
});

/**
 * __rte_pktmbuf_pinned_extbuf_decref (rte_mbuf.h): an mbuf of a pinned-buffer pool being
 * freed; at a shared-info count of 1 nothing else holds the buffer (no atomic), otherwise
 * an atomic decrement says whether clones still do.
 */
describe('pinned external buffers: the shared info\'s count when the pinned mbuf is freed', () => {
  function pinned() {
    const arena = Arena.create(3 * Pktmbuf.pool_memsize(8) + (1 << 20));
    const plain = new AtomicsMem(arena.sab);
    const std = Pktmbuf.pool_create(arena, plain, 'std', 8);
    const mz = arena.alloc('memzone:pinned', 8 * 2048);
    const mp = Pktmbuf.pool_create_extbuf(arena, plain, 'pinned', 8, { data_room_size: 2048 }, [{ buf_ptr: mz, buf_iova: mz, buf_len: 8 * 2048, elt_size: 2048 }]);
    const mine = new BeforeStore(arena.sab);
    return { mine, plain, std, mp, me: new Pktmbuf(mine, [std, mp]), other: new Pktmbuf(plain, [std, mp]) };
  }

  it('alone (count 1): no atomic; the mbuf goes back with its flags EXTERNAL only', () => {
    const { mine, me, mp } = pinned();
    const m = me.alloc(mp);
    me.setField(m, M_OL_FLAGS, me.field(m, M_OL_FLAGS) | 1);
    me.free(m);
    expect([mine.adds, mp.full(), me.field(m, M_OL_FLAGS)]).toEqual([0, true, RTE_MBUF_F_EXTERNAL]);
  });

  it('the clone freed between this owner\'s read of 2 and its decrement: the decrement reaches 0, the mbuf goes back, the count is 1 again', () => {
    const { mine, me, other, mp, std } = pinned();
    const m = me.alloc(mp);
    const c = me.clone(m, std);
    const sh = me.field(m, M_SHINFO);
    mine.watched = sh + SH_REFCNT;
    mine.hook = () => other.free(c);
    me.free(m);
    expect(mine.hook).toBeNull();
    expect([mine.adds, me.ext_refcnt_read(sh), mp.full(), std.full()]).toEqual([1, 1, true, true]);
  });

  it('a chain\'s pinned head outlived by its clone: the clone\'s free gives the head back with one segment, no next, flags EXTERNAL', () => {
    const { me, mp, std } = pinned();
    const h = me.alloc(mp);
    const t = me.alloc(mp);
    me.chain(h, t);
    const c = me.clone(h, std);
    me.free(h);
    expect([me.nb_segs(h), me.next(h), mp.in_use_count()]).toEqual([2, t, 2]);
    me.free(c);
    expect([me.nb_segs(h), me.next(h), me.field(h, M_OL_FLAGS), mp.full(), std.full()]).toEqual([1, 0, RTE_MBUF_F_EXTERNAL, true, true]);
  });

  it('the count is 16 bits: at 0xffff the decrement leaves 0xfffe and the mbuf stays out of the pool', () => {
    const { me, mp } = pinned();
    const m = me.alloc(mp);
    const sh = me.field(m, M_SHINFO);
    me.ext_refcnt_set(sh, 0xffff);
    me.free(m);
    expect([me.ext_refcnt_read(sh), mp.in_use_count()]).toEqual([0xfffe, 1]);
  });
});
