import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import { explainTranslation, parseVa } from '../../paging/explain.js';
import { VA_BITS, checkPtKind } from '../../paging/open.js';

export function registerTranslate(program: Command): void {
  program
    .command('translate')
    .description('walk one virtual address through a page table: the split, each level read, the frame and physical address')
    .requiredOption('--va <address>', 'virtual address, hex (0x00403a7c) or decimal')
    .option('--pt <kind>', 'two-level, four-level, hashed, clustered, inverted', 'two-level')
    .option('--pid <n>', 'process id (the inverted table hashes it with the vpn)', '1')
    .option('--frames <n>', 'physical frames in the image', '64')
    .option('--unmapped', 'leave the page unmapped: the walk ends in a page fault')
    .action((opts: { va: string; pt: string; pid: string; frames: string; unmapped?: boolean }) => {
      const pt = checkPtKind('--pt', opts.pt);
      const frames = Number(opts.frames);
      if (!Number.isInteger(frames) || frames < 8 || frames > 65536) throw new ConfigError('--frames', `'${opts.frames}' is not a frame count`, '8 to 65536');
      const pid = Number(opts.pid);
      if (!Number.isInteger(pid) || pid < 0 || pid > 32767) throw new ConfigError('--pid', `'${opts.pid}' is not a pid`, '0 to 32767');
      const va = parseVa('--va', opts.va, VA_BITS[pt]);
      process.stdout.write(explainTranslation({ pt, va, pid, frames, unmapped: opts.unmapped === true }).join('\n') + '\n');
    });
}
