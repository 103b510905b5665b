/**
 * True under `npm run mutate` (vitest.mutate.config.ts sets MEMRACE_MUTATE). A file that
 * mixes in-process unit tests with tests on real workers skips the latter there with
 * `describe.skipIf(MUTATING)`: workers run the built bundle and never see Stryker's mutant.
 */
export const MUTATING = process.env.MEMRACE_MUTATE === '1';
