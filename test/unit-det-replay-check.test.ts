import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DetRun } from '../src/lab/det/engine.js';
import { checkScenarioSource, differenceOf } from '../src/lab/det/replay.js';
import { type ScheduleFile, encodeDecisions } from '../src/lab/det/schedule.js';
import { scenarioSource } from '../src/scenarios/user.js';
import { findScenario, resolveScenario } from '../src/scenarios/index.js';

/**
 * What replay checks before and after it runs a schedule, in process (replay itself runs the
 * actors on workers): that the code is the code the schedule was recorded on, and how a
 * run that passes compares. test/user-scenario.test.ts shows the same refusals through the CLI.
 */
const file = resolve('test/fixtures/user/raw-lock.scenario.mjs');

describe('a schedule replays only the code it was recorded on (checkScenarioSource)', () => {
  it("accepts a built-in's schedule for the built-in, and a file's for the same bytes", async () => {
    expect(() => checkScenarioSource({ scenario: 'ring-stress' } as ScheduleFile, findScenario('ring-stress'))).not.toThrow();
    const user = await resolveScenario(file);
    const { sha256 } = scenarioSource(user)!;
    expect(() => checkScenarioSource({ scenario: 'raw-lock', scenarioFile: file, sha256 } as ScheduleFile, user)).not.toThrow();
  });

  it("refuses a built-in's schedule for a file, and a file's for a built-in (naming the file, or '?' when the schedule has none)", async () => {
    const user = await resolveScenario(file);
    expect(() => checkScenarioSource({ scenario: 'raw-lock' } as ScheduleFile, user)).toThrow(
      `the schedule cannot replay: it was recorded for the built-in scenario 'raw-lock', not the file ${file}`,
    );
    const ring = findScenario('ring-stress');
    const sha256 = 'ab'.repeat(32);
    expect(() => checkScenarioSource({ scenario: 'x', scenarioFile: '/x/counter.mjs', sha256 } as ScheduleFile, ring)).toThrow(
      "the schedule cannot replay: it was recorded for the scenario file /x/counter.mjs, not the built-in 'ring-stress'",
    );
    expect(() => checkScenarioSource({ scenario: 'x', sha256 } as ScheduleFile, ring)).toThrow("recorded for the scenario file ?, not the built-in 'ring-stress'");
  });

  it('refuses a file changed since, with both hashes cut to 12 digits, as E_SCHEDULE', async () => {
    const user = await resolveScenario(file);
    const now = scenarioSource(user)!.sha256;
    const then = `0123456789ab${'c'.repeat(52)}`;
    let err: unknown;
    try {
      checkScenarioSource({ scenario: 'raw-lock', scenarioFile: file, sha256: then } as ScheduleFile, user);
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({
      code: 'E_SCHEDULE',
      message: `the schedule cannot replay: the scenario file ${file} has changed since the schedule was recorded (sha256 0123456789ab… then, ${now.slice(0, 12)}… now), so its decisions would drive different code: explore it again`,
    });
  });
});

it('a pass replayed as the same pass is no difference', () => {
  const schedule = { decisions: encodeDecisions([0, 1]), steps: 4 } as unknown as ScheduleFile;
  const passed = { decisions: [{ chosen: 0 }, { chosen: 1 }], failure: null, steps: 4 } as unknown as DetRun;
  expect(differenceOf(schedule, passed)).toBeUndefined();
  expect(differenceOf(schedule, { ...passed, steps: 5 })).toBe('5 turns, recorded 4');
});
