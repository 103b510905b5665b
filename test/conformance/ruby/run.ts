import { Ruby, type MethodHook, type Result, type RubyOptions, type VarResult } from '../../../src/ruby/index.js';
import type { Expected, Fact, Step } from './facts.js';

function outcome(r: Result): Expected {
  return Array.isArray(r) ? r : r.error;
}

/** The definition steps: each changes the model (or throws the Ruby exception it raises). */
const DEFINE: Record<string, (rb: Ruby, s: readonly unknown[]) => unknown> = {
  class: (rb, s) => rb.defineClass(s[1] as string, s[2] as string | undefined),
  module: (rb, s) => rb.defineModule(s[1] as string),
  def: (rb, s) => rb.def(s[1] as string, s[2] as string, { returns: s[3] as string, ...(s[4] as object | undefined) }),
  include: (rb, s) => rb.include(s[1] as string, s[2] as string),
  prepend: (rb, s) => rb.prepend(s[1] as string, s[2] as string),
  private: (rb, s) => rb.setVisibility(s[1] as string, s[2] as string, 'private'),
  public: (rb, s) => rb.setVisibility(s[1] as string, s[2] as string, 'public'),
  protected: (rb, s) => rb.setVisibility(s[1] as string, s[2] as string, 'protected'),
  alias: (rb, s) => rb.alias(s[1] as string, s[2] as string, s[3] as string),
  undef: (rb, s) => rb.undef(s[1] as string, s[2] as string),
  remove: (rb, s) => rb.remove(s[1] as string, s[2] as string),
  refine: (rb, s) => rb.refine(s[1] as string, s[2] as string),
  refine_def: (rb, s) => rb.refineDef(s[1] as string, s[2] as string, s[3] as string, { returns: s[4] as string, ...(s[5] as object | undefined) }),
  using: (rb, s) => rb.using(s[1] as string, s[2] as string),
  hook: (rb, s) => rb.hook(s[1] as string, s[2] as MethodHook),
  dup: (rb, s) => rb.dup(s[1] as string, s[2] as string),
  initialize_copy: (rb, s) => rb.initializeCopy(s[1] as string, s[2] as string),
};

/** Replay one step; returns a mismatch description or null. */
function step(rb: Ruby, s: Step): string | null {
  const define = DEFINE[s[0]];
  if (define) {
    define(rb, s);
    return null;
  }
  switch (s[0]) {
    case 'raises': {
      const got = rb.try(() => step(rb, s[2]));
      return got === s[1] ? null : `${JSON.stringify(s[2])} raised ${got}, expected ${s[1]}`;
    }
    case 'call':
    case 'send':
    case 'public_send': {
      const r = s[0] === 'call' ? rb.call(s[1], s[2], s[4] ?? {}) : s[0] === 'send' ? rb.send(s[1], s[2], s[4] ?? 0, s[5]) : rb.publicSend(s[1], s[2], s[4] ?? 0, s[5]);
      const got = outcome(r);
      return JSON.stringify(got) === JSON.stringify(s[3]) ? null : `${s[0]} ${s[1]}#${s[2]}: got ${JSON.stringify(got)}, expected ${JSON.stringify(s[3])}`;
    }
    case 'respond_to': {
      const got = rb.respondTo(s[1], s[2], s[4] ?? false);
      return got === s[3] ? null : `respond_to? ${s[1]}#${s[2]}: got ${got}`;
    }
    case 'bind_call': {
      const got = outcome(rb.bindCall(s[1], s[2], s[3], s[5] ?? 0));
      return JSON.stringify(got) === JSON.stringify(s[4]) ? null : `bind_call ${s[1]}#${s[2]} on ${s[3]}: got ${JSON.stringify(got)}`;
    }
    case 'const_set':
    case 'ivar_set':
    case 'cvar_set':
    case 'const_get':
    case 'ivar_get':
    case 'cvar_get':
    case 'object':
    case 'freeze':
      return varStep(rb, s);
    case 'hooked':
      return JSON.stringify(rb.hookCalls) === JSON.stringify(s[1]) ? null : `hooks: got ${JSON.stringify(rb.hookCalls)}`;
    case 'ancestors': {
      const got = rb.ancestors(s[1]).filter((n) => n !== 'Object' && n !== 'BasicObject');
      return JSON.stringify(got) === JSON.stringify(s[2]) ? null : `${s[1]}.ancestors: got ${JSON.stringify(got)}`;
    }
  }
  throw new Error(`unknown step ${s[0]}`);
}

function varOutcome(r: VarResult | null): Expected | undefined {
  return r === null ? undefined : typeof r === 'string' ? [r] : r.error;
}

/** Constants and variables under Ractors (RactorVars). */
function varStep(rb: Ruby, s: Step): string | null {
  const v = rb.vars;
  let got: Expected | undefined;
  let want: Expected | undefined;
  switch (s[0]) {
    case 'object':
      v.object(s[1], s[2]);
      return null;
    case 'freeze':
      v.freeze(s[1]);
      return null;
    case 'const_set':
      [got, want] = [varOutcome(v.constSet(s[1], s[2], s[3], s[4])), s[5]];
      break;
    case 'ivar_set':
      [got, want] = [varOutcome(v.ivarSet(s[1], s[2], s[3], s[4])), s[5]];
      break;
    case 'cvar_set':
      [got, want] = [varOutcome(v.cvarSet(s[1], s[2], s[3], s[4])), s[5]];
      break;
    case 'const_get':
      [got, want] = [varOutcome(v.constGet(s[1], s[2], s[4])), s[3]];
      break;
    case 'ivar_get':
      [got, want] = [varOutcome(v.ivarGet(s[1], s[2], s[4])), s[3]];
      break;
    case 'cvar_get':
      [got, want] = [varOutcome(v.cvarGet(s[1], s[2], s[4])), s[3]];
      break;
    default:
      throw new Error(`not a variable step: ${s[0]}`);
  }
  return JSON.stringify(got) === JSON.stringify(want) ? null : `${JSON.stringify(s)}: got ${JSON.stringify(got)}`;
}

/** Replay a fact in a fresh model; every call is made twice (a cold and a warm inline cache), both must match. */
export function runFact(fact: Fact, opts: RubyOptions = {}): string[] {
  const rb = new Ruby(opts);
  const out: string[] = [];
  for (const s of fact.steps) {
    const bad = step(rb, s) ?? (s[0] === 'call' || s[0] === 'send' || s[0] === 'public_send' ? step(rb, s) : null);
    if (bad) out.push(bad);
  }
  return out;
}
