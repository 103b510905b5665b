/**
 * The CRuby method-cache model as other code uses it. The Ruby-level API names classes,
 * modules and methods and calls through call sites:
 *
 *   const rb = new Ruby();
 *   rb.defineClass('A').def('A', 'foo', { returns: 'A#foo' }).defineClass('B', 'A');
 *   rb.call('B', 'foo', { site: 'loop' });           // ['A#foo'], the site caches A#foo for B
 *   rb.defineModule('M').def('M', 'foo', { returns: 'M#foo', super: 'zsuper' }).include('B', 'M');
 *   rb.call('B', 'foo', { site: 'loop' });           // ['M#foo', 'A#foo']: the include invalidated it
 *   rb.counters();                                   // { cc_invalidate_tree_cme: 1, include_invalidate: 1, ... }
 *
 * The image-level pieces (a Vm in a SharedArrayBuffer, a Guild per worker) are below it.
 *
 * @module memrace/ruby
 */
export { Ruby, type Body, type CallOptions, type MethodHook, type Result, type RubyOptions, type SiteCache, type Visibility } from './ruby.js';
export { RactorVars, type ObjectKind, type ValueOptions, type VarResult } from './ractor_vars.js';
export { Vm, DESIGNS, type Design, type VmConfig, type VmRef } from './vm.js';
export { Guild } from './vm_insnhelper.js';
export { CALL_ARGUMENT_ERROR, CALL_HANDLER_NAMES, CALL_METHOD_MISSING } from './call_handler.js';
export { VM_CALL_ARGS_SIMPLE, VM_CALL_FCALL, vm_ci_argc, vm_ci_flag, vm_ci_pack } from './call_info.js';
export { DEBUG_COUNTER_NAMES, DebugCounters, type DebugCounterName } from './debug_counters.js';
export { lookupAnswer, resolveMethod } from './method_lookup.js';
export type { MethodDef } from './method_entry.js';
export {
  T_CLASS, T_ICLASS, T_MODULE, VM_METHOD_TYPE_ISEQ, VM_METHOD_TYPE_IVAR, VM_METHOD_TYPE_REFINED, VM_METHOD_TYPE_UNDEF, VM_METHOD_TYPE_ZSUPER,
} from './layout.js';
export { VmMethod, DESIGN_CCS, DESIGN_SERIAL } from './vm_method.js';
export { ClassTree } from './class_tree.js';
export { MethodEntries } from './method_entry.js';
export { CallCaches } from './call_cache.js';
export { MethodCache, NO_CC } from './method_cache.js';
export { SerialCache, GLOBAL_METHOD_CACHE_SIZE } from './serial_cache.js';
export { VmBarrier } from './barrier.js';
export { DefLog } from './deflog.js';
export { vm_call_handler } from './call_handler.js';
export { VM_CALL_ARGS_BLOCKARG, VM_CALL_ARGS_SPLAT, VM_CALL_VCALL, vm_ci_value } from './call_info.js';
export { buildProgram, type ProgramInfo, type ProgramSpec } from './program.js';
