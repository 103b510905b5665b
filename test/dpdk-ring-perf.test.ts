import { describe, expect, it } from 'vitest';
import { DPDK_RING_PERF, dpdkNote } from '../bench/dpdk-ring-perf.js';
import { measurement } from '../bench/suite.js';

describe('the DPDK ring_perf_autotest anchor', () => {
  it('holds the four bulk-32 figures issue 19 quotes', () => {
    expect(DPDK_RING_PERF.map((a) => `${a.mode} ${a.place} ${a.cycles}`)).toEqual([
      'SP/SC one thread 3.45', 'SP/SC 2 workers 12.7', 'MP/MC one thread 4.62', 'MP/MC 2 workers 20.16',
    ]);
  });

  it('converts cycles to ns at the given clock and states how many times slower memrace is', () => {
    // 4.62 cycles at 2 GHz = 2.31 ns; 6.93 ns measured is 3.0x.
    const m = measurement('x', 1000, 6.93e-3);
    expect(dpdkNote('MP/MC', 32, 'one thread', m, 2)).toBe('per object; DPDK 4.62 cycles = 2.31 ns at 2.00 GHz: memrace 3.0x');
  });

  it('says so where there is no anchor or no clock', () => {
    const m = measurement('x', 1000, 1);
    expect(dpdkNote('SP/SC', 8, 'one thread', m, 2)).toBe('per object; no published DPDK figure to compare');
    expect(dpdkNote('SP/SC', 32, '2 workers', m, undefined)).toBe('per object; DPDK 12.7 cycles (clock unknown: no ns figure)');
  });
});
