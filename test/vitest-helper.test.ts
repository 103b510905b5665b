import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explore, stress } from 'memrace/vitest';
import counter from './fixtures/user/counter.scenario.js';

const failuresDir = mkdtempSync(join(tmpdir(), 'memrace-vitest-'));

describe('memrace/vitest', () => {
  it('passes the correct counter under stress and explore', async () => {
    const r = await stress(counter, { params: { workers: 2 }, ops: 2000 });
    expect(r.verdict).toBe('pass');
    const e = await explore(counter, { params: { workers: 2 }, ops: 2, iterations: 40, failuresDir });
    expect(e.iterations).toBe(40);
  });

  it('fails on the racy counter with the forbidden outcome, the oracle and the replay command', async () => {
    await expect(explore(counter, { variant: 'racy', params: { workers: 2 }, ops: 2, iterations: 300, failuresDir })).rejects.toThrow(
      /counter-ts \[racy\] failed under explore \(iteration \d+ of 300, pct\).*\n\s+forbidden outcome 'lost-update' x1 \(an increment was lost\)\n\s+oracle count: counter is \d+, the actors added \d+\n.*\n\s+replay it: npx memrace replay \.\/test\/fixtures\/user\/counter\.scenario\.ts --variant racy --schedule .*counter-ts-1\.schedule/,
    );
  });

  it('takes a path and a time budget, and fails a stress run with what it saw', async () => {
    await expect(stress('./examples/ringbuf-spsc.scenario.mjs', { variant: 'two-producers', duration: '3s' })).rejects.toThrow(
      /ringbuf-spsc \[two-producers\] failed under stress .*\n\s+forbidden outcome 'lost-or-reordered' x\d+ .*\n(.*\n)*\s+find a schedule that shows it: npx memrace explore \.\/examples\/ringbuf-spsc\.scenario\.mjs --variant two-producers/,
    );
  });
});
