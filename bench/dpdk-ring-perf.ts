import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import type { Measurement } from './suite.js';

/**
 * DPDK's own ring_perf_autotest figures, in cycles per object (one enqueue and one dequeue
 * of it), bulk of 32, as issue 19 quotes them for a 2 GHz machine. DPDK publishes no bulk-8
 * figure we could cite, so bulk 8 is shown without an anchor.
 */
export const DPDK_RING_PERF: ReadonlyArray<{ mode: 'SP/SC' | 'MP/MC'; bulk: number; place: 'one thread' | '2 workers'; cycles: number }> = [
  { mode: 'SP/SC', bulk: 32, place: 'one thread', cycles: 3.45 },
  { mode: 'SP/SC', bulk: 32, place: '2 workers', cycles: 12.7 },
  { mode: 'MP/MC', bulk: 32, place: 'one thread', cycles: 4.62 },
  { mode: 'MP/MC', bulk: 32, place: '2 workers', cycles: 20.16 },
];

/** The machine's clock in GHz, from /proc/cpuinfo (os.cpus() reads 0 MHz in some VMs); undefined where unknown. */
export function clockGHz(): number | undefined {
  const fromOs = cpus()[0]?.speed ?? 0;
  if (fromOs > 0) return fromOs / 1000;
  try {
    const m = /^cpu MHz\s*:\s*([\d.]+)/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return m ? Number(m[1]) / 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A note for one memrace ring figure: DPDK's cycles converted to ns at this machine's clock,
 * and how many times slower memrace is; or why there is no anchor.
 */
export function dpdkNote(mode: 'SP/SC' | 'MP/MC', bulk: number, place: 'one thread' | '2 workers', m: Measurement, ghz: number | undefined): string {
  const anchor = DPDK_RING_PERF.find((a) => a.mode === mode && a.bulk === bulk && a.place === place);
  if (!anchor) return 'per object; no published DPDK figure to compare';
  if (ghz === undefined) return `per object; DPDK ${anchor.cycles} cycles (clock unknown: no ns figure)`;
  const dpdkNs = anchor.cycles / ghz;
  return `per object; DPDK ${anchor.cycles} cycles = ${dpdkNs.toFixed(2)} ns at ${ghz.toFixed(2)} GHz: memrace ${(m.nsPerOp / dpdkNs).toFixed(1)}x`;
}
