import { describe, expect, it } from 'vitest';
import { EINVAL, ENOMEM } from '../src/errors.js';
import { OVERCOMMIT_ALWAYS, OVERCOMMIT_GUESS, OVERCOMMIT_NEVER, VmAccounting, type VmConfig } from '../src/kernel/overcommit.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';

/**
 * mm/util.c's commit accounting (Linux 6.6) at its boundaries: the reserves as mm/util.c's
 * init_admin_reserve and init_user_reserve size them (free / 32, capped at 8 MiB and
 * 128 MiB), proc_dointvec_minmax's range on each vm sysctl, and the broken variant
 * check-then-charge deciding at the same boundary as __vm_enough_memory.
 */
function vmOf(c: VmConfig) {
  const arena = Arena.create(1 << 16);
  const mem = new AtomicsMem(arena.sab);
  return { arena, mem, vm: VmAccounting.create(arena, mem, c) };
}
const MiB_PAGES = 256;

describe('VmAccounting.create (mm/util.c init_admin_reserve, init_user_reserve)', () => {
  it('sizes both reserves at free / 32 kB, the admin one capped at 8192 kB, the user one at 131072 kB', () => {
    const at = (freePages: number) => {
      const { vm } = vmOf({ totalramPages: 4096 * MiB_PAGES, swapPages: 0, freePages });
      return [vm.sysctl('vm.admin_reserve_kbytes'), vm.sysctl('vm.user_reserve_kbytes')];
    };
    expect(at(64 * MiB_PAGES)).toEqual([2048, 2048]);
    expect(at(1024 * MiB_PAGES)).toEqual([8192, 32768]);
    expect(at(4096 * MiB_PAGES)).toEqual([8192, 131072]);
    expect(at(8192 * MiB_PAGES)).toEqual([8192, 131072]);
    // Without freePages, all of RAM is free.
    expect(vmOf({ totalramPages: 64 * MiB_PAGES, swapPages: 0 }).vm.sysctl('vm.user_reserve_kbytes')).toBe(2048);
  });

  it('starts in the mode given (heuristic when none), ratio 50, oom_dump_tasks 1, in its own region of the image', () => {
    const { vm, arena } = vmOf({ totalramPages: 1024, swapPages: 0, overcommitMemory: OVERCOMMIT_NEVER });
    expect(vm.sysctl('vm.overcommit_memory')).toBe(OVERCOMMIT_NEVER);
    expect(arena.region('kernel.vm')).toEqual({ offset: vm.ref.base * 4, bytes: 128 });
    const d = vmOf({ totalramPages: 1024, swapPages: 0, overcommitMemory: OVERCOMMIT_ALWAYS }).vm;
    expect([d.sysctl('vm.overcommit_memory'), d.sysctl('vm.overcommit_ratio'), d.sysctl('vm.oom_dump_tasks')]).toEqual([OVERCOMMIT_ALWAYS, 50, 1]);
    expect(vmOf({ totalramPages: 1024, swapPages: 0 }).vm.sysctl('vm.overcommit_memory')).toBe(OVERCOMMIT_GUESS);
  });
});

describe('vm sysctl writes (proc_dointvec_minmax)', () => {
  it('takes the range\'s ends, refuses one past either end or a fraction with -EINVAL, and keeps the old value', () => {
    const { vm } = vmOf({ totalramPages: 1024, swapPages: 0 });
    expect(vm.sysctl_write('vm.overcommit_memory', 2)).toBe(0);
    for (const bad of [-1, 3, 1.5, Number.NaN]) expect(vm.sysctl_write('vm.overcommit_memory', bad), String(bad)).toBe(-EINVAL);
    expect(vm.sysctl('vm.overcommit_memory')).toBe(2);
    expect(vm.sysctl_write('vm.overcommit_memory', 0)).toBe(0);
    expect(vm.sysctl_write('vm.min_free_kbytes', 0x7fffffff)).toBe(0);
    expect(vm.sysctl_write('vm.min_free_kbytes', -1)).toBe(-EINVAL);
    expect(vm.sysctl('vm.min_free_kbytes')).toBe(0x7fffffff);
  });
});

describe('check-then-charge (the broken variant): the same boundary as __vm_enough_memory, without its atomicity', () => {
  it('mode 2 refuses at Committed_AS + pages == allowed and takes one page less; modes 0 and 1 charge anything', () => {
    const { vm } = vmOf({ totalramPages: 32768, swapPages: 0, overcommitMemory: OVERCOMMIT_NEVER });
    const allowed = vm.allowed(0, false);
    expect(allowed).toBe(16384 - 1024);
    vm.vm_acct_memory(100);
    expect(vm.vm_enough_memory_check_then_charge(0, allowed - 100, false)).toBe(-ENOMEM);
    expect(vm.committed()).toBe(100);
    expect(vm.vm_enough_memory_check_then_charge(0, allowed - 101, false)).toBe(0);
    expect(vm.committed()).toBe(allowed - 1);
    // The correct path agrees at the boundary: one more page is refused, and its charge undone.
    expect(vm.vm_enough_memory(0, 1, false)).toBe(-ENOMEM);
    expect(vm.committed()).toBe(allowed - 1);
    for (const mode of [OVERCOMMIT_GUESS, OVERCOMMIT_ALWAYS]) {
      const m = vmOf({ totalramPages: 1024, swapPages: 0, overcommitMemory: mode }).vm;
      expect(m.vm_enough_memory_check_then_charge(0, 1 << 20, false)).toBe(0);
      expect(m.committed()).toBe(1 << 20);
    }
  });
});
