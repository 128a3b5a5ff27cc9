import * as qs from 'qs';
import { InvalidRequestError } from './errors';

/**
 * The one parameter parser. Stripe's API takes form bodies with bracket notation
 * (`metadata[order]=42`, `expand[]=customer`), query strings in the same notation, and JSON; all
 * three become the same `Params` here, so that validation and the idempotency fingerprint see one
 * request however it was encoded. A form can only carry strings, so JSON scalars become the
 * strings a form would have sent: `{"amount": 2000}` and `amount=2000` are the same request.
 */
export type Param = string | Param[] | { [key: string]: Param };
export type Params = { [key: string]: Param };

/** Deepest nesting accepted; Stripe's own parameters never go deeper than a few levels. */
export const MAX_PARAM_DEPTH = 5;
/**
 * Most parameters in one request; past it the request is refused, never silently cut. It is high
 * enough that an oversized `metadata` reaches validation and is refused by name; the 1 MB body
 * limit bounds the work anyway.
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
  // A list may not reach past index MAX_ARRAY_LENGTH. qs throws without naming the parameter, so
  // `parseForm` finds it. The limit also keeps qs fast: it merges a list with indices sent out of
  // order in time that grows with the index, so 20 000 indices sent in reverse took seconds.
  arrayLimit: MAX_ARRAY_LENGTH,
  parameterLimit: MAX_PARAMS,
  throwOnLimitExceeded: true,
  strictDepth: true,
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

/**
 * Names refused as parameter names at any depth, metadata keys included. `__proto__` could reach
 * an object's prototype. `constructor` and `prototype` cannot, in the objects this parser builds,
 * but Nest's validation pipe deletes them from every object it validates, as its own guard against
 * prototype pollution, and class-transformer reads a nested object's `constructor` as its type:
 * such a key would be dropped without a word, or fail as a 500. Refused by name, it is a 400.
 */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

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
function normalize(value: unknown, path: string, depth: number): Param {
  if (depth > MAX_PARAM_DEPTH) throw tooDeep(path);
  if (value === null) return '';
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'string') {
    const problem = badString(value);
    if (problem) throw new InvalidRequestError(`Invalid string in ${path}: ${problem}.`, { param: path });
    return value;
  }
  if (Array.isArray(value)) {
    if (value.length > MAX_ARRAY_LENGTH) {
      throw new InvalidRequestError(`Too many elements in ${path}: at most ${MAX_ARRAY_LENGTH}.`, { param: path });
    }
    return value.map((item, i) => normalize(item, paramPath(path, i), depth + 1));
  }
  if (typeof value === 'object') {
    // Object.entries over an object from JSON.parse or qs yields only own data properties;
    // Object.fromEntries defines them as own properties too, so no key can reach a prototype.
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length > MAX_OBJECT_KEYS) {
      const where = path === '' ? 'the request' : path;
      throw new InvalidRequestError(`Too many parameters in ${where}: at most ${MAX_OBJECT_KEYS}.`, { param: path || undefined });
    }
    return Object.fromEntries(
      entries.map(([key, item]) => {
        const itemPath = paramPath(path, key);
        if (RESERVED_NAMES.has(key) || badString(key)) {
          throw new InvalidRequestError(`Invalid parameter name: ${JSON.stringify(key)}`, { param: itemPath });
        }
        return [key, normalize(item, itemPath, depth + 1)];
      }),
    );
  }
  throw new InvalidRequestError(`Invalid value for ${path || 'the request body'}.`, { param: path || undefined });
}

function toParams(value: unknown): Params {
  const params = normalize(value, '', 0);
  if (typeof params !== 'object' || Array.isArray(params)) {
    throw new InvalidRequestError('The request body must be an object of parameters.');
  }
  return params;
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** The decoded parameter names of a form body or query string, bracket notation and all. */
function formNames(text: string): string[] {
  return text.split('&').map((pair) => safeDecode(pair.split('=')[0]));
}

/**
 * Refuses a form parameter with a `__proto__` segment (`__proto__[x]=1`, `metadata[__proto__]=1`)
 * as the JSON path refuses the same key. qs would drop it without a word, and a request that
 * silently lost a parameter would succeed as if it had never been sent.
 */
function refuseProtoKeys(text: string): void {
  for (const name of formNames(text)) {
    // `metadata[__proto__][x]` → ['metadata', '[__proto__]', '[x]']: the root name, then each
    // bracketed segment, so the error can name the path up to the offending one. A segment holds
    // no `[`, as in qs, which also keeps the match linear on a name of a million `[`.
    const segments = name.match(/^[^[]*|\[[^[\]]*\]/g) ?? [];
    const at = segments.findIndex((segment) => segment === '__proto__' || segment === '[__proto__]');
    if (at !== -1) {
      throw new InvalidRequestError('Invalid parameter name: "__proto__"', { param: segments.slice(0, at + 1).join('') });
    }
  }
}

/**
 * The list that passes MAX_ARRAY_LENGTH in these parameter names, if one does: an index at or past
 * the limit (`expand[100]`), or more than the limit of `[]` elements (`expand[]` 101 times). Named
 * by the path before its index, as `normalize` names a list that is too long.
 */
function longList(names: string[]): string | undefined {
  const appended = new Map<string, number>();
  for (const name of names) {
    const element = /^(.*?)\[(\d*)\]/.exec(name);
    if (!element) continue;
    const [, list, index] = element;
    if (index !== '' && Number(index) >= MAX_ARRAY_LENGTH) return list;
    if (index === '') {
      const count = (appended.get(list) ?? 0) + 1;
      if (count > MAX_ARRAY_LENGTH) return list;
      appended.set(list, count);
    }
  }
  return undefined;
}

/** Parses a query string or a form body in bracket notation. */
export function parseForm(text: string): Params {
  refuseProtoKeys(text);
  let parsed: unknown;
  try {
    parsed = qs.parse(text, QS_OPTIONS);
  } catch {
    // qs throws a RangeError when a limit is exceeded, without saying where: find the parameter
    // that is nested too deeply, if that was it, so the error can name it as the JSON path does.
    const names = formNames(text);
    const deepKey = names.find((key) => (key.match(/\[/g) ?? []).length > MAX_PARAM_DEPTH);
    if (deepKey !== undefined) throw tooDeep(deepKey);
    const list = longList(names);
    if (list !== undefined) throw new InvalidRequestError(`Too many elements in ${list}: at most ${MAX_ARRAY_LENGTH}.`, { param: list });
    throw new InvalidRequestError(`Too many parameters: at most ${MAX_PARAMS} are accepted in one request.`);
  }
  return toParams(parsed);
}

/** Parses a JSON body into the same `Params` the equivalent form body would give. */
export function parseJson(text: string): Params {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new InvalidRequestError('The request body is not valid JSON.');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InvalidRequestError('The JSON body must be an object of parameters.');
  }
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
