import { bootMachine } from '../src/kernel/boot.js';
import { type BootConfig, bootConfig } from '../src/kernel/bootconfig.js';
import { OomKiller, type OomOptions } from '../src/kernel/oom_kill.js';
import { VmAccounting } from '../src/kernel/overcommit.js';
import { TaskTable, type TaskSpec } from '../src/kernel/task.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

export const MiB = 2 ** 20;

/** Boot a machine single-threaded, as unit tests use it. */
export function bootTest(given: Partial<BootConfig>) {
  const config = bootConfig(given);
  return { ...bootMachine(config), config };
}

/** A task list and an OOM killer over it: 128 MiB of RAM (32768 pages), no swap, unless a test says otherwise. */
export function oomMachine(tasks: TaskSpec[], ram = 32768, swap = 0, opts: OomOptions = {}) {
  const arena = Arena.create(1 << 20);
  const mem = new AtomicsMem(arena.sab);
  const tt = TaskTable.create(arena, mem, 32);
  const vm = VmAccounting.create(arena, mem, { totalramPages: ram, swapPages: swap });
  const slots = tasks.map((t) => tt.spawn(t));
  return { tt, vm, k: new OomKiller(tt, vm, opts), slots };
}
