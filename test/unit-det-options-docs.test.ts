import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addDetOptions } from '../src/cli/commands/explore.js';
import { flagOf } from '../src/lab/params.js';
import { DET_OPTIONS, resolveDetOptions } from '../src/lab/det/options.js';

/**
 * The deterministic engine's options as docs/lab.md tables them and as `memrace explore
 * <scenario> --help` prints them: the docs and the help cannot drift apart. Each row's help is
 * the option's help line (a choice's allowed values in parentheses after it), its default is
 * what an exploration given nothing runs with, and its allowed values are what the option
 * takes: each bound accepted and one past it refused, each choice accepted.
 */
interface Row {
  flag: string;
  dflt: string;
  allowed: string;
  help: string;
}

const code = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

function docRows(): Row[] {
  const md = readFileSync('docs/lab.md', 'utf8');
  const head = md.indexOf('| option | default | allowed | help |');
  expect(head).toBeGreaterThan(0);
  const rows: Row[] = [];
  for (const line of md.slice(head).split('\n').slice(2)) {
    if (!line.startsWith('| `--')) break;
    const [flag, dflt, allowed, help] = line.slice(2, -2).split(' | ');
    rows.push({ flag: code(flag)[0], dflt: code(dflt)[0], allowed, help });
  }
  return rows;
}

describe('the engine options: docs/lab.md, the list and --help agree', () => {
  const rows = docRows();
  const help = new Map(addDetOptions(new Command('explore')).options.map((o) => [o.long, o]));

  it('the docs list every option once, in the order --help shows them', () => {
    expect(rows.map((r) => r.flag)).toEqual([...help.keys()]);
    expect(rows.map((r) => r.flag)).toEqual(DET_OPTIONS.map((s) => flagOf(s.name)));
  });

  it("each row's help is the option's help line, a choice's allowed values after it, an on/off switch taking [on|off]", () => {
    for (const r of rows) {
      const o = help.get(r.flag)!;
      const choices = r.allowed.includes('`') && !r.allowed.startsWith('a duration') ? code(r.allowed) : [];
      const onOff = choices.join() === 'on,off';
      expect(o.flags, r.flag).toBe(onOff ? `${r.flag} [on|off]` : `${r.flag} <value>`);
      expect(o.description, r.flag).toBe(choices.length && !onOff ? `${r.help} (${choices.join('|')})` : r.help);
    }
  });

  it('each default is what an exploration given nothing runs with', () => {
    const defaults = resolveDetOptions({}) as unknown as Record<string, unknown>;
    for (const s of DET_OPTIONS) {
      const v = defaults[s.name];
      expect(rows.find((r) => r.flag === flagOf(s.name))!.dflt, s.name).toBe(typeof v === 'boolean' ? (v ? 'on' : 'off') : String(v));
    }
  });

  it('each option takes what the docs allow: both bounds of a range and not one past them, every choice, on and off, a duration', () => {
    for (const [k, r] of rows.entries()) {
      const name = DET_OPTIONS[k].name;
      const take = (v: string) => (resolveDetOptions({ [name]: v }) as unknown as Record<string, unknown>)[name];
      const range = /^(\d+) to (\d+)$/.exec(r.allowed);
      if (range) {
        const [lo, hi] = [Number(range[1]), Number(range[2])];
        expect([take(String(lo)), take(String(hi))], r.flag).toEqual([lo, hi]);
        expect(() => take(String(lo - 1)), r.flag).toThrow(r.flag);
        expect(() => take(String(hi + 1)), r.flag).toThrow(r.flag);
      } else if (r.allowed.startsWith('a duration')) {
        expect(code(r.allowed).map(take), r.flag).toEqual([500, 3000, 120_000]);
        expect(() => take('soon'), r.flag).toThrow(r.flag);
      } else {
        const choices = code(r.allowed);
        const onOff = choices.join() === 'on,off';
        expect(choices.map(take), r.flag).toEqual(onOff ? [true, false] : choices);
        expect(() => take('maybe'), r.flag).toThrow(r.flag);
      }
    }
  });
});
