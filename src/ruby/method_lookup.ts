import { VM_CALL_FCALL, vm_ci_flag } from './call_info.js';
import { CALL_ARGUMENT_ERROR, CALL_METHOD_MISSING, VM_CALL_ARITY_ERROR, vm_call_arity } from './call_handler.js';
import type { ClassTree } from './class_tree.js';
import {
  METHOD_VISI_PRIVATE, METHOD_VISI_PROTECTED, ME_DEF_ORIG, ME_DEF_SERIAL, VM_METHOD_TYPE_REFINED, VM_METHOD_TYPE_UNDEF,
  VM_METHOD_TYPE_ZSUPER,
} from './layout.js';
import type { MethodEntries } from './method_entry.js';

/**
 * What a method lookup means, apart from any cache: the definition of dispatch that the
 * guilds' caches must agree with and that the oracle checks them against.
 */

/** Visibility as two bits of an answer: 0 public, 1 private, 2 protected. */
export function visiCode(mes: MethodEntries, me: number): number {
  const v = mes.visi(me);
  return v === METHOD_VISI_PRIVATE ? 1 : v === METHOD_VISI_PROTECTED ? 2 : 0;
}

/**
 * Follow an entry found at record `at` to the entry whose body runs: a REFINED entry with
 * no refinement active is its original entry, or (none) the superclass's method; a ZSUPER
 * entry is the superclass's method (vm_call_zsuper, vm_call_refined). 0: method_missing.
 * `at` is the record the entry was found in (an origin or an iclass: where the search goes
 * on from its superclass).
 */
export function resolveMethod(tree: ClassTree, mes: MethodEntries, me: number, at: number, mid: number): number {
  let e = me;
  let rec = at;
  for (let hops = 0; e !== 0 && hops <= tree.capacity; hops++) {
    const t = mes.type(e);
    if (t === VM_METHOD_TYPE_UNDEF) return 0;
    if (t === VM_METHOD_TYPE_REFINED) {
      const orig = mes.field(e, ME_DEF_ORIG);
      if (orig !== 0) {
        e = orig;
        continue;
      }
    } else if (t !== VM_METHOD_TYPE_ZSUPER) {
      return e;
    }
    // From a root the search starts at nil and finds nothing: e is 0 and the loop ends.
    e = tree.searchMethod(tree.superOf(rec), mid);
    rec = tree.definedClass;
  }
  return 0;
}

/**
 * The entry whose visibility a call through `me` (found at record `at`) checks: REFINED
 * entries are always public (a refinement search always runs), so it is their original's,
 * or (none) the superclass method's; any other entry's own (a ZSUPER entry's is its point).
 */
export function visibleEntry(tree: ClassTree, mes: MethodEntries, me: number, at: number, mid: number): number {
  let e = me;
  let rec = at;
  for (let hops = 0; e !== 0 && hops <= tree.capacity; hops++) {
    if (mes.type(e) !== VM_METHOD_TYPE_REFINED) return e;
    const orig = mes.field(e, ME_DEF_ORIG);
    if (orig !== 0) {
      e = orig;
      continue;
    }
    // From a root the search starts at nil and finds nothing: e is 0 and the loop ends.
    e = tree.searchMethod(tree.superOf(rec), mid);
    rec = tree.definedClass;
  }
  return 0;
}

/**
 * The answer a lookup of `mid` from `klass` gives now, packed as (body entry << 2 | the
 * visibility of visibleEntry): 0 when nothing runs.
 */
export function lookupAnswer(tree: ClassTree, mes: MethodEntries, klass: number, mid: number): number {
  const me = tree.searchMethod(klass, mid);
  const at = tree.definedClass;
  // No entry (me 0) resolves to no body.
  const body = resolveMethod(tree, mes, me, at, mid);
  if (body === 0) return 0;
  return (body << 2) | visiCode(mes, visibleEntry(tree, mes, me, at, mid));
}

/** Two answers that no call can tell apart: the same definition with the same visibility. */
export function answerKey(mes: MethodEntries, answer: number): number {
  return answer === 0 ? 0 : mes.field(answer >>> 2, ME_DEF_SERIAL) * 4 + (answer & 3);
}

/**
 * What a call with call info `ciLo` returns, given the lookup's answer: the body (def
 * serial), CALL_METHOD_MISSING, or CALL_ARGUMENT_ERROR. A private method needs an FCALL; so
 * does a protected one here, whose callers (the stress's guilds) have a self outside the
 * tree (vm_call_method's protected check fails for them).
 */
export function callOutcome(mes: MethodEntries, answer: number, ciLo: number): number {
  if (answer === 0) return CALL_METHOD_MISSING;
  if ((answer & 3) !== 0 && (vm_ci_flag(ciLo) & VM_CALL_FCALL) === 0) return CALL_METHOD_MISSING;
  const body = answer >>> 2;
  if (vm_call_arity(mes, body, ciLo) === VM_CALL_ARITY_ERROR) return CALL_ARGUMENT_ERROR;
  return mes.field(body, ME_DEF_SERIAL);
}
