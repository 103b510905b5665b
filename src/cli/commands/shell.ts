import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { ConfigError } from '../../errors.js';
import { parseSize } from '../../lab/params.js';
import { intOption } from '../int-option.js';
import { PAGE_SIZE } from '../../kernel/mmzone.js';
import { DEFAULT_TASKS, Userland } from '../../kernel/userland.js';
import { SHELL_HELP, shellLine, sysctl } from '../shell-commands.js';

/** The most RAM or swap a simulated machine takes. */
const MAX_BYTES = 2 ** 40;

/** Pages of a size option, of any magnitude up to 1T (by division, never a 32-bit shift). */
function pagesOf(flag: string, text: string): number {
  const bytes = parseSize(flag, text);
  if (bytes > MAX_BYTES) throw new ConfigError(flag, `${text} is more than this machine models`, 'up to 1T');
  return Math.floor(bytes / PAGE_SIZE);
}

/** The simulated machine: its RAM must hold the default tasks' resident pages and 4M free. */
function userland(opts: { mem: string; swap: string; nodes?: string }): Userland {
  const ram = pagesOf('--mem', opts.mem);
  const used = DEFAULT_TASKS.reduce((s, t) => s + (t.rssAnon ?? 0) + (t.rssFile ?? 0) + (t.rssShmem ?? 0), 0);
  const atLeast = Math.ceil(((used + 1024) * PAGE_SIZE) / 2 ** 20);
  if (ram <= used + 1024) throw new ConfigError('--mem', `${opts.mem} cannot hold the default tasks' ${used} resident pages and 4M free`, `${atLeast}M to 1T`);
  return new Userland(ram, pagesOf('--swap', opts.swap), DEFAULT_TASKS, intOption('nodes', opts.nodes, 1, 1, 8));
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
    .option('--nodes <n>', 'NUMA nodes the RAM is split over (cpusets and memory policies constrain to them)', '1')
    .action(async (opts: { mem: string; swap: string; nodes: string }) => {
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
