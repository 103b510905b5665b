import { afterEach, describe, expect, it, vi } from 'vitest';
import { VmBarrier } from '../src/ruby/barrier.js';
import { AtomicsMem } from '../src/shm/mem.js';

const REQUEST = 0;
const PARKED = 1;
const ACTIVE = 2;

/** A Mem on which each wait is a point where the other threads act: `onWait` plays them, in one thread. */
class Scripted extends AtomicsMem {
  waits: number[] = [];
  onWait: (word: number, looks: number) => void = () => {};
  override wait(i: number, expected: number, _timeoutMs: number): 'ok' | 'not-equal' | 'timed-out' {
    this.waits.push(i);
    this.onWait(i, this.waits.length);
    return this.load(i) === expected ? 'timed-out' : 'not-equal';
  }
}

function barrier(active: number) {
  const mem = new Scripted(new SharedArrayBuffer(64));
  mem.store(ACTIVE, active);
  return { mem, b: new VmBarrier(mem, { request: REQUEST, parked: PARKED, active: ACTIVE }) };
}

describe('the VM barrier (rb_vm_barrier)', () => {
  it('stops at once when no guild is active: no wait, the request word odd until restart', () => {
    const { mem, b } = barrier(0);
    expect(b.stopTheWorld()).toBe(true);
    expect(mem.waits).toEqual([]);
    expect(mem.load(REQUEST)).toBe(1);
    expect(b.stops).toBe(1);
    b.restart();
    expect(mem.load(REQUEST)).toBe(2);
  });

  it('waits on the parked word until every active guild has parked', () => {
    const { mem, b } = barrier(2);
    mem.onWait = (word, looks) => {
      expect(word).toBe(PARKED);
      if (looks <= 2) mem.add(PARKED, 1); // one guild reaches its safepoint per look
    };
    expect(b.stopTheWorld()).toBe(true);
    expect(mem.waits).toEqual([PARKED, PARKED]);
    expect(b.stops).toBe(1);
  });

  it('gives up after its looks when a guild never parks, counted in looks, and lets the others go', () => {
    const { mem, b } = barrier(2);
    let parkedOnce = false;
    mem.onWait = () => {
      if (!parkedOnce) mem.add(PARKED, 1); // one guild parks; the other (dead) never does
      else if (mem.load(REQUEST) % 2 === 0) mem.sub(PARKED, 1); // released: it leaves the park
      parkedOnce = true;
    };
    expect(b.stopTheWorld(3)).toBe(false);
    // three looks that wait, then restart waits for the parked guild to leave
    expect(mem.waits).toEqual([PARKED, PARKED, PARKED, PARKED]);
    expect(mem.load(REQUEST)).toBe(2);
    expect(mem.load(PARKED)).toBe(0);
    expect(b.stops).toBe(0);
  });

  it('a safepoint with no stop requested parks nobody and waits for nothing', () => {
    const { mem, b } = barrier(1);
    b.safepoint();
    expect(mem.load(PARKED)).toBe(0);
    expect(mem.waits).toEqual([]);
  });

  it('a guild at a safepoint parks until the collector restarts, then leaves the park', () => {
    const { mem, b } = barrier(1);
    mem.add(REQUEST, 1); // a collector has asked
    mem.onWait = (word, looks) => {
      expect(word).toBe(REQUEST);
      expect(mem.load(PARKED)).toBe(1);
      if (looks === 3) mem.add(REQUEST, 1); // the collector lets go
    };
    b.safepoint();
    expect(mem.waits).toEqual([REQUEST, REQUEST, REQUEST]);
    expect(mem.load(PARKED)).toBe(0);
  });

  it('a guild that leaves for good is no longer waited for', () => {
    const { mem, b } = barrier(2);
    b.leave();
    expect(mem.load(ACTIVE)).toBe(1);
    mem.onWait = () => mem.add(PARKED, 1);
    expect(b.stopTheWorld(5)).toBe(true);
    expect(mem.waits).toEqual([PARKED]);
  });

  describe('the collector\'s accounting', () => {
    afterEach(() => vi.restoreAllMocks());

    it('waitMs adds each stop\'s time from its request to the last guild parked; a stop given up adds nothing', () => {
      const { mem, b } = barrier(1);
      const now = vi.spyOn(performance, 'now');
      now.mockReturnValueOnce(100).mockReturnValueOnce(130);
      mem.onWait = () => mem.add(PARKED, 1);
      expect(b.stopTheWorld()).toBe(true);
      expect([b.stops, b.waitMs]).toEqual([1, 30]);
      // The guild leaves the park before the restart looks.
      mem.store(PARKED, 0);
      b.restart();
      now.mockReturnValueOnce(200).mockReturnValueOnce(205);
      expect(b.stopTheWorld()).toBe(true);
      expect([b.stops, b.waitMs]).toEqual([2, 35]);
      mem.store(PARKED, 0);
      b.restart();
      now.mockReturnValue(1000);
      mem.onWait = () => {};
      expect(b.stopTheWorld(2)).toBe(false);
      expect([b.stops, b.waitMs]).toEqual([2, 35]);
    });

    it('restart moves the request on to even and waits only while a guild is still in the park', () => {
      const { mem, b } = barrier(1);
      mem.add(REQUEST, 1);
      mem.store(PARKED, 2);
      mem.onWait = () => mem.sub(PARKED, 1);
      b.restart();
      expect(mem.load(REQUEST)).toBe(2);
      expect(mem.waits).toEqual([PARKED, PARKED]);
      expect(mem.load(PARKED)).toBe(0);
    });

    it('gives up after exactly maxLooks waits (0: at once, with no wait)', () => {
      const { mem, b } = barrier(1);
      expect(b.stopTheWorld(0)).toBe(false);
      expect(mem.waits).toEqual([]);
      expect(mem.load(REQUEST)).toBe(2);
      expect(b.stopTheWorld(1)).toBe(false);
      expect(mem.waits).toEqual([PARKED]);
      expect(mem.load(REQUEST)).toBe(4);
    });
  });
});
