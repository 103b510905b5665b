import { ConfigError } from '../errors.js';
import { parseSize } from '../core/units.js';

export { parseSize };

export type ParamValue = number | string | boolean | number[] | string[];
export type Params = Record<string, ParamValue>;

/**
 * A command-line parameter of a scenario. `name` is the key in the params object and
 * `--name-in-kebab-case` on the command line.
 */
export type ParamSpec =
  | { name: string; type: 'int'; default: number; min?: number; max?: number; allowed?: string; help: string }
  | { name: string; type: 'number'; default: number; min?: number; max?: number; allowed?: string; help: string }
  | { name: string; type: 'bool'; default: boolean; help: string }
  | { name: string; type: 'choice'; default: string; choices: readonly string[]; help: string }
  | { name: string; type: 'string'; default: string; help: string }
  | { name: string; type: 'duration'; default: number; min?: number; max?: number; help: string }
  | { name: string; type: 'size'; default: number; help: string }
  | { name: string; type: 'rate'; default: number; help: string };

/**
 * An int parameter without its own `max` stops here: values land in 32-bit words of the
 * image, and a larger one would only run until killed.
 */
export const INT_MAX = 2 ** 31 - 1;

/** 1500 → '1.5s', 86400000 → '24h': a duration as people write it. */
export function durationText(ms: number): string {
  for (const [unit, per] of [['h', 3_600_000], ['m', 60_000], ['s', 1000]] as const) {
    if (ms >= per && ms % (per / 10) === 0) return `${ms / per}${unit}`;
  }
  return `${ms}ms`;
}

export function flagOf(name: string): string {
  return '--' + name.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/;
const DURATION_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** '3s', '500ms', '2m', '1.5h'; a bare number is seconds. Returns milliseconds. */
export function parseDuration(field: string, text: string): number {
  const m = DURATION.exec(text.trim());
  if (!m) throw new ConfigError(field, `'${text}' is not a duration`, "a number with ms, s, m or h, e.g. 500ms, 3s, 2m (bare numbers are seconds)");
  return Math.round(Number(m[1]) * DURATION_MS[m[2] ?? 's']);
}


/** '100/s', '5/ms', '0'. Returns events per second. */
export function parseRate(field: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(?:\/(ms|s|m))?$/.exec(text.trim());
  if (!m) throw new ConfigError(field, `'${text}' is not a rate`, 'a count per time, e.g. 100/s, 5/ms, 600/m');
  const per = m[2] === 'ms' ? 1000 : m[2] === 'm' ? 1 / 60 : 1;
  return Number(m[1]) * per;
}

/** Parse one CLI string (or pass through an already typed value) against its spec. */
export function parseParam(spec: ParamSpec, raw: unknown): ParamValue {
  const field = flagOf(spec.name);
  const text = typeof raw === 'string' ? raw : String(raw);
  switch (spec.type) {
    case 'int':
    case 'number': {
      const v = typeof raw === 'number' ? raw : Number(text);
      const kind = spec.type === 'int' ? 'an integer' : 'a number';
      const max = spec.max ?? (spec.type === 'int' ? INT_MAX : undefined);
      const range = spec.allowed ?? `${kind} from ${spec.min ?? '-inf'} to ${max ?? 'inf'}`;
      if (text.trim() === '' || !Number.isFinite(v) || (spec.type === 'int' && !Number.isInteger(v))) {
        throw new ConfigError(field, `'${text}' is not ${kind}`, range);
      }
      if ((spec.min !== undefined && v < spec.min) || (max !== undefined && v > max)) {
        throw new ConfigError(field, `${text} is out of range`, range);
      }
      return v;
    }
    case 'bool':
      if (typeof raw === 'boolean') return raw;
      if (/^(1|true|on|yes)$/i.test(text)) return true;
      if (/^(0|false|off|no)$/i.test(text)) return false;
      throw new ConfigError(field, `'${text}' is not a boolean`, 'on, off, true, false, 1, 0');
    case 'choice':
      if (!spec.choices.includes(text)) throw new ConfigError(field, `unknown value '${text}'`, spec.choices.join(', '));
      return text;
    case 'string':
      return text;
    case 'duration': {
      const ms = typeof raw === 'number' ? raw : parseDuration(field, text);
      const min = spec.min ?? 0;
      if (ms < min || (spec.max !== undefined && ms > spec.max)) {
        const shown = typeof raw === 'number' ? `${raw}ms` : `'${text}'`;
        throw new ConfigError(field, `${shown} is out of range`, `${durationText(min)} to ${spec.max === undefined ? 'any length' : durationText(spec.max)}`);
      }
      return ms;
    }
    case 'size':
      return typeof raw === 'number' ? raw : parseSize(field, text);
    case 'rate':
      return typeof raw === 'number' ? raw : parseRate(field, text);
  }
}

/** Defaults overlaid with given values (CLI strings or typed), every one validated. */
export function resolveParams(specs: readonly ParamSpec[], given: Record<string, unknown>): Params {
  const out: Params = {};
  for (const s of specs) out[s.name] = s.default;
  for (const [k, v] of Object.entries(given)) {
    if (v === undefined) continue;
    const spec = specs.find((s) => s.name === k);
    if (!spec) throw new ConfigError(flagOf(k), 'is not a parameter of this scenario', specs.map((s) => flagOf(s.name)).join(', ') || 'none');
    out[k] = parseParam(spec, v);
  }
  return out;
}
