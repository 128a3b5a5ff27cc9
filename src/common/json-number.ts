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
 * The longest a number may be once written out in plain digits. No parameter has a use for a
 * longer one (an amount has at most 8 digits, a metadata value at most 500 characters), and it
 * bounds each number's work: `1e300` written out is 301 characters.
 */
export const MAX_NUMBER_TEXT = 500;

/**
 * The most characters all the numbers of one body may take written out. A 1 MB body can hold
 * about 174 000 numbers of 500 digits written as `1e499`; written out, that would be 87 MB of
 * text, and memory a few requests at once could exhaust.
 */
export const MAX_NUMBERS_TEXT_PER_BODY = 4 * 1024 * 1024;

/** A JSON number's parts; the parser has already checked its grammar. */
const NUMBER = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/;
const ZERO = 48; // '0'

/** A number as its significant digits and where the decimal point falls among them. */
interface Decimal {
  sign: string;
  /** The digits from the first to the last that is not 0; empty for zero. */
  digits: string;
  /** The point comes after this many of `digits`: before them, and zeros, when it is negative. */
  point: number;
  /** The length of its plain text (see `decimalText`). */
  length: number;
}

/**
 * Reads a number token without building any text longer than the token. The zeros at either end
 * are found by walking in from the ends, not with a regular expression: `/0+$/` tries each run of
 * zeros in turn, and a number of many zeros between other digits took minutes.
 */
function decimal(token: string): Decimal {
  const [, sign, whole, fraction = '', exponent = '0'] = NUMBER.exec(token)!;
  const all = whole + fraction;
  let first = 0;
  while (first < all.length && all.charCodeAt(first) === ZERO) first++;
  if (first === all.length) return { sign: '', digits: '', point: 0, length: 1 };
  let end = all.length;
  while (all.charCodeAt(end - 1) === ZERO) end--;
  const digits = all.slice(first, end);
  const point = whole.length + Number(exponent) - first;
  // Written out it is `0.000ddd`, `ddd000` or `dd.d`, with the sign before it.
  let length: number;
  if (point <= 0) length = 2 - point + digits.length;
  else if (point >= digits.length) length = point;
  else length = digits.length + 1;
  return { sign, digits, point, length: sign.length + length };
}

/** The length of a number's plain text (see `decimalText`), found without writing it out. */
export const decimalLength = (token: string): number => decimal(token).length;

/**
 * A number's value in plain decimal digits: no exponent, no leading or trailing zero that carries
 * nothing, `-0` as `0`. Undefined when that text would be longer than MAX_NUMBER_TEXT. (A decimal
 * library would do the same, but pads each zero in a loop of its own: a body of large exponents
 * then kept the server busy for seconds.)
 */
export function decimalText(token: string): string | undefined {
  const { sign, digits, point, length } = decimal(token);
  if (length > MAX_NUMBER_TEXT) return undefined;
  if (digits === '') return '0';
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
