import { parse as parseLossless } from 'lossless-json';
import * as qs from 'qs';
import { InvalidRequestError, shortName } from './errors';
import { decimalLength, decimalText, JsonNumber, MAX_NUMBER_TEXT, MAX_NUMBERS_TEXT_PER_BODY, numberText } from './json-number';
import { badName, checkNames, formNames, HASH_PARAMS, LIST_INDEX, MAX_PARAM_DEPTH, RESERVED_NAMES } from './param-names';

/**
 * The one parameter parser. Stripe's API takes form bodies with bracket notation
 * (`metadata[order]=42`, `expand[]=customer`), query strings in the same notation, and JSON; all
 * three become the same `Params` here, so that validation and the idempotency fingerprint see one
 * request however it was encoded. A form can only carry strings, so JSON scalars become the
 * strings a form would have sent: `{"amount": 2000}` and `amount=2000` are the same request.
 */
export type Param = string | Param[] | { [key: string]: Param };
export type Params = { [key: string]: Param };

/**
 * Most `&`-separated pairs in one form body or query string; past it the request is refused,
 * never silently cut. It only bounds the parser's own work (the 1 MB body limit usually comes
 * first); the limit a client meets is MAX_OBJECT_KEYS, which counts the keys of each object.
 */
export const MAX_PARAMS = 100_000;
/** Most elements in one array parameter (`expand[]`). */
export const MAX_ARRAY_LENGTH = 100;
/**
 * Most keys in one object, the top level included: far above any real request (a request has a
 * few dozen parameters; metadata holds at most 50 keys). class-transformer, which copies the
 * parameters into the DTOs, takes time that grows with the square of an object's keys, so one
 * object of 100 000 keys held the server for seconds.
 */
export const MAX_OBJECT_KEYS = 1_000;
/** Largest request body accepted, in bytes; a larger one is a 413. */
export const MAX_BODY_BYTES = 1024 * 1024;

const QS_OPTIONS: qs.IParseOptions = {
  depth: MAX_PARAM_DEPTH,
  strictDepth: true,
  // qs never builds an array: `expand[0]=x`, `expand[]=x` and a repeated `name=x` all become
  // objects keyed by index (`{"0": "x"}`), and `normalize` turns those into lists, except under a
  // hash parameter. qs decides by the brackets alone, so with lists on it cannot tell
  // `metadata[5]` (a metadata key "5") from `expand[5]` (a list element); an index-keyed object
  // keeps both readings open until the parameter's name is known. It also keeps qs fast: qs merges
  // a list with indices sent out of order in time that grows with the index.
  arrayLimit: -1,
  // The parameter count is checked by `parseForm` itself: qs's own check can only throw on
  // parameters and lists together, and lists are no limit of qs's any more (see above).
  parameterLimit: Infinity,
  // Null-prototype objects, so that a parameter named `toString` is kept rather than dropped.
  plainObjects: true,
};

function paramPath(parent: string, key: string | number): string {
  return parent === '' ? String(key) : `${parent}[${key}]`;
}

/** The error for a parameter nested past `MAX_PARAM_DEPTH`, named by its top-level name. */
function tooDeep(path: string): InvalidRequestError {
  const param = path.split('[')[0];
  return new InvalidRequestError(`Invalid ${param}: parameters may be nested at most ${MAX_PARAM_DEPTH} levels deep.`, { param });
}

/**
 * A UTF-16 surrogate not paired with its other half, as JSON's `\ud800` can write. It is not a
 * character: PostgreSQL refuses it in `jsonb`, and validators that encode text throw on it. With
 * the `u` flag a well-formed pair is one code point, so only a lone half matches.
 */
const LONE_SURROGATE = /\p{Surrogate}/u;

/** Why a string cannot be stored, or null when it can. */
function badString(text: string): string | null {
  if (text.includes('\0')) return 'NUL characters are not allowed';
  if (LONE_SURROGATE.test(text)) return 'it is not valid Unicode (a lone UTF-16 surrogate)';
  return null;
}

/**
 * Checks and copies a parsed value into `Params`. Refuses what PostgreSQL or JavaScript would
 * choke on later — NUL characters (PostgreSQL text cannot hold them), lone surrogates and
 * the reserved names above — with a 400 naming the parameter, so that no input can reach the
 * database and turn into a 500.
 */
function normalize(value: unknown, path: string, depth: number, isHash = false): Param {
  if (depth > MAX_PARAM_DEPTH) throw tooDeep(path);
  if (value === null) return '';
  if (value instanceof JsonNumber) return numberText(value, path);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') {
    const problem = badString(value);
    if (problem) throw new InvalidRequestError(`Invalid string in ${path}: ${problem}.`, { param: path });
    return value;
  }
  if (Array.isArray(value)) return normalizeList(value, path, depth);
  if (typeof value === 'object') {
    // Object.entries over an object from JSON.parse or qs yields only own data properties;
    // Object.fromEntries defines them as own properties too, so no key can reach a prototype.
    const entries = Object.entries(value as Record<string, unknown>);
    // An object keyed by list indices is a list written in brackets (see QS_OPTIONS), or the same
    // in JSON, so that `expand[0]=x` and `{"expand": {"0": "x"}}` are `{"expand": ["x"]}`. A gap
    // closes up (`expand[1]=x` alone is `["x"]`), as qs's own lists do. JavaScript lists an object's
    // array-index keys first and in ascending order, so `entries` is already in list order. A list
    // is bounded by MAX_ARRAY_LENGTH, and refused by that bound, however long it is.
    if (!isHash && path !== '' && entries.length > 0 && entries.every(([key]) => LIST_INDEX.test(key))) {
      if (entries.some(([key]) => Number(key) >= MAX_ARRAY_LENGTH)) throw tooLong(path);
      return normalizeList(entries.map(([, item]) => item), path, depth);
    }
    if (entries.length > MAX_OBJECT_KEYS) {
      const where = path === '' ? 'the request' : path;
      throw new InvalidRequestError(`Too many parameters in ${where}: at most ${MAX_OBJECT_KEYS}.`, { param: path || undefined });
    }
    return Object.fromEntries(
      entries.map(([key, item]) => {
        const itemPath = paramPath(path, key);
        if (RESERVED_NAMES.has(key) || badString(key)) throw badName(key, itemPath, isHash);
        return [key, normalize(item, itemPath, depth + 1, HASH_PARAMS.has(key))];
      }),
    );
  }
  throw new InvalidRequestError(`Invalid value for ${path || 'the request body'}.`, { param: path || undefined });
}

/** The error for a list past MAX_ARRAY_LENGTH elements, or with an index at or past it. */
function tooLong(path: string): InvalidRequestError {
  return new InvalidRequestError(`Too many elements in ${path}: at most ${MAX_ARRAY_LENGTH}.`, { param: path });
}

function normalizeList(items: unknown[], path: string, depth: number): Param[] {
  if (items.length > MAX_ARRAY_LENGTH) throw tooLong(path);
  return items.map((item, i) => normalize(item, paramPath(path, i), depth + 1));
}

function toParams(value: unknown): Params {
  const params = normalize(value, '', 0);
  if (typeof params !== 'object' || Array.isArray(params)) {
    throw new InvalidRequestError('The request body must be an object of parameters.');
  }
  return params;
}

/** Parses a query string or a form body in bracket notation. */
export function parseForm(text: string): Params {
  if (text.split('&', MAX_PARAMS + 1).length > MAX_PARAMS) {
    throw new InvalidRequestError(`Too many parameters: at most ${MAX_PARAMS} are accepted in one request.`);
  }
  checkNames(text);
  let parsed: unknown;
  try {
    parsed = qs.parse(text, QS_OPTIONS);
  } catch {
    // With the options above, qs throws only when a name is nested past MAX_PARAM_DEPTH, without
    // saying which: find it, so the error can name it as the JSON path does.
    // (qs counts `[…]` segments, so the name it choked on has more than that many `[`.)
    const deepKey = formNames(text).find((key) => (key.match(/\[/g) ?? []).length > MAX_PARAM_DEPTH);
    throw deepKey === undefined ? new InvalidRequestError('The parameters could not be read.') : tooDeep(deepKey);
  }
  return toParams(parsed);
}

/** Whether `value` holds arrays or objects more than `levels` deep. */
function nestedDeeperThan(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  return levels === 0 || Object.values(value).some((item) => nestedDeeperThan(item, levels - 1));
}

/**
 * The 400 for a body nested thousands of levels deep, which exhausts lossless-json's recursive
 * parser. JSON.parse, which does not recurse, reads it, to name the top-level parameter that holds
 * the nesting, as `normalize` names a parameter nested a few levels too deep.
 */
function tooDeepForParser(text: string): InvalidRequestError {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return notJson('it is nested too deeply to read, and broken');
  }
  if (!isParamsObject(parsed)) return notAnObject();
  const deep = Object.entries(parsed).find(([, value]) => nestedDeeperThan(value, MAX_PARAM_DEPTH));
  return deep ? tooDeep(deep[0]) : new InvalidRequestError('The request body is nested too deeply.');
}

/** Whether a parsed JSON body is an object, as a body of parameters must be. */
function isParamsObject(parsed: unknown): parsed is object {
  return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) && !(parsed instanceof JsonNumber);
}

const notAnObject = () => new InvalidRequestError('The JSON body must be an object of parameters.');
const notJson = (why: string) => new InvalidRequestError(`The request body is not valid JSON: ${why}.`);

/**
 * Whether two parsed JSON values are one value: numbers by what they are worth (`2000` and `2e3`),
 * the rest as written. lossless-json first compares a duplicate with the value it replaces as
 * written, and calls `duplicateKey` only when they differ; this second walk compares counts before
 * members, so it costs no more than the smaller value's size, and the whole check stays linear in
 * the body.
 */
function sameJsonValue(a: unknown, b: unknown): boolean {
  if (a instanceof JsonNumber || b instanceof JsonNumber) {
    if (!(a instanceof JsonNumber && b instanceof JsonNumber)) return false;
    const text = decimalText(a.text);
    // Two numbers too long to write out are not known to be one: they are refused, not merged.
    return text !== undefined && text === decimalText(b.text);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((item, index) => sameJsonValue(item, b[index]));
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) {
    const aKeys = Object.keys(a);
    if (aKeys.length !== Object.keys(b).length) return false;
    const bRecord = b as Record<string, unknown>;
    return aKeys.every((key) => Object.hasOwn(bRecord, key) && sameJsonValue((a as Record<string, unknown>)[key], bRecord[key]));
  }
  return a === b;
}

/**
 * A key written twice in one object with different values: which would the client mean? It is
 * refused, where JSON.parse would keep the last one without a word; written twice with one value,
 * it is that value. The key is cut short in the message (`shortName`).
 */
function duplicateKey({ key, oldValue, newValue }: { key: string; oldValue: unknown; newValue: unknown }): unknown {
  if (sameJsonValue(oldValue, newValue)) return newValue;
  throw notJson(`it names the key ${JSON.stringify(shortName(key))} twice, with different values`);
}

/**
 * Parses a JSON body into the same `Params` the equivalent form body would give. lossless-json
 * is JSON.parse with numbers handed over as their text (see JsonNumber), and a hook for a key
 * written twice (`duplicateKey`).
 */
export function parseJson(text: string): Params {
  let parsed: unknown;
  // How much text the body's numbers will make once written out, counted as they are read.
  let numbersText = 0;
  const parseNumber = (digits: string): JsonNumber => {
    // A number too long to write out at all is refused by itself, naming its parameter, and is
    // never written out: it counts only as much as the longest that is.
    numbersText += Math.min(decimalLength(digits), MAX_NUMBER_TEXT + 1);
    if (numbersText > MAX_NUMBERS_TEXT_PER_BODY) {
      throw new InvalidRequestError(`The numbers in the request body would be over ${MAX_NUMBERS_TEXT_PER_BODY} characters written out.`);
    }
    return new JsonNumber(digits);
  };
  try {
    parsed = parseLossless(text, null, { parseNumber, onDuplicateKey: duplicateKey });
  } catch (error) {
    if (error instanceof InvalidRequestError) throw error;
    // Its parser recurses into each array and object, so nesting thousands deep exhausts the
    // stack (a RangeError); anything else it throws is a SyntaxError describing the text, which
    // quotes at most one character of it.
    if (error instanceof RangeError) throw tooDeepForParser(text);
    throw notJson((error as Error).message);
  }
  if (!isParamsObject(parsed)) throw notAnObject();
  return toParams(parsed);
}

/** Parses a request body by its media type; an empty body is no parameters. */
export function parseBody(contentType: string | undefined, text: string): Params {
  if (text.length === 0) return {};
  const mediaType = (contentType ?? '').split(';')[0].trim().toLowerCase();
  if (mediaType === 'application/json') return parseJson(text);
  if (mediaType === 'application/x-www-form-urlencoded') return parseForm(text);
  throw new InvalidRequestError(
    `Unsupported Content-Type ${JSON.stringify(mediaType || 'none')}: send application/x-www-form-urlencoded or application/json.`,
    {},
    415,
  );
}
