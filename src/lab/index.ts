/**
 * The lab: scenarios and their engines. `runStress` runs a scenario on real workers for a
 * duration or an op budget and checks its oracles; `explore` hunts a failing interleaving
 * with the deterministic scheduler and saves it; `replay` runs a saved one again exactly;
 * `sweep` measures scaling and parameter series. Reports render to the terminal, HTML and
 * JUnit.
 *
 *   const report = await runStress({ scenario: 'ring-stress', params: { workers: 2, ops: 1000 } });
 *   report.verdict;                       // 'pass' | 'fail'
 *
 * Workers run the package's built bundle (dist/workers), which an installed package has.
 *
 * @module memrace/lab
 */
export { prepareRun, runStress, type Progress, type StressOptions } from './stress.js';
export { explore, type ExploreOptions, type ExploreResult } from './det/explore.js';
export { replay, replaySchedule, type ReplayResult } from './det/replay.js';
export { readSchedule, writeSchedule, type ScheduleFile } from './det/schedule.js';
export { sweep, type SweepOptions, type SweepPoint, type SweepReport } from './sweep.js';
export {
  defineScenario, violationCount, Violations,
  type CheckContext, type CheckResult, type Grade, type OracleResult, type OutcomeSpec, type RoleFn, type Scenario, type VariantSpec, type CannotShow,
} from './scenario.js';
export type { Violation } from '../core/violation.js';
export type { ParamSpec, ParamValue, Params } from './params.js';
export { forbiddenOutcomes, verdictOf, type ActorReport, type LatencySummary, type OutcomeCount, type Report } from './report.js';
export { renderReport } from './terminal.js';
export { renderSweep } from './sweep-table.js';
export { reportHtml } from './html/report-html.js';
export { sweepHtml } from './html/sweep-html.js';
export { replayHtml } from './html/replay-html.js';
export { junitXml } from './junit.js';
export { scenarios, findScenario } from '../scenarios/index.js';
export { Machine, type MachineOptions } from '../runtime/machine.js';
