import { parseSize } from '../lab/params.js';
import { VM_SYSCTLS } from '../kernel/overcommit.js';
import { ROOT, user, type Cred } from '../kernel/proc_oom.js';
import type { FileResult, Userland } from '../kernel/userland.js';

/** The machine's /etc/passwd: the owners of the default tasks, and nobody. */
export const PASSWD: Readonly<Record<string, number>> = { root: 0, postgres: 999, redis: 998, user: 1000, nobody: 65534 };

export const SHELL_HELP = `commands (as root on the simulated machine):
  cat PATH                      /proc/PID/{oom_score,oom_score_adj,oom_adj,status}, /proc/meminfo, /proc/sys/vm/*, /sys/fs/cgroup/NAME/*
  echo VALUE > PATH             write a /proc or /proc/sys/vm file
  sysctl NAME | -a              read vm sysctls
  sysctl -w NAME=VALUE          write one
  ps                            the task table, as oom_dump_tasks prints it
  malloc PID SIZE               map SIZE of private writable memory (overcommit accounting decides)
  touch PID SIZE                fault SIZE in; at the min watermark (or memory.max) the OOM killer runs and logs
  clone PID [--vm]              fork PID (with --vm, clone(CLONE_VM): the child shares PID's mm)
  run COMM                      start a process COMM (owned by the shell's user), print its pid
  memhog PID [CHUNK]            LTP's alloc_mem: malloc+touch CHUNK (64M) until mmap fails or PID is killed
  mkdir /sys/fs/cgroup/NAME     a cgroup: memory.max, memory.current, memory.events, cgroup.procs, cpuset.mems
  set_mempolicy PID MODE NODES  MPOL_BIND, MPOL_INTERLEAVE or MPOL_PREFERRED over NODES (e.g. 0-1), or default
  su USER -c 'COMMAND'          run COMMAND as USER (a name from /etc/passwd or a uid): no capabilities
  id                            who the shell runs as
  help, exit`;

/** Run one shell line against the userland as `cred`; returns what to print and whether it failed. */
export function shellLine(u: Userland, line: string, cred: Cred = ROOT): FileResult {
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
      // echo writes its argument and a newline.
      return u.write(m[2], `${m[1].replace(/^["']|["']$/g, '')}\n`, cred);
    }
    case 'su': {
      const m = /^su\s+(\S+)\s+-c\s+(["'])(.*)\2$/.exec(line.trim());
      if (!m) return { rc: -22, text: "usage: su USER -c 'COMMAND'" };
      const uid = /^\d+$/.test(m[1]) ? Number(m[1]) : PASSWD[m[1]];
      if (uid === undefined) return { rc: -22, text: `su: user ${m[1]} does not exist or the user entry does not contain all the required fields` };
      return shellLine(u, m[3], user(uid));
    }
    case 'id': {
      const name = Object.keys(PASSWD).find((n) => PASSWD[n] === cred.uid) ?? String(cred.uid);
      return { rc: 0, text: `uid=${cred.uid}(${name}) gid=${cred.uid}(${name})` };
    }
    case 'set_mempolicy':
      if (!/^\d+$/.test(args[0] ?? '') || args.length < 2 || args.length > 3) return { rc: -22, text: 'usage: set_mempolicy PID default|bind|interleave|preferred [NODES]' };
      return u.set_mempolicy(Number(args[0]), args[1], args[2] ?? '');
    case 'mkdir':
      return args.length === 1 ? u.mkdir(args[0], cred) : { rc: -22, text: 'usage: mkdir /sys/fs/cgroup/NAME' };
    case 'run':
      return args.length === 1 ? u.run(args[0], cred.uid) : { rc: -22, text: 'usage: run COMM' };
    case 'memhog': {
      if (!/^\d+$/.test(args[0] ?? '') || args.length > 2) return { rc: -22, text: 'usage: memhog PID [CHUNK]' };
      const chunk = sizeArg(args[1] ?? '64M');
      if (chunk < 0) return { rc: -22, text: `memhog: '${args[1]}' is not a size (4096, 64K, 128M, 1G)` };
      return u.memhog(Number(args[0]), chunk);
    }
    case 'clone': {
      if (!/^\d+$/.test(args[0] ?? '') || (args[1] !== undefined && args[1] !== '--vm') || args.length > 2) return { rc: -22, text: 'usage: clone PID [--vm]' };
      return u.clone(Number(args[0]), args[1] === '--vm');
    }
    case 'sysctl':
      if (cred.uid !== 0 && args[0] === '-w') return { rc: -13, text: args.slice(1).map((a) => `sysctl: permission denied on key "${a.split('=')[0]}"`).join('\n') };
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
