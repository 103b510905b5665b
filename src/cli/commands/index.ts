import type { Command } from 'commander';
import { registerBench } from './bench.js';
import { registerDemo } from './demo.js';
import { registerList } from './list.js';
import { registerRun } from './run.js';
import { registerTranslate } from './translate.js';

/** Each command lives in its own file and adds itself to the program. */
export const commands: ReadonlyArray<(program: Command) => void> = [registerDemo, registerList, registerRun, registerBench, registerTranslate];
