#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { MemraceError } from '../errors.js';
import { commands } from './commands/index.js';
import { memraceVersion } from '../lab/det/schedule.js';

/** Exit codes: 0 pass, 1 a run's verdict is fail, 2 bad input, 3 an internal error. */
export const EXIT_FAIL = 1;
export const EXIT_USAGE = 2;

async function main(argv: string[]): Promise<number> {
  const program = new Command('memrace')
    .description('A concurrency lab for memory managers: worker threads race over one shared machine image.')
    .version(memraceVersion(), '-V, --version', 'print the memrace version')
    .exitOverride()
    .showHelpAfterError('(memrace --help lists the commands)');
  for (const register of commands) register(program);
  try {
    await program.parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version') return 0;
      return EXIT_USAGE;
    }
    if (err instanceof MemraceError && (err.code === 'E_CONFIG' || err.code === 'E_UNKNOWN' || err.code === 'E_USAGE' || err.code === 'E_SCHEDULE')) {
      process.stderr.write(`memrace: ${err.message}\n`);
      return EXIT_USAGE;
    }
    if (err instanceof MemraceError) {
      process.stderr.write(`memrace: ${err.message}\n`);
      return EXIT_FAIL;
    }
    process.stderr.write(`memrace: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 3;
  }
}

// `memrace list | head`: the reader went away; stop quietly, as cat(1) does.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(0);
});

main(process.argv).then((code) => {
  process.exitCode = code;
});
