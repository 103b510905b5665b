import type { Mem } from '../shm/mem.js';
import type { Rng } from '../runtime/rng.js';
import { CALL_ARGUMENT_ERROR, CALL_TYPE_ERROR, VM_CALL_ARITY_ERROR, vm_call_arity } from '../ruby/call_handler.js';
import { ME_DEF_SERIAL, ME_OWNER, T_MODULE } from '../ruby/layout.js';
import type { Vm } from '../ruby/vm.js';
import type { Guild } from '../ruby/vm_insnhelper.js';

/** UnboundMethods every guild may take from or put into: one method entry per word. */
export const UNBOUND_SLOTS = 64;

/** What one bind_call operation did. */
export const BIND_CAPTURED = 0;
export const BIND_RAN = 1;
export const BIND_WRONG = 2;

/**
 * The parallel bind_call workload: a guild either takes `klass.instance_method(mid)` into
 * a shared slot (an UnboundMethod passed between Ractors), or binds one another guild took,
 * possibly long before and across redefinitions, to a receiver of `klass` and calls it.
 * What it must run is fixed when the method was taken: that entry's body (or TypeError when
 * the receiver is not a kind of its owner class, ArgumentError when the site's argc does not
 * fit); a redefinition, removal or include since changes nothing. `last` holds what ran and
 * what was expected, for the report.
 */
export function bindCallOp(vm: Vm, g: Guild, mem: Mem, slots: number, rng: Rng, klass: number, mid: number, ciLo: number, last: Int32Array): number {
  const slot = slots + rng.below(UNBOUND_SLOTS);
  const me = mem.load(slot);
  if (me === 0 || rng.below(4) === 0) {
    const um = vm.instanceMethod(klass, mid);
    if (um !== 0) mem.store(slot, um);
    return BIND_CAPTURED;
  }
  const { tree, mes } = vm;
  const owner = mes.field(me, ME_OWNER);
  const expect =
    tree.typeOf(owner) !== T_MODULE && !tree.kindOf(klass, owner)
      ? CALL_TYPE_ERROR
      : vm_call_arity(mes, me, ciLo) === VM_CALL_ARITY_ERROR ? CALL_ARGUMENT_ERROR : mes.field(me, ME_DEF_SERIAL);
  last[0] = g.bindCall(me, klass, ciLo);
  last[1] = expect;
  return last[0] === expect ? BIND_RAN : BIND_WRONG;
}
