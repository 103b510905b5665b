import { bootMachine } from '../src/kernel/boot.js';
import { type BootConfig, bootConfig } from '../src/kernel/bootconfig.js';

export const MiB = 2 ** 20;

/** Boot a machine single-threaded, as unit tests use it. */
export function bootTest(given: Partial<BootConfig>) {
  const config = bootConfig(given);
  return { ...bootMachine(config), config };
}
