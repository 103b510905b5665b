import { ConfigError } from '../errors.js';

const SIZE = /^(\d+(?:\.\d+)?)([KMGT]i?B?|B)?$/i;
const SIZE_SHIFT: Record<string, number> = { K: 10, M: 20, G: 30, T: 40 };

/** '128M', '4K', '1G', '4096'. Returns bytes. */
export function parseSize(field: string, text: string): number {
  const m = SIZE.exec(text.trim());
  if (!m) throw new ConfigError(field, `'${text}' is not a size`, 'a byte count with an optional K, M, G suffix, e.g. 4096, 64K, 128M, 1G');
  const unit = m[2] ? m[2][0].toUpperCase() : '';
  const bytes = Number(m[1]) * (unit === 'B' || unit === '' ? 1 : 2 ** SIZE_SHIFT[unit]);
  return Math.round(bytes);
}
