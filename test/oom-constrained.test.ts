import { describe, expect, it } from 'vitest';
import { runStress } from '../src/lab/stress.js';

const count = (r: Awaited<ReturnType<typeof runStress>>, id: string) => r.outcomes.find((o) => o.outcome === id)?.count ?? 0;

/**
 * LTP's pass conditions for oom02 (mempolicy), oom03 (memcg) and oom04 (cpuset), on real
 * workers of a two-node machine: the right process is killed in each constraint (a task
 * inside it), the harness at -1000 survives and allocates nothing, no OOM panics, and a group's
 * charges match what its tasks hold. The broken scan, blind to the constraint, is caught.
 */
describe.each([
  ['oom-memcg', 'CONSTRAINT_MEMCG', /Memory cgroup out of memory: Killed process \d+ \(memhog-[13]\)/],
  ['oom-cpuset', 'CONSTRAINT_CPUSET', /Out of memory: Killed process \d+ \(memhog-[123]\)/],
  ['oom-mempolicy', 'CONSTRAINT_MEMORY_POLICY', /Out of memory: Killed process \d+ \(memhog-[123]\)/],
])('%s on real workers', (scenario, constraint, killed) => {
  it(`kills inside the constraint only (${constraint}), never the -1000 harness, and gets every frame back`, async () => {
    // 8M a node: the nodes (and /ltp) fill within the first second.
    const r = await runStress({ scenario, params: { mem: '16M', duration: '2s' } });
    expect(r.failures).toEqual([]);
    expect(r.oracles.flatMap((o) => o.violations)).toEqual([]);
    expect(r.verdict).toBe('pass');
    expect(count(r, 'constrained-kill')).toBeGreaterThan(0);
    expect(count(r, 'outside-constraint') + count(r, 'excluded-victim')).toBe(0);
    // No panic in any of the three: memhog-0, the harness at -1000, allocates nothing (as LTP's
    // parent), so an OOM always finds the process that filled its node or group. When it still
    // hogged memory, a node-0 OOM whose companion had just exited found nothing killable (CI).
    expect(count(r, 'panic')).toBe(0);
    const notes = r.notes.join('\n');
    // oom-memcg -> "memcg: 12 kills inside the constraint, 0 outside"
    expect(notes).toMatch(new RegExp(`${scenario.slice('oom-'.length)}: [1-9]\\d* kills inside the constraint, 0 outside`));
    expect(notes).toMatch(new RegExp(`oom-kill:constraint=${constraint},`));
    expect(notes).toMatch(killed);
    if (scenario === 'oom-memcg') {
      expect(r.oracles.map((o) => o.name)).toContain('memcg-charges');
      expect(notes).toMatch(/\/ltp: memory\.max 1024 pages, memory\.current \d+; memory\.events max [1-9]\d* oom [1-9]\d* oom_kill [1-9]/);
    }
  });

  it('catches unconstrained-scan: a victim that cannot free what the OOM lacks', async () => {
    const r = await runStress({ scenario, params: { variant: 'unconstrained-scan', duration: '15s' }, stopOnForbidden: true });
    expect(count(r, 'outside-constraint')).toBeGreaterThan(0);
    expect(r.verdict).toBe('fail');
  });
});
