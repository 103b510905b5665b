import { EINVAL, ERANGE } from '../errors.js';

/**
 * strstrip (lib/string_helpers.c): leading and trailing whitespace (isspace: space, \t, \n,
 * \v, \f, \r) removed.
 */
export function strstrip(s: string): string {
  return s.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '');
}

/**
 * kstrtoint(s, 0, &res) (lib/kstrtox.c, 6.6): an optional sign ('-' through kstrtoll, '+'
 * through kstrtoull), then base 0's radix: "0x"/"0X" followed by a hex digit is hex, a
 * leading 0 octal, else decimal; digits of that radix to the end, where one '\n' may
 * remain. Returns the value or -EINVAL (not a number) / -ERANGE (outside int).
 */
export function kstrtoint(s: string): { value: number; err: 0 } | { value: 0; err: number } {
  let i = 0;
  let neg = false;
  if (s[0] === '-') {
    neg = true;
    i = 1;
  }
  if (s[i] === '+') i++;
  let radix = 10;
  // Stryker disable next-line StringLiteral: s[i + 2] is undefined only at the end of "0x", which is -EINVAL read as hex with no digit or as octal 0 followed by "x" (equivalent)
  if (s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X') && /[0-9a-fA-F]/.test(s[i + 2] ?? '')) {
    radix = 16;
    i += 2;
  } else if (s[i] === '0') radix = 8;
  const start = i;
  let v = 0n;
  // Stryker disable next-line EqualityOperator: s[s.length] is undefined, which parseInt reads as NaN: the loop ends there either way (equivalent)
  for (; i < s.length; i++) {
    const d = parseInt(s[i], 16);
    if (Number.isNaN(d) || d >= radix) break;
    v = v * BigInt(radix) + BigInt(d);
    if (v > 0xffff_ffff_ffff_ffffn) return { value: 0, err: -ERANGE };
  }
  if (i === start) return { value: 0, err: -EINVAL };
  if (s[i] === '\n') i++;
  if (i !== s.length) return { value: 0, err: -EINVAL };
  const r = neg ? -v : v;
  if (r < -0x8000_0000n || r > 0x7fff_ffffn) return { value: 0, err: -ERANGE };
  return { value: Number(r), err: 0 };
}
