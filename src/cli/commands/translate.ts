import type { Command } from 'commander';
import { explainTranslation, parseVa } from '../../paging/explain.js';
import { VA_BITS, checkPtKind } from '../../paging/open.js';
import { intOption } from '../int-option.js';

export function registerTranslate(program: Command): void {
  program
    .command('translate')
    .description('walk one virtual address through a page table: the split, each level read, the frame and physical address')
    .requiredOption('--va <address>', 'virtual address, hex (0x00403a7c) or decimal')
    .option('--pt <kind>', 'two-level, four-level, hashed, clustered, inverted', 'two-level')
    .option('--pid <n>', 'process id (the inverted table hashes it with the vpn) [default: 1]')
    .option('--frames <n>', 'frames the booted node manages [default: 64]')
    .option('--unmapped', 'leave the page unmapped: the walk ends in a page fault')
    .action((opts: { va: string; pt: string; pid?: string; frames?: string; unmapped?: boolean }) => {
      const pt = checkPtKind('--pt', opts.pt);
      const frames = intOption('frames', opts.frames, 64, 8, 65536);
      const pid = intOption('pid', opts.pid, 1, 0, 32767);
      const va = parseVa('--va', opts.va, VA_BITS[pt]);
      process.stdout.write(explainTranslation({ pt, va, pid, frames, unmapped: opts.unmapped === true }).join('\n') + '\n');
    });
}
