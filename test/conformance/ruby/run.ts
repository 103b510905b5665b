import { Ruby, type Result, type RubyOptions } from '../../../src/ruby/index.js';
import type { Expected, Fact, Step } from './facts.js';

function outcome(r: Result): Expected {
  return Array.isArray(r) ? r : r.error;
}

/** Replay one step; returns a mismatch description or null. */
function step(rb: Ruby, s: Step): string | null {
  switch (s[0]) {
    case 'class':
      rb.defineClass(s[1], s[2]);
      return null;
    case 'module':
      rb.defineModule(s[1]);
      return null;
    case 'def':
      rb.def(s[1], s[2], { returns: s[3], ...s[4] });
      return null;
    case 'include':
      rb.include(s[1], s[2]);
      return null;
    case 'prepend':
      rb.prepend(s[1], s[2]);
      return null;
    case 'private':
    case 'public':
    case 'protected':
      rb.setVisibility(s[1], s[2], s[0]);
      return null;
    case 'alias':
      rb.alias(s[1], s[2], s[3]);
      return null;
    case 'undef':
      rb.undef(s[1], s[2]);
      return null;
    case 'remove':
      rb.remove(s[1], s[2]);
      return null;
    case 'refine':
      rb.refine(s[1], s[2]);
      return null;
    case 'raises': {
      const got = rb.try(() => step(rb, s[2]));
      return got === s[1] ? null : `${JSON.stringify(s[2])} raised ${got}, expected ${s[1]}`;
    }
    case 'call':
    case 'send':
    case 'public_send': {
      const r = s[0] === 'call' ? rb.call(s[1], s[2], s[4] ?? {}) : s[0] === 'send' ? rb.send(s[1], s[2], s[4] ?? 0) : rb.publicSend(s[1], s[2], s[4] ?? 0);
      const got = outcome(r);
      return JSON.stringify(got) === JSON.stringify(s[3]) ? null : `${s[0]} ${s[1]}#${s[2]}: got ${JSON.stringify(got)}, expected ${JSON.stringify(s[3])}`;
    }
    case 'respond_to': {
      const got = rb.respondTo(s[1], s[2], s[4] ?? false);
      return got === s[3] ? null : `respond_to? ${s[1]}#${s[2]}: got ${got}`;
    }
    case 'bind_call': {
      const got = outcome(rb.bindCall(s[1], s[2], s[3]));
      return JSON.stringify(got) === JSON.stringify(s[4]) ? null : `bind_call ${s[1]}#${s[2]} on ${s[3]}: got ${JSON.stringify(got)}`;
    }
    case 'ancestors': {
      const got = rb.ancestors(s[1]).filter((n) => n !== 'Object' && n !== 'BasicObject');
      return JSON.stringify(got) === JSON.stringify(s[2]) ? null : `${s[1]}.ancestors: got ${JSON.stringify(got)}`;
    }
  }
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
