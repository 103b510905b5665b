import type { Command } from 'commander';
import { registerBench } from './bench.js';
import { registerBoot } from './boot.js';
import { registerDemo } from './demo.js';
import { registerExplore } from './explore.js';
import { registerList } from './list.js';
import { registerReplay } from './replay.js';
import { registerProc } from './proc.js';
import { registerRun } from './run.js';
import { registerShell } from './shell.js';
import { registerStep } from './step.js';
import { registerSweep } from './sweep.js';
import { registerTranslate } from './translate.js';

/** Each command lives in its own file and adds itself to the program. */
export const commands: ReadonlyArray<(program: Command) => void> = [
  registerDemo,
  registerList,
  registerRun,
  registerStep,
  registerExplore,
  registerReplay,
  registerSweep,
  registerBoot,
  registerProc,
  registerTranslate,
  registerShell,
  registerBench,
];
