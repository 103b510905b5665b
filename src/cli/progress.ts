import cliProgress from 'cli-progress';
import type { Progress } from '../lab/stress.js';
import { human } from '../lab/terminal.js';

/** A progress bar on stderr while a run goes; nothing when stderr is not a terminal. */
export function progressBar(label: string): { update(p: Progress): void; stop(): void } {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {percentage}% | {ops} ops | {rate} ops/s | forbidden {forbidden}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(100, 0, { ops: 0, rate: 0, forbidden: 0 });
  return {
    update(p) {
      const pct = p.durationMs > 0 ? Math.min(100, (100 * p.elapsedMs) / p.durationMs) : 0;
      bar.update(pct, { ops: human(p.totalOps), rate: human(p.elapsedMs > 0 ? (p.totalOps * 1000) / p.elapsedMs : 0), forbidden: p.forbidden });
    },
    stop() {
      bar.stop();
    },
  };
}

/** A bar over a count of steps (iterations, sweep runs) on stderr; nothing when stderr is not a terminal. */
export function countBar(label: string, total: number): { update(done: number, note: string): void; stop(): void } {
  if (!process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    { format: `${label} [{bar}] {value}/{total} | {note}`, stream: process.stderr, hideCursor: true, clearOnComplete: true },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { note: '' });
  return {
    update(done, note) {
      bar.update(done, { note });
    },
    stop() {
      bar.stop();
    },
  };
}
