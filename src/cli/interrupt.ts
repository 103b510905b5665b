/** Show the cursor and turn line wrap back on: what a progress bar turned off. */
export const RESTORE_TERMINAL = '\x1b[?25h\x1b[?7h';

/** Exit status of a command ended by SIGINT, as shells report it (128 + 2). */
export const EXIT_INTERRUPTED = 130;

export interface Interrupt {
  /** Aborted at the first SIGINT or SIGTERM. */
  readonly signal: AbortSignal;
  /** Removes the handlers: a later signal does what it does by default. */
  dispose(): void;
}

/**
 * Ctrl-C while a command works: the first SIGINT (or SIGTERM) aborts `signal`, so the command
 * stops its actors, checks and reports what completed; a second one restores the terminal
 * and exits at once.
 */
export function onInterrupt(what: string): Interrupt {
  const ac = new AbortController();
  const handler = (sig: NodeJS.Signals) => {
    if (ac.signal.aborted) {
      if (process.stderr.isTTY) process.stderr.write(RESTORE_TERMINAL);
      process.stderr.write(`\nmemrace: ${sig} again: exiting without a report\n`);
      process.exit(EXIT_INTERRUPTED);
    }
    process.stderr.write(`\nmemrace: ${sig}: stopping ${what}, then checking and reporting what completed (again to exit at once)\n`);
    ac.abort();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: ac.signal,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
