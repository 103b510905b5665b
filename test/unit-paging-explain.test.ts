import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { explainTranslation, parseVa } from '../src/paging/explain.js';
import { VA_BITS, checkPtKind } from '../src/paging/open.js';

/** The walk docs/paging.md shows for `$ npx memrace translate <args>`: the lines up to the next blank one. */
function documented(args: string): string[] {
  const lines = readFileSync('docs/paging.md', 'utf8').split('\n');
  const at = lines.indexOf(`$ npx memrace translate ${args}`);
  expect(at).toBeGreaterThan(0);
  const end = lines.findIndex((l, i) => i > at && (l === '' || l === '```'));
  return lines.slice(at + 1, end);
}

/** `memrace translate`'s text (src/paging/explain.ts), in process, against what the manual shows. */
describe('memrace translate', () => {
  it("prints docs/paging.md's two-level walk line for line", () => {
    expect(explainTranslation({ pt: 'two-level', va: 0x00403a7c, pid: 1, frames: 64, unmapped: false })).toEqual(documented('--pt two-level --va 0x00403a7c'));
  });

  it("prints the four-level split and each level's entry that the manual shows", () => {
    const text = explainTranslation({ pt: 'four-level', va: 0x7fffdeadbeef, pid: 1, frames: 64, unmapped: false }).join('\n');
    const [split, reads, cost] = documented('--pt four-level --va 0x7fffdeadbeef');
    expect(text).toContain(split);
    for (const r of reads.trim().split(' ... ')) expect(text).toContain(`  ${r.replace(' ...', '')}`);
    expect(text).toContain(cost);
  });

  it('hashes the pid with the vpn in the inverted table, and reads its system table', () => {
    const lines = explainTranslation({ pt: 'inverted', va: 0x00403a7c, pid: 7, frames: 64, unmapped: false });
    const text = lines.join('\n');
    for (const l of documented('--pt inverted --va 0x00403a7c --pid 7     # also: hashed, clustered')) expect(text).toContain(l.trim());
    expect(lines[1]).toBe('  split: vpn 0x403 | d 0xa7c (12 bits); the vpn and pid are hashed');
    expect(lines[lines.length - 1]).toMatch(/^ {2}table memory: system inverted table \d+ bytes for \d+ frames \(any number of processes\); this process's side table \d+ bytes$/);
    expect(explainTranslation({ pt: 'hashed', va: 0x00403a7c, pid: 7, frames: 64, unmapped: false })[1]).toBe('  split: vpn 0x403 | d 0xa7c (12 bits); the vpn is hashed');
  });

  it('ends the walk of an unmapped page in a page fault, with no table yet', () => {
    const lines = explainTranslation({ pt: 'two-level', va: 0x00403a7c, pid: 1, frames: 64, unmapped: true });
    expect(lines.slice(2)).toEqual([
      '  PTBR (CR3) is empty: no table yet',
      '  no present entry after 0 table read(s): page fault (a valid page would be brought in; an invalid one is SIGSEGV)',
      '  table memory: 0 bytes (0 frame(s)) for 0 mapped page',
    ]);
  });

  it('parses an address in hex or decimal up to the top of the address space, and names the flag and range otherwise', () => {
    expect(parseVa('--va', '0x00403a7c', 32)).toBe(0x403a7c);
    expect(parseVa('--va', ' 4096 ', 32)).toBe(4096);
    expect(parseVa('--va', '0', 32)).toBe(0);
    expect(parseVa('--va', String(2 ** 32 - 1), 32)).toBe(2 ** 32 - 1);
    for (const bad of [String(2 ** 32), '-1', '', '  ', '1.5', 'x']) {
      expect(() => parseVa('--va', bad, 32)).toThrow(/--va/);
    }
    expect(() => parseVa('--va', '0x100000000', 32)).toThrow(/0 to 0xffffffff \(32-bit\)/);
  });

  it("takes each table kind by name, with i386's 32 address bits for two-level and x86-64's 48 for the rest", () => {
    expect(VA_BITS).toEqual({ 'two-level': 32, 'four-level': 48, hashed: 48, clustered: 48, inverted: 48 });
    expect(checkPtKind('--pt', 'clustered')).toBe('clustered');
    expect(() => checkPtKind('--pt', 'three-level')).toThrow("--pt: unknown page table 'three-level' (allowed: two-level, four-level, hashed, clustered, inverted)");
  });
});
