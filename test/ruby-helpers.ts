import { MemraceError } from '../src/errors.js';
import { Arena } from '../src/shm/arena.js';
import { AtomicsMem } from '../src/shm/mem.js';
import { VM_CALL_ARGS_SIMPLE } from '../src/ruby/call_info.js';
import { S_CD_CC } from '../src/ruby/layout.js';
import { Vm, type VmConfig } from '../src/ruby/vm.js';
import { Guild } from '../src/ruby/vm_insnhelper.js';

/** A small single-threaded VM for unit tests. */
export function makeVm(over: Partial<VmConfig> = {}): { vm: Vm; guild: Guild } {
  const config: VmConfig = {
    capacity: 32, mids: 8, maxEntries: 256, ccSlots: 64, sites: 16, guilds: 1, design: 'ccs', sharedSerial: false,
    negativeCache: false, pic: 0, ...over,
  };
  const arena = Arena.create(Vm.words(config) * 4 + 65536);
  const vm = Vm.create(arena, new AtomicsMem(arena.sab), config);
  return { vm, guild: new Guild(vm, 0) };
}

/** Call site `site` sends `mid` with `argc` arguments. */
export function site(vm: Vm, s: number, mid: number, argc = 0, flag = VM_CALL_ARGS_SIMPLE): number {
  vm.defineCallSite(s, mid, argc, flag, [1]);
  return s;
}

/** The CC a call site holds. */
export function cdCc(vm: Vm, s: number): number {
  return vm.mem.load(vm.siteWord(s, S_CD_CC));
}

export const plain = { type: 0 as const, req: 0 };

/** The MemraceError `fn` throws, as `CODE: message`; 'nothing thrown' when it returns (any other error is rethrown). */
export function thrown(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof MemraceError)) throw e;
    return `${e.code}: ${e.message}`;
  }
  return 'nothing thrown';
}
