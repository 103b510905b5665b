import { describe, expect, it } from 'vitest';
import { align32pow2 } from '../src/core/bits.js';
import { parseDuration, parseRate, parseSize } from '../src/lab/params.js';

describe('parameter parsing', () => {
  it('reads durations, sizes and rates as people write them', () => {
    expect(parseDuration('d', '500ms')).toBe(500);
    expect(parseDuration('d', '3s')).toBe(3000);
    expect(parseDuration('d', '2')).toBe(2000);
    expect(parseDuration('d', '1.5m')).toBe(90_000);
    expect(parseSize('s', '128M')).toBe(128 << 20);
    expect(parseSize('s', '4KiB')).toBe(4096);
    expect(parseSize('s', '1G')).toBe(1 << 30);
    expect(parseRate('r', '100/s')).toBe(100);
    expect(parseRate('r', '5/ms')).toBe(5000);
    expect(() => parseSize('--mem', 'lots')).toThrow(/--mem: 'lots' is not a size/);
  });

  it('rounds up to powers of two as rte_align32pow2 does', () => {
    expect([1, 2, 3, 1000, 1024, 1025].map(align32pow2)).toEqual([1, 2, 4, 1024, 1024, 2048]);
  });
});
