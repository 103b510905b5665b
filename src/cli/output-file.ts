import { closeSync, constants, existsSync, mkdirSync, openSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';

/** Why a path cannot be opened for writing, in words: the errno, not a stack trace. */
function why(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'EISDIR': return 'it is a directory';
    case 'ENOENT': return 'its folder does not exist';
    case 'ENOTDIR': return 'a part of its folder is not a directory';
    case 'EACCES': case 'EPERM': case 'EROFS': return 'permission denied';
    case 'ENXIO': return 'it is a pipe nobody reads';
    default: return (e as Error).message;
  }
}

/**
 * A file an option names for a report (--json, --html, --junit): opened for writing when
 * the command starts — without truncating it, and without blocking on a FIFO nobody reads —
 * so a directory, a missing folder, a read-only file or a special file fails at once with
 * exit 2 instead of after the run; a write that fails later is reported the same way.
 */
export class OutputFile {
  constructor(
    readonly flag: string,
    readonly file: string,
  ) {
    let existed = true;
    try {
      statSync(file);
    } catch {
      existed = false;
    }
    try {
      closeSync(openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NONBLOCK));
      if (!existed) unlinkSync(file);
    } catch (e) {
      throw new ConfigError(flag, `cannot write '${file}': ${why(e)}`, 'a file in an existing folder');
    }
  }

  /** The option's file, when the option was given. */
  static of(flag: string, value: unknown): OutputFile | undefined {
    return typeof value === 'string' ? new OutputFile(flag, value) : undefined;
  }

  write(text: string): void {
    try {
      writeFileSync(this.file, text);
    } catch (e) {
      throw new ConfigError(this.flag, `cannot write '${this.file}': ${why(e)}`, 'a writable file');
    }
  }
}

/**
 * mkdir -p, one level at a time: Node 20's recursive mkdirSync never returns for a path
 * whose parent refuses new entries (/proc/x).
 */
function makeDirs(dir: string): void {
  const missing: string[] = [];
  for (let d = resolve(dir); !existsSync(d) && dirname(d) !== d; d = dirname(d)) missing.push(d);
  for (const d of missing.reverse()) mkdirSync(d);
}

/** A folder an option names for files written later (--failures): created now, or refused now. */
export function outputDir(flag: string, dir: string): string {
  try {
    makeDirs(dir);
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error(), { code: 'ENOTDIR' });
    const probe = `${dir}/.memrace-${process.pid}`;
    closeSync(openSync(probe, 'w'));
    unlinkSync(probe);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const reason = code === 'EEXIST' || code === 'ENOTDIR' ? 'it is not a directory' : why(e);
    throw new ConfigError(flag, `cannot write into '${dir}': ${reason}`, 'a writable directory, created if missing');
  }
  return dir;
}
