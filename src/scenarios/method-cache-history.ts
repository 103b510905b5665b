import type { HistoryRecorder } from '../lab/history/recorder.js';
import { MAX_VALUES } from '../lab/history/recorder.js';
import { MC_CALL, MC_CHANGE_WORDS, MC_OVERFLOW, MC_REDEFINE, type MethodCacheModel, methodCacheSpec } from '../lab/history/specs/method-cache.js';
import type { SeqSpec } from '../lab/history/checker.js';
import { CALL_ARGUMENT_ERROR, CALL_METHOD_MISSING } from '../ruby/call_handler.js';
import { VM_CALL_SUPER, vm_ci_flag } from '../ruby/call_info.js';
import { type AnswerChanged, DefLog } from '../ruby/deflog.js';
import { ME_DEF_SERIAL } from '../ruby/layout.js';
import { callOutcome } from '../ruby/method_lookup.js';
import { Vm, type VmRef } from '../ruby/vm.js';
import type { Mem } from '../shm/mem.js';

/**
 * method-cache's history (`--check linearizable`): a guild records each call with its
 * receiver class, mid and call info, and what ran; the redefiner records each redefinition
 * with every lookup answer it changed (DefLog.commit tells it). Allocation-free per call.
 */
export class CallHistory {
  private readonly args = new Int32Array(4);

  constructor(private readonly h: HistoryRecorder) {}

  invoke(klass: number, mid: number, ciLo: number): void {
    const a = this.args;
    a[0] = klass;
    a[1] = mid;
    a[2] = ciLo;
    a[3] = (vm_ci_flag(ciLo) & VM_CALL_SUPER) !== 0 ? 1 : 0;
    this.h.invoke(MC_CALL, a, 4);
  }

  respond(ran: number): void {
    this.h.respond1(ran);
  }
}

/** The redefiner's side: changes collected between begin and end, recorded as the redefinition's result. */
export class RedefinitionHistory {
  private readonly changes = new Int32Array(MAX_VALUES);
  private n = 0;
  /** Hand this to DefLog.commit. */
  readonly changed: AnswerChanged = (klass, mid, isSuper, before, after) => {
    // More changes than one event holds: recorded as MC_OVERFLOW, the check then says unknown.
    if (this.n + MC_CHANGE_WORDS > MAX_VALUES) {
      this.n = MAX_VALUES + 1;
      return;
    }
    const c = this.changes;
    c[this.n++] = klass;
    c[this.n++] = (mid << 1) | (isSuper ? 1 : 0);
    c[this.n++] = before;
    c[this.n++] = after;
  };

  constructor(private readonly h: HistoryRecorder) {}

  begin(): void {
    this.n = 0;
    this.h.invoke(MC_REDEFINE, this.changes, 0);
  }

  end(): void {
    if (this.n > MAX_VALUES) this.h.respond1(MC_OVERFLOW);
    else this.h.respond(this.changes, this.n);
  }
}

/** visiCode's values (method_lookup.ts), named. */
const VISIBILITY = ['public', 'private', 'protected', '?'];

/** The spec, with the Ruby model read from the image at the end of the run. */
export function methodCacheHistorySpec(mem: Mem, vmRef: VmRef): SeqSpec<unknown> {
  const vm = new Vm(mem, vmRef);
  const { tree, mes } = vm;
  const model: MethodCacheModel = {
    outcome: (answer, ciLo) => callOutcome(mes, answer, ciLo),
    unchanged: (klass, mid, isSuper) => (isSuper ? DefLog.superTruth(tree, mes, klass, mid) : DefLog.truth(tree, mes, klass, mid)),
    className: (klass) => tree.nameOf(klass),
    answerName: (answer) => (answer === 0 ? 'no method' : `def ${mes.field(answer >>> 2, ME_DEF_SERIAL)} (${VISIBILITY[answer & 3]})`),
    outcomeName: (ran) => (ran === CALL_METHOD_MISSING ? 'method_missing' : ran === CALL_ARGUMENT_ERROR ? 'ArgumentError' : `def ${ran}`),
  };
  return methodCacheSpec(model) as SeqSpec<unknown>;
}
