import { VM_CALL_FCALL, vm_ci_argc, vm_ci_flag } from './call_info.js';
import {
  METHOD_VISI_PRIVATE, METHOD_VISI_PROTECTED, ME_DEF_ARITY, ME_DEF_TYPE, ME_FLAGS, VM_METHOD_TYPE_IVAR, VM_METHOD_TYPE_REFINED,
  VM_METHOD_TYPE_ZSUPER,
} from './layout.js';
import type { MethodEntries } from './method_entry.js';

/**
 * Call handlers (cc->call_): the fast path a CC remembers for its (cme, ci). CRuby stores
 * vm_call_general in a new CC and lets the first call replace it with the specialised
 * handler (vm_call_method_each_type -> CC_SET_FASTPATH). That is a store into a published
 * CC, which SPEC.md's "never mutated except klass" does not allow for; CRuby wins: the
 * value stored is a function of the cme and the ci's (argc, flag) alone, and every call
 * site sharing the CC has that same (argc, flag), so racing guilds store the same value.
 *
 * The handlers up to VM_CALL_IVAR run the body; the others end in method_missing or
 * ArgumentError, or decide on every call (protected, zsuper, refined), as CRuby's do.
 */
export const VM_CALL_GENERAL = 0;
/** vm_call_iseq_setup_normal: argc equals the required count. */
export const VM_CALL_ISEQ_SETUP_NORMAL = 1;
/** vm_call_iseq_setup with optional parameters (opt_pc from argc). */
export const VM_CALL_ISEQ_SETUP_OPT = 2;
/** vm_call_ivar: an attr_reader. */
export const VM_CALL_IVAR = 3;
/** vm_call_method_missing: no method, or a private one called with a receiver. */
export const VM_CALL_METHOD_MISSING = 4;
/** argument_arity_error: the method exists but the arity does not fit (ArgumentError). */
export const VM_CALL_ARITY_ERROR = 5;
/** vm_call_method's protected branch: not cacheable (vm_call_cacheable), checks self's class on every call. */
export const VM_CALL_PROTECTED = 6;
/** vm_call_zsuper: a visibility change of an inherited method; runs the superclass's method, looked up per call. */
export const VM_CALL_ZSUPER = 7;
/** vm_call_refined: no refinement active (none is `using`-ed), so the original entry or the superclass's method. */
export const VM_CALL_REFINED = 8;
export const CALL_HANDLER_NAMES = [
  'vm_call_general', 'vm_call_iseq_setup_normal', 'vm_call_iseq_setup_opt', 'vm_call_ivar', 'vm_call_method_missing', 'argument_arity_error',
  'vm_call_method(protected)', 'vm_call_zsuper', 'vm_call_refined',
] as const;

/** What a call returns besides a body (def serial, > 0): NoMethodError through method_missing. */
export const CALL_METHOD_MISSING = 0;
/** ArgumentError (wrong number of arguments). */
export const CALL_ARGUMENT_ERROR = -1;
/** TypeError: bind_call's receiver is not a kind of the class the method was taken from. */
export const CALL_TYPE_ERROR = -2;

/** vm_call_method / vm_call_method_each_type: the handler for this cme and call info. */
export function vm_call_handler(mes: MethodEntries, cme: number, ciLo: number): number {
  if (cme === 0) return VM_CALL_METHOD_MISSING;
  const type = mes.field(cme, ME_DEF_TYPE);
  // Refined entries are public: vm_call_refined checks the visibility of what it resolves to.
  if (type === VM_METHOD_TYPE_REFINED) return VM_CALL_REFINED;
  const flags = mes.field(cme, ME_FLAGS);
  const fcall = (vm_ci_flag(ciLo) & VM_CALL_FCALL) !== 0;
  if ((flags & METHOD_VISI_PRIVATE) !== 0 && !fcall) return VM_CALL_METHOD_MISSING;
  if ((flags & METHOD_VISI_PROTECTED) !== 0 && !fcall) return VM_CALL_PROTECTED;
  if (type === VM_METHOD_TYPE_ZSUPER) return VM_CALL_ZSUPER;
  return vm_call_arity(mes, cme, ciLo);
}

/** The body handler, or argument_arity_error, for a method that is known to run. */
export function vm_call_arity(mes: MethodEntries, cme: number, ciLo: number): number {
  const argc = vm_ci_argc(ciLo);
  if (mes.field(cme, ME_DEF_TYPE) === VM_METHOD_TYPE_IVAR) return argc === 0 ? VM_CALL_IVAR : VM_CALL_ARITY_ERROR;
  const arity = mes.field(cme, ME_DEF_ARITY);
  const req = arity & 0xff;
  const opt = arity >>> 8;
  if (opt === 0) return argc === req ? VM_CALL_ISEQ_SETUP_NORMAL : VM_CALL_ARITY_ERROR;
  return argc >= req && argc <= req + opt ? VM_CALL_ISEQ_SETUP_OPT : VM_CALL_ARITY_ERROR;
}
