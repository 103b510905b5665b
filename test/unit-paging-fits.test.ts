import { describe, expect, it } from 'vitest';
import { compareFits } from '../src/paging/fits.js';
import { FITS } from '../src/paging/contiguous.js';

/** compareFits' statistics (src/paging/fits.ts) at the streams whose answers are known exactly. */
describe('compareFits', () => {
  it('reports every fit, in FITS order, with zeros (not NaN) for an empty stream', () => {
    const r = compareFits({ memoryUnits: 8, unitBytes: 4, maxRequestBytes: 4, requests: 0, seed: 1 });
    expect(r.map((s) => s.fit)).toEqual([...FITS]);
    for (const s of r) {
      expect(s).toEqual({ fit: s.fit, requests: 0, refused: 0, externalRefusals: 0, avgSearch: 0, utilisation: 0, externalFragmentation: 0, internalFragmentation: 0 });
    }
  });

  it('counts internal fragmentation as the share of the units given that no request asked for', () => {
    // Every request is 1 byte and gets one 4-byte unit: 3 of 4 bytes are waste.
    for (const s of compareFits({ memoryUnits: 1 << 12, unitBytes: 4, maxRequestBytes: 1, requests: 50, seed: 3 })) {
      expect(s.internalFragmentation).toBe(0.75);
      expect(s.refused).toBe(0);
    }
    for (const s of compareFits({ memoryUnits: 1 << 12, unitBytes: 1, maxRequestBytes: 9, requests: 50, seed: 3 })) expect(s.internalFragmentation).toBe(0);
  });

  it('never calls a refusal external when every request is one unit, and keeps utilisation within memory while it churns', () => {
    for (const s of compareFits({ memoryUnits: 4, unitBytes: 8, maxRequestBytes: 8, requests: 400, seed: 5 })) {
      expect(s.refused).toBeGreaterThan(0);
      expect(s.externalRefusals).toBe(0);
      expect(s.utilisation).toBeGreaterThan(0.5);
      expect(s.utilisation).toBeLessThanOrEqual(1);
      expect(s.externalFragmentation).toBeGreaterThanOrEqual(0);
      expect(s.avgSearch).toBeGreaterThan(0);
      expect(s.requests).toBe(400);
    }
  });

  it('calls a refusal external when enough memory is free but in no single hole', () => {
    const r = compareFits({ memoryUnits: 16, unitBytes: 1, maxRequestBytes: 6, requests: 2000, seed: 9 });
    for (const s of r) {
      expect(s.externalRefusals).toBeGreaterThan(0);
      expect(s.externalRefusals).toBeLessThanOrEqual(s.refused);
      expect(s.externalFragmentation).toBeGreaterThan(0);
      expect(s.externalFragmentation).toBeLessThan(1);
    }
  });
});
