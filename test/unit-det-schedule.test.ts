import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  RunningSchedule, SCHEDULE_VERSION, type ScheduleFile, checkGivenParams, decodeDecisions, encodeDecisions, memraceVersion, opBudgetOf, readSchedule,
  replayPlan, writeSchedule,
} from '../src/lab/det/schedule.js';

/**
 * Schedule files in process (test/det-schedule.test.ts makes its files with explore(), on
 * workers): the run-length code, and each reason a file is refused rather than replayed as
 * a different run.
 */
const dir = mkdtempSync(join(tmpdir(), 'memrace-unit-sched-'));

function head(over: Partial<ScheduleFile> = {}): ScheduleFile {
  return {
    format: 'memrace-schedule', version: SCHEDULE_VERSION, memrace: memraceVersion(), scenario: 'sched-probe', variant: 'lost-update',
    params: { ops: 3, variant: 'lost-update' }, seed: 1, iteration: 0, plan: { strategy: 'dfs', seed: 0 }, stepBudget: 100,
    stopOnForbidden: true, decisions: '0*2 1', ...over,
  };
}

let n = 0;
function file(content: unknown): string {
  const f = join(dir, `s${n++}.schedule`);
  writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
  return f;
}

describe('the run-length code of a decision list', () => {
  it('codes a run of one as the bare actor and longer runs as actor*count, and decodes back', () => {
    expect(encodeDecisions([])).toBe('');
    expect(decodeDecisions('')).toEqual([]);
    expect(encodeDecisions([3])).toBe('3');
    expect(encodeDecisions([1, 1])).toBe('1*2');
    expect(encodeDecisions([0, 1, 1, 1, 0, 12, 12])).toBe('0 1*3 0 12*2');
    expect(decodeDecisions('0 1*3 0 12*2')).toEqual([0, 1, 1, 1, 0, 12, 12]);
    expect(decodeDecisions('2*1')).toEqual([2]);
  });
});

describe('readSchedule refuses, with the reason, what it must not replay', () => {
  const refused = (f: string) => {
    try {
      readSchedule(f, 'sched-probe');
    } catch (e) {
      return (e as Error).message;
    }
    return 'read';
  };

  it('reads a good file, and its plan forces the decisions (or is the iteration plan when it has none)', () => {
    const f = file(head());
    const s = readSchedule(f, 'sched-probe');
    expect(replayPlan(s)).toEqual({ strategy: 'dfs', seed: 0, forced: [0, 0, 1] });
    expect(replayPlan({ ...s, decisions: undefined })).toEqual({ strategy: 'dfs', seed: 0 });
    expect(opBudgetOf(s)).toBe(3);
    expect(opBudgetOf({ ...s, opBudget: 7 })).toBe(7);
  });

  it('names a missing file, a directory, bad JSON, another format, version, scenario or memrace', () => {
    const sub = join(dir, 'adir');
    mkdirSync(sub);
    expect(refused(join(dir, 'absent'))).toBe(`--schedule ${join(dir, 'absent')}: no such file`);
    expect(refused(sub)).toBe(`--schedule ${sub}: not a regular file`);
    expect(refused(file('{'))).toMatch(/: not JSON \(/);
    expect(refused(file('null'))).toMatch(/: not a memrace schedule \(no format: 'memrace-schedule'\)$/);
    expect(refused(file({ ...head(), version: SCHEDULE_VERSION + 1 }))).toMatch(
      new RegExp(`: schedule format version ${SCHEDULE_VERSION + 1}, this memrace reads version ${SCHEDULE_VERSION}$`),
    );
    expect(refused(file(head({ scenario: 'ring-stress' })))).toMatch(/: recorded for scenario 'ring-stress', not 'sched-probe'$/);
    expect(refused(file(head({ memrace: '0.0.0-old' })))).toMatch(/: recorded by memrace 0\.0\.0-old, this is .*: the scenario code may differ, re-run explore$/);
  });

  it('names the first bad field: a forced actor past 30, a decision string out of form, a step budget of 0', () => {
    expect(refused(file(head({ plan: { strategy: 'dfs', seed: 0, forced: [31] } })))).toMatch(/: field 'plan\.forced\.0': /);
    expect(refused(file(head({ decisions: '1**2' })))).toMatch(/: field 'decisions': /);
    expect(refused(file(head({ stepBudget: 0 })))).toMatch(/: field 'stepBudget': /);
    expect(refused(file(head({ plan: { strategy: 'dfs', seed: 0, forced: [30] } })))).toBe('read');
  });

  it('writes a file that reads back the same, creating its folder', () => {
    const f = join(dir, 'new', 'deep', 'w.schedule');
    writeSchedule(f, head({ steps: 12 }));
    expect(readSchedule(f, 'sched-probe')).toEqual(head({ steps: 12 }));
  });

  it('keeps exactly the latest running plan in one open file: a shorter one leaves no tail of the longer; removed only when asked', () => {
    const f = join(dir, 'run', 'r.running.schedule');
    const running = new RunningSchedule(f);
    running.write(head({ iteration: 7, plan: { strategy: 'pct', seed: 3, priorities: [9, 8, 7, 6, 5, 4], changePoints: [100, 2000] } }));
    running.write(head({ iteration: 8 }));
    expect(readSchedule(f, 'sched-probe')).toEqual(head({ iteration: 8 }));
    running.close(false);
    running.close(true);
    expect(existsSync(f)).toBe(true);
    const again = new RunningSchedule(f);
    again.close(true);
    expect(existsSync(f)).toBe(false);
  });
});

describe('checkGivenParams', () => {
  it('lets a parameter through when it equals the file\'s, and names the flag when it disagrees', () => {
    const s = head();
    expect(() => checkGivenParams(s, { ops: 3 }, ['ops'])).not.toThrow();
    expect(() => checkGivenParams(s, { ops: 4 }, [])).not.toThrow();
    expect(() => checkGivenParams(s, { ops: 4 }, ['ops'])).toThrow(
      '--ops 4 disagrees with the schedule, recorded with 3: leave it out or use the schedule\'s value',
    );
  });
});
