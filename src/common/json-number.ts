import { InvalidRequestError } from './errors';

/**
 * A JSON number, as the text a form would send for it. It is read from the number's own digits,
 * never through a double, which would change the value: `1999.99999999999999` would become an
 * amount of 2000, and metadata `123456789012345678` would be stored as `…680`. The same value
 * gives the same text however it is written (`2e3`, `2000.0` and `2000` are all `2000`), so
 * that a retry that writes it differently is the same request.
 */
export class JsonNumber {
  constructor(readonly text: string) {}
}

/**
 * The longest a number may be once written out in plain digits: as long as the longest text a
 * parameter takes (a metadata value), so no number a parameter could hold is refused here. It
 * bounds the work too: `1e300` written out is 301 characters, and a body full of such numbers
 * must not keep the server busy.
 */
export const MAX_NUMBER_TEXT = 500;

/** A JSON number's parts; the parser has already checked its grammar. */
const NUMBER = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;

/**
 * A number's value in plain decimal digits: no exponent, no leading or trailing zero that carries
 * nothing, `-0` as `0`. Undefined when that text would be longer than MAX_NUMBER_TEXT. (A decimal
 * library would do the same, but pads each zero in a loop of its own: a body of large exponents
 * then kept the server busy for seconds.)
 */
export function decimalText(token: string): string | undefined {
  const [, sign, whole, fraction = '', exponent = '0'] = NUMBER.exec(token)!;
  const all = whole + fraction;
  const significant = all.replace(/^0+/, '');
  if (significant === '') return '0';
  // Where the decimal point falls among the significant digits: after `point` of them (before
  // the first one, and zeros, when it is negative). The leading zeros dropped move it left.
  const point = whole.length + Number(exponent) - (all.length - significant.length);
  const digits = significant.replace(/0+$/, '');
  const length = sign.length + Math.max(point, digits.length) + (point <= 0 ? 2 - point : point < digits.length ? 1 : 0);
  if (length > MAX_NUMBER_TEXT) return undefined;
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return `${sign}${digits}${'0'.repeat(point - digits.length)}`;
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** The text of a number at `path`, or a 400 naming it when it is too long to write out. */
export function numberText(value: JsonNumber, path: string): string {
  const text = decimalText(value.text);
  if (text === undefined) {
    throw new InvalidRequestError(`Invalid number in ${path}: written out in full it would be longer than ${MAX_NUMBER_TEXT} characters.`, {
      param: path,
    });
  }
  return text;
}
