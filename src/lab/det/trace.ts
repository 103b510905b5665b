import { ACCESS_KINDS, TRACE_WORDS, WAKE_NOTIFIED } from './block.js';
import type { DetRun } from './engine.js';

/** One turn of a scheduled run: who accessed what, and the value seen or written. */
export interface TraceEntry {
  step: number;
  actor: number;
  /** The op code the actor had recorded (ctx.op) when it made the access. */
  op: number;
  access: (typeof ACCESS_KINDS)[number];
  address: number;
  /** The address's region and word offset ('ring:stress+35'), or '' for pause and end. */
  name: string;
  /** The access in words: '= 4 (was 2)', '-> 7', 'expect 2 -> 4: ok'. */
  detail: string;
}

const hex64 = (lo: number, hi: number) => `${hi >>> 0}:${lo >>> 0}`;

function detail(kind: string, v: number, a: number, a2: number): string {
  switch (kind) {
    case 'load':
    case 'read':
      return `-> ${v}`;
    case 'store':
    case 'write':
    case 'flush':
      return `= ${a} (was ${v})`;
    case 'cas':
      return `expect ${a} -> ${a2}: ${v === a ? 'ok' : `failed, found ${v}`}`;
    case 'wait':
      return v === a ? `== ${a}: blocks` : `== ${a}: not-equal (${v})`;
    case 'wake':
      return v === WAKE_NOTIFIED ? 'notified' : 'timed out';
    case 'notify':
      return `count ${a}: woke ${v}`;
    case 'load64':
    case 'store64':
      return `${kind === 'load64' ? '->' : '='} ${hex64(v, a)}`;
    case 'cas64':
      return `${a2 ? 'ok' : 'failed'}, found ${hex64(v, a)}`;
    case 'pause':
    case 'end':
      return '';
    default:
      return `${a}: ${v} -> ${a2}`;
  }
}

/** Decode a run's trace block into entries that name each address. */
export function decodeTrace(words: Int32Array, nameOf: (word: number) => string): TraceEntry[] {
  const out: TraceEntry[] = [];
  for (let s = 0; s * TRACE_WORDS < words.length; s++) {
    const t = s * TRACE_WORDS;
    const access = ACCESS_KINDS[(words[t] >> 8) & 0xff] ?? 'none';
    const address = words[t + 1];
    out.push({
      step: s,
      actor: words[t] & 0xff,
      op: (words[t] >>> 16) & 0xffff,
      access,
      address,
      name: address >= 0 ? nameOf(address) : '',
      detail: detail(access, words[t + 2], words[t + 3], words[t + 4]),
    });
  }
  return out;
}

/** A scheduled run's trace, each address named by its scenario or its arena region (each word named once). */
export function traceOf(r: DetRun): TraceEntry[] {
  const names = new Map<number, string>();
  return decodeTrace(r.trace, (w) => {
    let name = names.get(w);
    if (name === undefined) names.set(w, (name = r.run.wordName(w)));
    return name;
  });
}

/** One trace line: step, actor and role, access, address name, value. */
export function traceLine(e: TraceEntry, roles: readonly string[], roleW: number, nameW: number): string {
  return `${String(e.step).padStart(5)}  a${e.actor} ${roles[e.actor].padEnd(roleW)}  ${e.access.padEnd(7)} ${e.name.padEnd(nameW)} ${e.detail}`.trimEnd();
}

/** The widths renderTrace pads to. Loops, not spreads: a schedule of a million turns has a million entries. */
export function traceWidths(entries: readonly TraceEntry[], roles: readonly string[]): { roleW: number; nameW: number } {
  let roleW = 0;
  for (const r of roles) roleW = Math.max(roleW, r.length);
  let nameW = 8;
  for (const e of entries) nameW = Math.max(nameW, e.name.length);
  return { roleW, nameW };
}

/** The trace as lines. */
export function renderTrace(entries: readonly TraceEntry[], roles: readonly string[]): string[] {
  const { roleW, nameW } = traceWidths(entries, roles);
  return entries.map((e) => traceLine(e, roles, roleW, nameW));
}
