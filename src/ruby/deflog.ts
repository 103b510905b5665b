import type { Arena } from '../shm/arena.js';
import type { Mem } from '../shm/mem.js';
import type { ClassTree } from './class_tree.js';
import { T_CLASS } from './layout.js';
import type { MethodEntries } from './method_entry.js';
import { answerKey, callOutcome, lookupAnswer } from './method_lookup.js';
import { VM_CALL_SUPER, vm_ci_flag, vm_ci_pack } from './call_info.js';

/** Entries of history kept per (class, mid). */
export const HISTORY = 4;
const PAIR_WORDS = 1 + 2 * HISTORY;
const H_HEAD = 0;
const E_FROM = 1;
/** The lookup's answer (method_lookup.ts): body entry and visibility. */
const E_ANSWER = 2;

/** The two kinds of answer a class has for a mid: a call on its instance, and `super` in its method. */
const CI_KINDS = [0, vm_ci_pack(0, VM_CALL_SUPER)];

export const DISPATCH_OK = 0;
/** The body was right only before the call started: a redefinition published earlier was missed. */
export const DISPATCH_STALE = 1;
/** The body was never the answer for (class, mid) within the history kept. */
export const DISPATCH_WRONG = 2;
/** The call overlapped more redefinitions of this (class, mid) than the history keeps. */
export const DISPATCH_UNVERIFIABLE = 3;

/** A (class, mid) whose answer a redefinition changed, for a call (`isSuper` false) or for `super` in its method. */
export type AnswerChanged = (klass: number, mid: number, isSuper: boolean, before: number, after: number) => void;

export interface DefLogRef {
  version: number;
  base: number;
  mids: number;
  /** Pairs of the super answers: (X, mid) is what `super` in a method of class X finds. */
  superBase: number;
}

/**
 * The oracle's versioned definition log. The redefiner brackets every change with the
 * version word (odd while it changes tables, even once published, like a seqlock) and,
 * before publishing, appends to the history of every (class, mid) whose correct lookup
 * result changed: (the version it holds from, the answer). A guild reads the version before
 * and after a call; what the call returned (a body, method_missing or ArgumentError, for
 * its call info) must follow from the answer at some even version within that window (an
 * odd end widens the window to both sides of the change in flight).
 *
 * Correct answers come from a plain walk of the class tree (search_method, then ZSUPER
 * and REFINED entries followed), the definition of method lookup every cache must agree with.
 */
export class DefLog {
  constructor(
    private readonly mem: Mem,
    readonly ref: DefLogRef,
    private readonly mes: MethodEntries,
  ) {}

  static create(arena: Arena, capacity: number, mids: number): DefLogRef {
    return {
      version: arena.allocWords('ruby.deflog.version', 1),
      base: arena.allocWords('ruby.deflog', (capacity + 1) * mids * PAIR_WORDS),
      mids,
      superBase: arena.allocWords('ruby.deflog.super', (capacity + 1) * mids * PAIR_WORDS),
    };
  }

  static words(capacity: number, mids: number): number {
    return 64 + 2 * (capacity + 1) * mids * PAIR_WORDS;
  }

  version(): number {
    return this.mem.load(this.ref.version);
  }

  private pair(klass: number, mid: number, ciLo = 0): number {
    const base = (vm_ci_flag(ciLo) & VM_CALL_SUPER) !== 0 ? this.ref.superBase : this.ref.base;
    return base + (klass * this.ref.mids + mid) * PAIR_WORDS;
  }

  /** The correct answer for (klass, mid) now (0: nothing runs). */
  static truth(tree: ClassTree, mes: MethodEntries, klass: number, mid: number): number {
    return lookupAnswer(tree, mes, klass, mid);
  }

  /** What `super` in a method of class klass finds now: a lookup from the superclass of its origin (vm_search_normal_superclass). */
  static superTruth(tree: ClassTree, mes: MethodEntries, klass: number, mid: number): number {
    const sup = tree.superOf(tree.origin(klass));
    return sup === 0 ? 0 : lookupAnswer(tree, mes, sup, mid);
  }

  /** Record the starting answers (main thread, before guilds run). */
  init(tree: ClassTree, mes: MethodEntries): void {
    this.refresh(tree, mes, -1, 0);
  }

  /** Redefiner: a change begins (version goes odd). */
  begin(): void {
    this.mem.add(this.ref.version, 1);
  }

  /**
   * Redefiner: record what changed for `mid` (every mid when -1), then publish (version goes
   * even). `changed`, when given, hears each (class, mid, call kind) whose answer changed:
   * the answer before and after (the history check's spec is built from them).
   */
  commit(tree: ClassTree, mes: MethodEntries, mid: number, changed?: AnswerChanged): void {
    this.refresh(tree, mes, mid, this.version() + 1, changed);
    this.mem.add(this.ref.version, 1);
    this.mem.notify(this.ref.version, Infinity);
  }

  private refresh(tree: ClassTree, mes: MethodEntries, only: number, from: number, changed?: AnswerChanged): void {
    for (let k = 1; k < tree.used; k++) {
      if (tree.typeOf(k) !== T_CLASS) continue;
      for (let mid = only < 0 ? 0 : only; mid < (only < 0 ? this.ref.mids : only + 1); mid++) {
        for (const ci of CI_KINDS) {
          const answer = ci === 0 ? DefLog.truth(tree, mes, k, mid) : DefLog.superTruth(tree, mes, k, mid);
          const p = this.pair(k, mid, ci);
          // Stryker disable next-line ArithmeticOperator: H_HEAD is 0, so `- H_HEAD` is the same word
          if (this.mem.load(p + H_HEAD) === 0) this.push(p, from, answer);
          else if (answerKey(mes, this.current(p)) !== answerKey(mes, answer)) {
            changed?.(k, mid, ci !== 0, this.current(p), answer);
            this.push(p, from, answer);
          }
        }
      }
    }
  }

  private current(p: number): number {
    // Stryker disable next-line ArithmeticOperator: H_HEAD is 0, so `- H_HEAD` is the same word
    const head = this.mem.load(p + H_HEAD);
    return this.mem.load(p + E_ANSWER + 2 * ((head - 1) % HISTORY));
  }

  private push(p: number, from: number, answer: number): void {
    const mem = this.mem;
    // Stryker disable next-line ArithmeticOperator: H_HEAD is 0, so `- H_HEAD` is the same word
    const head = mem.load(p + H_HEAD);
    const e = p + 2 * (head % HISTORY);
    // The entry is invalid (from = -1) while it is rewritten: a reader that sees -1 or two different froms skips it.
    mem.store(e + E_FROM, -1);
    mem.store(e + E_ANSWER, answer);
    mem.store(e + E_FROM, from);
    mem.store(p + H_HEAD, head + 1);
  }

  /** The history of (klass, mid), newest first, as outcomes for call info ciLo, for a report: 'v6: 12, v0: 3'. */
  describe(klass: number, mid: number, ciLo: number): string {
    const p = this.pair(klass, mid, ciLo);
    // Stryker disable next-line ArithmeticOperator: H_HEAD is 0, so `- H_HEAD` is the same word
    const head = this.mem.load(p + H_HEAD);
    const out: string[] = [];
    for (let j = head - 1; j >= 0 && j >= head - HISTORY; j--) {
      const e = p + 2 * (j % HISTORY);
      out.push(`v${this.mem.load(e + E_FROM)}: ${callOutcome(this.mes, this.mem.load(e + E_ANSWER), ciLo)}`);
    }
    return `history ${out.join(', ')}`;
  }

  /**
   * Guild: did `result` (a call with call info ciLo) follow from the answer for (klass,
   * mid) at some instant between reading version v0 (before the call) and v1 (after it)?
   * Allocation-free.
   */
  check(klass: number, mid: number, ciLo: number, result: number, v0: number, v1: number): number {
    const verdict = this.checkHistory(klass, mid, ciLo, result, v0, v1);
    if (verdict === DISPATCH_OK || (v1 & 1) === 0) return verdict;
    // A change was in flight when the call ended: its history is written just before it is
    // published, so wait for that and look again (the window stays the same).
    while (this.mem.load(this.ref.version) === v1) this.mem.wait(this.ref.version, v1, 1);
    return this.checkHistory(klass, mid, ciLo, result, v0, v1);
  }

  private checkHistory(klass: number, mid: number, ciLo: number, result: number, v0: number, v1: number): number {
    const mem = this.mem;
    const p = this.pair(klass, mid, ciLo);
    const lo = v0 & ~1;
    const hi = v1 + (v1 & 1);
    // Stryker disable next-line ArithmeticOperator: H_HEAD is 0, so `- H_HEAD` is the same word
    const head = mem.load(p + H_HEAD);
    let nextFrom = Infinity;
    let reachedLo = false;
    for (let j = head - 1; j >= 0 && j >= head - HISTORY; j--) {
      const e = p + 2 * (j % HISTORY);
      const f = mem.load(e + E_FROM);
      const b = callOutcome(this.mes, mem.load(e + E_ANSWER), ciLo);
      if (f < 0 || mem.load(e + E_FROM) !== f) break;
      if (!reachedLo) {
        if (f > hi) {
          nextFrom = f;
          continue;
        }
        if (nextFrom > lo && b === result) return DISPATCH_OK;
        nextFrom = f;
        if (f <= lo) reachedLo = true;
        continue;
      }
      if (b === result) return DISPATCH_STALE;
    }
    return reachedLo ? DISPATCH_WRONG : DISPATCH_UNVERIFIABLE;
  }
}
