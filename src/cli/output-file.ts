import { accessSync, constants, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { ConfigError } from '../errors.js';

/**
 * A file an option names for a report (--json, --html, --junit): its folder is checked
 * when the command starts, so a wrong path fails at once with exit 2 instead of after
 * the run, and a write that fails later is reported the same way, naming the option.
 */
export class OutputFile {
  constructor(
    readonly flag: string,
    readonly file: string,
  ) {
    const dir = dirname(resolve(file));
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      throw new ConfigError(flag, `cannot write '${file}': ${dir} is not a writable folder`, 'a file in an existing folder');
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
      throw new ConfigError(this.flag, `cannot write '${this.file}': ${(e as Error).message}`, 'a writable file');
    }
  }
}
