import type { Command } from 'commander';
import { scenarios } from '../../scenarios/index.js';

export function registerList(program: Command): void {
  program
    .command('list')
    .description('list the scenarios, one line each, with their variants')
    .action(() => {
      const shown = scenarios.filter((s) => !s.hidden);
      const width = Math.max(...shown.map((s) => s.name.length));
      for (const s of shown) {
        const variants = s.variants.slice(1).map((v) => v.name);
        process.stdout.write(`${s.name.padEnd(width)}  [${s.subsystem}] ${s.summary}${variants.length ? `  (broken: ${variants.join(', ')})` : ''}\n`);
      }
    });
}
