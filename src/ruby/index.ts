/**
 * CRuby's method dispatch under Guilds: the class tree, method entries, call info, the
 * disposable call caches and per-class cc tables of Ruby 3.x, the global serial cache they
 * replaced, invalidation, and stop-the-world reclamation.
 *
 *   const config = { capacity: 32, mids: 8, maxEntries: 256, ccSlots: 64, sites: 16, guilds: 1,
 *     design: 'ccs', sharedSerial: false, negativeCache: false, pic: 0 } as const;
 *   const arena = Arena.create(Vm.words(config) * 4 + 65536);
 *   const vm = Vm.create(arena, new AtomicsMem(arena.sab), config);
 *   const A = vm.tree.defineClass(0);
 *   vm.defineMethod(A, 0, { type: 0, req: 0 });
 *   vm.defineCallSite(0, 0, 0, VM_CALL_ARGS_SIMPLE, [1]);
 *   new Guild(vm, 0).call(0, A);          // the method body; a second call hits the inline cache
 *
 * @module memrace/ruby
 */
export { DESIGNS, Vm, type Design, type VmConfig, type VmRef } from './vm.js';
export { Guild } from './vm_insnhelper.js';
export { VmMethod, DESIGN_CCS, DESIGN_SERIAL } from './vm_method.js';
export { ClassTree } from './class_tree.js';
export { MethodEntries, type MethodDef } from './method_entry.js';
export { CallCaches } from './call_cache.js';
export { MethodCache, NO_CC } from './method_cache.js';
export { SerialCache, GLOBAL_METHOD_CACHE_SIZE } from './serial_cache.js';
export { VmBarrier } from './barrier.js';
export { DefLog } from './deflog.js';
export { DEBUG_COUNTER_NAMES, type DebugCounterName } from './debug_counters.js';
export { CALL_HANDLER_NAMES, vm_call_handler } from './call_handler.js';
export {
  VM_CALL_ARGS_BLOCKARG, VM_CALL_ARGS_SIMPLE, VM_CALL_ARGS_SPLAT, VM_CALL_FCALL, VM_CALL_VCALL,
  vm_ci_argc, vm_ci_flag, vm_ci_pack, vm_ci_value,
} from './call_info.js';
export { buildProgram, type ProgramInfo, type ProgramSpec } from './program.js';
