import { describe, expect, it } from 'vitest';
import {
  CI_EMBED_ARGC_MASK, CI_EMBED_ARGC_SHFT, CI_EMBED_FLAG_MASK, CI_EMBED_FLAG_SHFT, CI_EMBED_TAG, VM_CALL_ARGS_BLOCKARG, VM_CALL_ARGS_SIMPLE,
  VM_CALL_ARGS_SPLAT, VM_CALL_FCALL, VM_CALL_SUPER, VM_CALL_VCALL, vm_ci_argc, vm_ci_flag, vm_ci_pack, vm_ci_value,
} from '../src/ruby/call_info.js';

/** vm_callinfo.h on a 64-bit host: tag 1 bit, argc 15 bits from bit 1, flag 16 bits from bit 16, the ID in the upper 32. */
describe("vm_callinfo.h's embedded call info (vm_ci_new_id)", () => {
  it("has CRuby's field widths and shifts", () => {
    expect([CI_EMBED_TAG, CI_EMBED_ARGC_SHFT, CI_EMBED_ARGC_MASK, CI_EMBED_FLAG_SHFT, CI_EMBED_FLAG_MASK]).toEqual([1, 1, 0x7fff, 16, 0xffff]);
  });

  it('numbers enum vm_call_flag_bits as CRuby 3.3 does (SUPER is bit 8, after KWARG, KW_SPLAT, TAILCALL)', () => {
    expect([VM_CALL_ARGS_SPLAT, VM_CALL_ARGS_BLOCKARG, VM_CALL_FCALL, VM_CALL_VCALL, VM_CALL_ARGS_SIMPLE, VM_CALL_SUPER]).toEqual([1, 2, 4, 8, 16, 256]);
  });

  it('packs `foo(a, b)` from self (FCALL|ARGS_SIMPLE, argc 2) into 0x00140005 and reads both fields back', () => {
    const lo = vm_ci_pack(2, VM_CALL_FCALL | VM_CALL_ARGS_SIMPLE);
    expect(lo).toBe(0x00140005);
    expect(vm_ci_argc(lo)).toBe(2);
    expect(vm_ci_flag(lo)).toBe(0x14);
    expect(vm_ci_value(lo, 7)).toBe(0x0000000700140005n);
  });

  it('keeps the widest argc and flag apart: argc 0x7fff, flag 0xffff (the low word turns negative as an int32)', () => {
    const lo = vm_ci_pack(0x7fff, 0xffff);
    expect(lo).toBe(-1);
    expect(vm_ci_argc(lo)).toBe(0x7fff);
    expect(vm_ci_flag(lo)).toBe(0xffff);
    expect(vm_ci_value(lo, 0xffffffff)).toBe(0xffffffffffffffffn);
    const argcOnly = vm_ci_pack(0x7fff, 0);
    expect([vm_ci_argc(argcOnly), vm_ci_flag(argcOnly)]).toEqual([0x7fff, 0]);
    const flagOnly = vm_ci_pack(0, 0x8001);
    expect([vm_ci_argc(flagOnly), vm_ci_flag(flagOnly)]).toEqual([0, 0x8001]);
    expect(vm_ci_value(flagOnly, 1)).toBe(0x0000000180010001n);
  });

  it('a bare `super` (argc 0, SUPER) differs from a plain call only in its flag', () => {
    const sup = vm_ci_pack(0, VM_CALL_SUPER);
    expect(sup).toBe(0x01000001);
    expect(vm_ci_flag(sup) & VM_CALL_SUPER).toBe(VM_CALL_SUPER);
    expect(vm_ci_argc(sup)).toBe(0);
    expect(vm_ci_pack(0, 0)).toBe(CI_EMBED_TAG);
  });
});
