import { describe, expect, it } from 'vitest';
import { ZONE_NORMAL } from '../src/kernel/mmzone.js';
import { SpinLock } from '../src/shm/spinlock.js';
import { MiB, bootTest } from './kernel-helpers.js';

/**
 * spin_lock(&zone->lock) on its word: the CPU that holds it is in the word (the watchdog and
 * the lock statistics read it), unlock frees it; the no-zone-lock variant (`zoneLock` off)
 * neither takes nor frees it, whatever the word holds.
 */
function zoneOf(zoneLock: boolean) {
  const { kernel } = bootTest({ mem: 16 * MiB, dmaLimit: 0, zoneLock });
  const zone = kernel.zones[ZONE_NORMAL];
  return { mem: kernel.mem, zone, holder: () => SpinLock.holder(kernel.mem, zone.lockWord) };
}

describe('the zone lock', () => {
  it('holds the locking CPU in its word until unlock, and counts the acquisition', () => {
    const { zone, holder } = zoneOf(true);
    const before = zone.lockStats.acquisitions;
    zone.lock(3);
    expect([holder(), zone.lockStats.acquisitions - before]).toEqual([3, 1]);
    zone.unlock();
    expect(holder()).toBe(-1);
  });

  it('the no-zone-lock variant takes nothing and frees nothing', () => {
    const { mem, zone, holder } = zoneOf(false);
    zone.lock(3);
    expect([holder(), zone.lockStats.acquisitions]).toEqual([-1, 0]);
    mem.store(zone.lockWord, 5);
    zone.unlock();
    expect(mem.load(zone.lockWord)).toBe(5);
  });
});
