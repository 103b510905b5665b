import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import { parseSize } from '../../lab/params.js';
import { Userland } from '../../kernel/userland.js';
import { SHELL_HELP, shellLine, sysctl } from '../shell-commands.js';

/** The most RAM or swap a simulated machine takes: its page counts stay 32-bit in kB. */
const MAX_BYTES = 2 ** 40;

function pagesOf(flag: string, text: string): number {
  const bytes = parseSize(flag, text);
  if (bytes > MAX_BYTES) throw new ConfigError(flag, `${text} is more than this machine models`, 'up to 1T');
  return Math.floor(bytes / 4096);
}

/** The machine: RAM must hold its tasks' resident pages, or MemFree goes negative. */
function userland(opts: { mem: string; swap: string }): Userland {
  const u = new Userland(pagesOf('--mem', opts.mem), pagesOf('--swap', opts.swap));
  if (u.free < 0) {
    const needMiB = Math.ceil(((u.totalramPages - u.free) * 4096) / 2 ** 20);
    throw new ConfigError('--mem', `${opts.mem} cannot hold the tasks' ${needMiB}M of resident memory`, `${needMiB}M to 1T`);
  }
  return u;
}

/**
 * `memrace shell`: a live session on a simulated machine (its task list, commit
 * accounting and OOM killer), typed at a prompt or piped in. `memrace sysctl` runs one
 * sysctl(8) command on a fresh machine.
 */
export function registerShell(program: Command): void {
  program
    .command('shell')
    .description('a live session as root on a simulated machine: cat/echo /proc files, sysctl, ps, malloc, touch')
    .option('--mem <size>', 'RAM', '128M')
    .option('--swap <size>', 'swap', '0')
    .action(async (opts: { mem: string; swap: string }) => {
      const u = userland(opts);
      const tty = process.stdin.isTTY === true;
      if (tty) process.stdout.write(`memrace shell: ${opts.mem} RAM, ${u.ps().split('\n').length - 2} tasks. 'help' lists the commands.\n`);
      const rl = createInterface({ input: process.stdin, output: tty ? process.stdout : undefined, prompt: 'memrace# ', terminal: tty });
      // Like sh, a piped session exits with the status of its last command.
      let failed = false;
      if (tty) rl.prompt();
      for await (const line of rl) {
        if (line.trim() === 'exit' || line.trim() === 'quit') break;
        if (!tty && line.trim()) process.stdout.write(`memrace# ${line}\n`);
        const r = shellLine(u, line);
        if (r.text) process.stdout.write(r.text + '\n');
        failed = r.rc !== 0;
        if (tty) rl.prompt();
      }
      rl.close();
      if (failed && !tty) process.exitCode = 1;
    })
    .addHelpText('after', `\n${SHELL_HELP}`);

  program
    .command('sysctl')
    .description('read or write vm sysctls on a fresh simulated machine (inside `memrace shell` they persist)')
    .argument('[args...]', 'NAME, -a, or -w NAME=VALUE')
    .option('--mem <size>', 'RAM', '128M')
    .option('--swap <size>', 'swap', '0')
    .allowUnknownOption()
    .action((args: string[], opts: { mem: string; swap: string }, cmd: Command) => {
      const raw = cmd.args.length ? cmd.args : args;
      const r = sysctl(userland(opts), raw);
      process.stdout.write(r.text + '\n');
      if (r.rc) process.exitCode = 2;
    });
}
