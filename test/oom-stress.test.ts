import { describe, expect, it } from 'vitest';
import { runStress } from '../src/lab/stress.js';

const count = (r: Awaited<ReturnType<typeof runStress>>, id: string) => r.outcomes.find((o) => o.outcome === id)?.count ?? 0;

describe('oom on real workers', () => {
  it('kills processes that run the machine out of memory, never a protected one, and gets every frame back', async () => {
    const r = await runStress({ scenario: 'oom', params: { procs: 4, mem: '16M', chunk: '256K', duration: '1500ms' } });
    expect(r.failures).toEqual([]);
    // The deadlock oracle ran: a "no killable processes" panic while memhog-1..3 held pages fails the run.
    expect(r.oracles.map((o) => o.name)).toContain('deadlock-only-when-nothing-killable');
    expect(r.oracles.flatMap((o) => o.violations)).toEqual([]);
    expect(r.verdict).toBe('pass');
    expect(count(r, 'killed')).toBeGreaterThan(0);
    expect(r.notes.join('\n')).toMatch(/Out of memory: Killed process \d+ \(memhog-[1-3]\)/);
    expect(r.notes.join('\n')).toMatch(/\[  pid  \]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name/);
  });

  it('refuses mallocs with ENOMEM under overcommit 2 instead of killing', async () => {
    const r = await runStress({ scenario: 'oom', params: { procs: 4, mem: '16M', chunk: '256K', overcommit: 2, duration: '800ms' } });
    expect(r.verdict).toBe('pass');
    expect(count(r, 'enomem')).toBeGreaterThan(0);
    expect(count(r, 'killed')).toBe(0);
  });

  it('panics with panic_on_oom instead of killing, and says so as the kernel does', async () => {
    const r = await runStress({ scenario: 'oom', params: { procs: 3, mem: '8M', chunk: '256K', panicOnOom: 2, duration: '5s' } });
    expect(count(r, 'panic')).toBe(1);
    expect(count(r, 'killed')).toBe(0);
    expect(r.notes.join('\n')).toMatch(/Kernel panic - not syncing: Out of memory: compulsory panic_on_oom is enabled/);
  });

  it('ends in the kernel\'s panic, reported, when every process is protected', async () => {
    const r = await runStress({ scenario: 'oom', params: { procs: 3, mem: '8M', chunk: '256K', adj: '-1000', duration: '5s' } });
    expect(r.failures).toEqual([]);
    expect(count(r, 'panic')).toBe(1);
    // The kernel's two lines, in order, in the first invocation's log (each note indented by two spaces).
    expect(r.notes.join('\n')).toMatch(/ {2}Out of memory and no killable processes\.\.\.\n {2}Kernel panic - not syncing: System is deadlocked on memory\n/);
    // Nothing killable held memory: the deadlock oracle agrees with the kernel.
    expect(r.oracles.find((o) => o.name === 'deadlock-only-when-nothing-killable')?.violations).toEqual([]);
  });

  it('catches check-then-charge: racing mallocs pass the mode-2 CommitLimit together', async () => {
    // A chunk above the admin reserve (1/32 of RAM): two racing mallocs then pass the limit, not four.
    const r = await runStress({ scenario: 'oom', params: { variant: 'check-then-charge', overcommit: 2, procs: 4, mem: '16M', chunk: '1M', duration: '15s' }, stopOnForbidden: true });
    expect(count(r, 'over-commit-limit')).toBeGreaterThan(0);
    expect(r.verdict).toBe('fail');
  });
});

describe('oom-race on real workers', () => {
  it('lets one killer run at a time: one victim per shortage', async () => {
    const r = await runStress({ scenario: 'oom-race', params: { duration: '1500ms' } });
    expect(r.verdict).toBe('pass');
    expect(count(r, 'killed')).toBeGreaterThan(0);
    expect(count(r, 'killed-twice') + count(r, 'two-victims')).toBe(0);
  });

  it('catches no-oom-lock: two CPUs in the killer at once kill twice for one shortage', async () => {
    const r = await runStress({ scenario: 'oom-race', params: { variant: 'no-oom-lock', duration: '15s' }, stopOnForbidden: true });
    expect(count(r, 'killed-twice') + count(r, 'two-victims')).toBeGreaterThan(0);
    expect(r.verdict).toBe('fail');
  });
});
