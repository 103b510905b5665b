import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { boot, kernelImageBytes } from '../src/kernel/boot.js';
import { type BootConfig, bootConfig } from '../src/kernel/bootconfig.js';

export const MiB = 2 ** 20;

/** Boot a machine single-threaded, as unit tests use it. */
export function bootTest(given: Partial<BootConfig>) {
  const c = bootConfig(given);
  const arena = Arena.create(kernelImageBytes(c));
  const mem = new AtomicsMem(arena.sab);
  return { ...boot(arena, mem, c), arena, mem, config: c };
}
