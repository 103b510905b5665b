import { parseSize } from '../lab/params.js';
import { VM_SYSCTLS } from '../kernel/overcommit.js';
import type { FileResult, Userland } from '../kernel/userland.js';

export const SHELL_HELP = `commands (as root on the simulated machine):
  cat PATH                      /proc/PID/{oom_score,oom_score_adj,oom_adj,status}, /proc/meminfo, /proc/sys/vm/*
  echo VALUE > PATH             write a /proc or /proc/sys/vm file
  sysctl NAME | -a              read vm sysctls
  sysctl -w NAME=VALUE          write one
  ps                            the task table, as oom_dump_tasks prints it
  malloc PID SIZE               map SIZE of private writable memory (overcommit accounting decides)
  touch PID SIZE                fault SIZE in; when RAM runs out, the OOM killer runs and logs
  help, exit`;

/** Run one shell line against the userland; returns what to print and whether it failed. */
export function shellLine(u: Userland, line: string): FileResult {
  const words = line.trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { rc: 0, text: '' };
  const [cmd, ...args] = words;
  switch (cmd) {
    case 'help':
      return { rc: 0, text: SHELL_HELP };
    case 'cat':
      return joined(args.map((p) => u.read(p)));
    case 'echo': {
      const m = /^echo\s+(.*?)\s*>\s*(\S+)$/.exec(line.trim());
      if (!m) return { rc: -22, text: 'usage: echo VALUE > PATH' };
      return u.write(m[2], m[1].replace(/^["']|["']$/g, ''));
    }
    case 'sysctl':
      return sysctl(u, args);
    case 'ps':
      return { rc: 0, text: u.ps() };
    case 'malloc':
    case 'touch': {
      if (args.length !== 2 || !/^\d+$/.test(args[0])) return { rc: -22, text: `usage: ${cmd} PID SIZE` };
      const bytes = sizeArg(args[1]);
      if (bytes < 0) return { rc: -22, text: `${cmd}: '${args[1]}' is not a size (4096, 64K, 128M, 1G)` };
      return cmd === 'malloc' ? u.malloc(Number(args[0]), bytes) : u.touch(Number(args[0]), bytes);
    }
    default:
      return { rc: -22, text: `${cmd}: command not found (try help)` };
  }
}

/** A SIZE argument in bytes, or -1: a typo at the prompt is an error line, never the end of the session. */
function sizeArg(text: string): number {
  try {
    return parseSize('SIZE', text);
  } catch {
    return -1;
  }
}

/** sysctl(8): NAME..., -a, -w NAME=VALUE... */
export function sysctl(u: Userland, args: string[]): FileResult {
  if (args[0] === '-a' || args.length === 0) return joined(Object.keys(VM_SYSCTLS).map((k) => u.sysctlRead(k)));
  if (args[0] === '-w') {
    return joined(args.slice(1).map((a) => {
      const eq = a.indexOf('=');
      return eq < 0 ? { rc: -22, text: `sysctl: "${a}" must be of the form name=value` } : u.sysctlWrite(a.slice(0, eq), a.slice(eq + 1));
    }));
  }
  return joined(args.map((a) => u.sysctlRead(a)));
}

function joined(rs: FileResult[]): FileResult {
  return { rc: rs.find((r) => r.rc !== 0)?.rc ?? 0, text: rs.map((r) => r.text).join('\n') };
}
