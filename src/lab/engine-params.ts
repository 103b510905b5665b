import { ConfigError, UnknownNameError } from '../errors.js';
import { ARENA_MAX_BYTES } from '../shm/arena.js';
import { type ParamSpec, type Params, flagOf, resolveParams } from './params.js';
import { type Scenario, variantSpec } from './scenario.js';

/** Parameters every scenario has; a scenario's own spec of the same name replaces the default. */
export const ENGINE_PARAMS: readonly ParamSpec[] = [
  { name: 'workers', type: 'int', default: 4, min: 1, max: 64, help: 'actors (worker threads)' },
  { name: 'duration', type: 'duration', default: 2000, min: 1, max: 86_400_000, help: 'how long the actors run (500ms, 3s, 1m)' },
  { name: 'ops', type: 'int', default: 0, min: 0, max: 1_000_000_000, help: 'op budget per actor; 0 runs for --duration' },
  { name: 'seed', type: 'int', default: 1, min: 0, max: 4294967295, help: 'seed of every random choice' },
  { name: 'spin', type: 'int', default: 0, min: 0, max: 1_000_000, help: 'busy-wait a random 0..N iterations before each op: jitter that shakes interleavings loose' },
  { name: 'stride', type: 'int', default: 0, min: 0, help: 'every N ops, wait (at most 1 ms) until the other actors reach the same stride, so their ops start together' },
];

/** The full parameter list of a scenario: the engine's (less those it omits), overridden by its own, then its own. */
export function paramSpecsOf(s: Scenario): ParamSpec[] {
  const own = new Map(s.params.map((p) => [p.name, p]));
  const engine = ENGINE_PARAMS.filter((p) => !s.omit?.includes(p.name)).map((p) => own.get(p.name) ?? p);
  return [...engine, ...s.params.filter((p) => !ENGINE_PARAMS.some((e) => e.name === p.name))];
}

/** Validate raw values (CLI strings or typed) against a scenario; `variant` included. */
export function resolveScenarioParams(s: Scenario, given: Record<string, unknown>): Params {
  const { variant, ...rest } = given;
  const spec = variantSpec(s, variant);
  if (!spec) throw new UnknownNameError('--variant', String(variant), s.variants.map((x) => x.name));
  // The variant's own defaults first; what the caller gave wins.
  const p = resolveParams(paramSpecsOf(s), { ...spec.defaults, ...rest });
  p.variant = spec.name;
  s.validate?.(p);
  for (const c of spec.cannotShow ?? []) if (c.when(p)) throw new ConfigError(c.flag, c.why(p), c.allowed);
  return p;
}

/** What a run's scheduling leaves to the engine: never a cause of a too-large image. */
const NOT_SIZES = new Set(['duration', 'ops', 'seed', 'spin', 'stride']);

/**
 * The image `bytes` a scenario's parameters need does not fit in one arena: a ConfigError
 * naming the size and count flags that were set off their defaults (the ones to make smaller).
 */
export function imageTooLarge(s: Scenario, p: Params, bytes: number): ConfigError {
  const sizes = paramSpecsOf(s).filter((x) => (x.type === 'int' || x.type === 'size') && !NOT_SIZES.has(x.name) && p[x.name] !== x.default);
  const field = sizes.map((x) => `${flagOf(x.name)} ${String(p[x.name])}`).join(' ') || s.name;
  const gib = (n: number) => `${+(n / 2 ** 30).toFixed(1)} GiB`;
  return new ConfigError(field, `the machine image would take ${gib(bytes)}, more than the ${gib(ARENA_MAX_BYTES)} one image holds`, `values whose image fits in ${gib(ARENA_MAX_BYTES)}`);
}
