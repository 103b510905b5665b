import { table } from '../../lab/table.js';
import type { Command } from 'commander';
import { runStress } from '../../lab/stress.js';
import { human } from '../../lab/terminal.js';
import { progressBar } from '../progress.js';

/**
 * `npm start`: the default lab session on the built-in machine. A short ring stress in
 * each multi-producer sync mode, then the contention table that compares them.
 */
export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('the default lab session: a short ring stress per sync mode and a contention table')
    .option('--duration <d>', 'per mode', '1s')
    .action(async (opts: { duration: string }) => {
      const rows = table(['ring mode', 'actors', 'objects/s', 'CAS retries', 'spins', 'waits', 'p99', 'verdict']);
      let failed = false;
      for (const [prod, cons] of [['MP', 'MC'], ['MT_RTS', 'MT_RTS'], ['MT_HTS', 'MT_HTS'], ['SP', 'SC']] as const) {
        const bar = progressBar(`${prod}/${cons}`);
        const r = await runStress({
          scenario: 'ring-stress',
          params: { prod, cons, workers: prod === 'SP' ? 2 : 4, duration: opts.duration },
          onProgress: (p) => bar.update(p),
        });
        bar.stop();
        const sum = (k: 'casRetries' | 'spins' | 'waits') => r.perActor.reduce((s, a) => s + a[k], 0);
        rows.push([`${prod}/${cons}`, r.workers, human(r.opsPerSec / 2), human(sum('casRetries')), human(sum('spins')), human(sum('waits')), `${(r.latencyNs.p99 / 1000).toFixed(1)}µs`, r.verdict]);
        failed ||= r.verdict === 'fail';
      }
      process.stdout.write(`ring-stress, every object enqueued and dequeued once, oracles checked after each run\n${rows.toString()}\n`);
      process.stdout.write('next: memrace list, memrace run ring-stress --variant no-tail-wait, memrace bench ring\n');
      if (failed) process.exitCode = 1;
    });
}
