import { describe, expect, it } from 'vitest';
import {
  CALL_ARGUMENT_ERROR, CALL_HANDLER_NAMES, CALL_METHOD_MISSING, CALL_TYPE_ERROR, VM_CALL_ARITY_ERROR, VM_CALL_GENERAL, VM_CALL_ISEQ_SETUP_NORMAL,
  VM_CALL_ISEQ_SETUP_OPT, VM_CALL_IVAR, VM_CALL_METHOD_MISSING, VM_CALL_PROTECTED, VM_CALL_REFINED, VM_CALL_ZSUPER, vm_call_arity, vm_call_handler,
} from '../src/ruby/call_handler.js';
import { VM_CALL_ARGS_SIMPLE, VM_CALL_FCALL, VM_CALL_VCALL, vm_ci_pack } from '../src/ruby/call_info.js';
import { VM_METHOD_TYPE_ISEQ, VM_METHOD_TYPE_IVAR, VM_METHOD_TYPE_REFINED, VM_METHOD_TYPE_ZSUPER } from '../src/ruby/layout.js';
import type { MethodDef } from '../src/ruby/method_entry.js';
import { makeVm } from './ruby-helpers.js';

const { vm } = makeVm();
const mes = vm.mes;
const A = vm.tree.defineClass(0);
const me = (def: MethodDef) => mes.create(0, A, A, def);
/** `recv.m(args)`: a call with a receiver. */
const recv = (argc: number) => vm_ci_pack(argc, VM_CALL_ARGS_SIMPLE);
/** `m(args)`: a call on self (FCALL). */
const fcall = (argc: number) => vm_ci_pack(argc, VM_CALL_ARGS_SIMPLE | VM_CALL_FCALL);
const name = (h: number) => CALL_HANDLER_NAMES[h];

describe("vm_call_method / vm_call_method_each_type: the handler a CC remembers (vm_insnhelper.c)", () => {
  it("numbers the handlers and names them after CRuby's functions", () => {
    expect([VM_CALL_GENERAL, VM_CALL_ISEQ_SETUP_NORMAL, VM_CALL_ISEQ_SETUP_OPT, VM_CALL_IVAR, VM_CALL_METHOD_MISSING, VM_CALL_ARITY_ERROR, VM_CALL_PROTECTED, VM_CALL_ZSUPER, VM_CALL_REFINED]).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(CALL_HANDLER_NAMES).toEqual([
      'vm_call_general', 'vm_call_iseq_setup_normal', 'vm_call_iseq_setup_opt', 'vm_call_ivar', 'vm_call_method_missing', 'argument_arity_error',
      'vm_call_method(protected)', 'vm_call_zsuper', 'vm_call_refined',
    ]);
    expect([CALL_METHOD_MISSING, CALL_ARGUMENT_ERROR, CALL_TYPE_ERROR]).toEqual([0, -1, -2]);
  });

  it('no method entry: method_missing', () => {
    expect(name(vm_call_handler(mes, 0, recv(0)))).toBe('vm_call_method_missing');
    expect(name(vm_call_handler(mes, 0, fcall(0)))).toBe('vm_call_method_missing');
  });

  it('a private method: method_missing with a receiver (NoMethodError), the body as an FCALL', () => {
    const m = me({ type: VM_METHOD_TYPE_ISEQ, req: 1, private: true });
    expect(name(vm_call_handler(mes, m, recv(1)))).toBe('vm_call_method_missing');
    expect(name(vm_call_handler(mes, m, vm_ci_pack(1, VM_CALL_VCALL)))).toBe('vm_call_method_missing');
    expect(name(vm_call_handler(mes, m, fcall(1)))).toBe('vm_call_iseq_setup_normal');
    expect(name(vm_call_handler(mes, m, fcall(0)))).toBe('argument_arity_error');
  });

  it('a protected method: decided on every call with a receiver; an FCALL runs the body', () => {
    const m = me({ type: VM_METHOD_TYPE_ISEQ, req: 0, protected: true });
    expect(name(vm_call_handler(mes, m, recv(0)))).toBe('vm_call_method(protected)');
    expect(name(vm_call_handler(mes, m, fcall(0)))).toBe('vm_call_iseq_setup_normal');
  });

  it('a ZSUPER entry: vm_call_zsuper once visible; a private one called with a receiver is method_missing first', () => {
    expect(name(vm_call_handler(mes, me({ type: VM_METHOD_TYPE_ZSUPER }), recv(3)))).toBe('vm_call_zsuper');
    const priv = me({ type: VM_METHOD_TYPE_ZSUPER, private: true });
    expect(name(vm_call_handler(mes, priv, recv(0)))).toBe('vm_call_method_missing');
    expect(name(vm_call_handler(mes, priv, fcall(0)))).toBe('vm_call_zsuper');
  });

  it('a REFINED entry: vm_call_refined before any visibility check, whatever the call', () => {
    const m = me({ type: VM_METHOD_TYPE_REFINED, private: true });
    expect(name(vm_call_handler(mes, m, recv(5)))).toBe('vm_call_refined');
    expect(name(vm_call_handler(mes, m, fcall(0)))).toBe('vm_call_refined');
  });
});

describe('vm_call_arity: the body handler or argument_arity_error (vm_callee_setup_arg)', () => {
  const handlers = (def: MethodDef, argcs: number[]) => argcs.map((n) => name(vm_call_handler(mes, me(def), recv(n))));

  it('required arguments only: setup_normal at exactly req, an ArgumentError either side', () => {
    expect(handlers({ type: VM_METHOD_TYPE_ISEQ, req: 2 }, [1, 2, 3])).toEqual(['argument_arity_error', 'vm_call_iseq_setup_normal', 'argument_arity_error']);
    expect(handlers({ type: VM_METHOD_TYPE_ISEQ }, [0, 1])).toEqual(['vm_call_iseq_setup_normal', 'argument_arity_error']);
  });

  it('optional arguments: setup_opt for req..req+opt, an ArgumentError outside', () => {
    expect(handlers({ type: VM_METHOD_TYPE_ISEQ, req: 1, opt: 2 }, [0, 1, 2, 3, 4])).toEqual([
      'argument_arity_error', 'vm_call_iseq_setup_opt', 'vm_call_iseq_setup_opt', 'vm_call_iseq_setup_opt', 'argument_arity_error',
    ]);
    expect(handlers({ type: VM_METHOD_TYPE_ISEQ, req: 0, opt: 1 }, [0, 1, 2])).toEqual(['vm_call_iseq_setup_opt', 'vm_call_iseq_setup_opt', 'argument_arity_error']);
  });

  it('an attr_reader (IVAR): vm_call_ivar with no argument, else an ArgumentError (whatever req says)', () => {
    expect(handlers({ type: VM_METHOD_TYPE_IVAR }, [0, 1])).toEqual(['vm_call_ivar', 'argument_arity_error']);
    expect(handlers({ type: VM_METHOD_TYPE_IVAR, req: 1 }, [0, 1])).toEqual(['vm_call_ivar', 'argument_arity_error']);
  });

  it('vm_call_arity alone does not look at visibility (its caller has)', () => {
    const m = me({ type: VM_METHOD_TYPE_ISEQ, req: 1, private: true });
    expect(name(vm_call_arity(mes, m, recv(1)))).toBe('vm_call_iseq_setup_normal');
    expect(name(vm_call_arity(mes, m, recv(2)))).toBe('argument_arity_error');
  });
});
