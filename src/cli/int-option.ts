import { parseParam } from '../lab/params.js';

/** A command's own integer option, checked like a scenario parameter (ConfigError naming the flag). */
export function intOption(name: string, raw: unknown, def: number, min: number, max = 2 ** 31 - 1): number {
  if (raw === undefined) return def;
  return parseParam({ name, type: 'int', default: def, min, max, help: '' }, raw) as number;
}
