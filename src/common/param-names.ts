import { InvalidRequestError, shortName, UnknownParameterError } from './errors';

/** Deepest nesting accepted; Stripe's own parameters never go deeper than a few levels. */
export const MAX_PARAM_DEPTH = 5;

/**
 * What a parameter may be named: the names that hold a hash, the names refused everywhere, and
 * the checks a form's names pass before qs reads them. The one parameter parser (`params.ts`)
 * uses these for forms, query strings and JSON alike.
 */

/**
 * Parameters whose value is a hash with keys of the client's choosing, never a list, whatever the
 * keys look like: `metadata[0]=x` is metadata key "0", as in Stripe's API, which the stripe SDK
 * sends for `metadata: {0: 'x'}`.
 */
export const HASH_PARAMS = new Set(['metadata']);

/**
 * Names refused as parameter names at any depth, metadata keys included. `__proto__` could reach
 * an object's prototype. `constructor` and `prototype` cannot, in the objects this parser builds,
 * but Nest's validation pipe deletes them from every object it validates, as its own guard against
 * prototype pollution, and class-transformer reads a nested object's `constructor` as its type:
 * such a key would be dropped without a word, or fail as a 500. Refused by name, it is a 400.
 */
export const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * The 400 for a name refused at `path`: a reserved name where parameters go is a parameter no
 * endpoint takes, so it is Stripe's unknown parameter; as a key of a hash (metadata) it is a name
 * that oncepay cannot store, as is one holding a NUL or a lone surrogate anywhere.
 */
export function badName(key: string, path: string, inHash: boolean): InvalidRequestError {
  if (RESERVED_NAMES.has(key) && !inHash) return new UnknownParameterError(path);
  return new InvalidRequestError(`Invalid parameter name: ${JSON.stringify(shortName(key))}`, { param: path });
}

/**
 * Decodes one side of a form pair as qs will, and refuses it where qs would not decode it: qs keeps
 * a part whose percent-escapes are broken (`100%`, `%zz`) or are not UTF-8 (`caf%E9`, a Latin-1
 * byte) undecoded and whole, so `name=caf%C3%A9%zz` would be stored as the 16 characters sent.
 * `param` names the parameter whose value this is; a broken name is named by nothing.
 */
function decodePart(part: string, param?: string): string {
  const text = part.replace(/\+/g, ' ');
  if (!text.includes('%')) return text;
  try {
    return decodeURIComponent(text);
  } catch {
    const what = param === undefined ? 'A parameter name' : `The value of ${param}`;
    throw new InvalidRequestError(`${what} holds a percent-escape that is broken or not UTF-8: % must be followed by two hex digits, and the bytes must encode UTF-8 text.`, { param });
  }
}

/**
 * The decoded parameter names of a form body or query string, bracket notation and all, after
 * checking that each name and value decodes (see `decodePart`). A pair is split where qs splits
 * it: at `]=` when there is one, so that a bracketed name may hold `=`, else at the first `=`.
 */
export function formNames(text: string): string[] {
  return text.split('&').map((pair) => {
    const bracketEquals = pair.indexOf(']=');
    const at = bracketEquals === -1 ? pair.indexOf('=') : bracketEquals + 1;
    const name = decodePart(at === -1 ? pair : pair.slice(0, at));
    if (at !== -1) decodePart(pair.slice(at + 1), name);
    return name;
  });
}

/** A list index as qs and JSON write one: `0`, `7`, `42`, never `07` or `-1`. */
export const LIST_INDEX = /^(0|[1-9]\d*)$/;

/** A name in bracket notation: a name, then any number of `[…]` segments holding no bracket. */
const BRACKETED_NAME = /^[^[\]]+(\[[^[\]]*\])*$/;

/**
 * Checks each form parameter's name before qs reads it, for what qs would otherwise reshape without
 * a word, so that a request never succeeds with a parameter other than the one that was sent:
 *
 * - brackets that do not pair up: qs reads `metadata[a=1` as metadata key `[a`, and drops the `b`
 *   of `metadata[a]b=1`;
 * - a `__proto__` segment (`__proto__[x]=1`, `metadata[__proto__]=1`), which qs drops, and which the
 *   JSON path refuses as a key;
 * - `[]` after a hash parameter (`metadata[]=x`): qs makes `[]` and `[0]` the same (see QS_OPTIONS in params.ts),
 *   so it would become metadata key "0", where Stripe refuses it as a list;
 * - a name sent both as a value and with keys (`metadata=&metadata[c]=3`): qs drops one of the two
 *   or makes a list of both, depending on their order, where the client asked for both;
 * - a hash parameter sent bare more than once (`metadata=a&metadata=b`): qs makes a list of the
 *   values, written like metadata keys "0" and "1", where JSON's `["a", "b"]` is refused;
 * - `[]` before another segment (`expand[][]=x`), which qs flattens into `expand[]=x`;
 * - one list written both with `[]` and with indices (`expand[]=a&expand[0]=b`): qs makes the two a
 *   list inside the list, or not, depending on the indices.
 */
export function checkNames(text: string): void {
  // A value without a name (`=x`) would be dropped by qs without a word, where JSON's `{"": "x"}`
  // is refused as an unknown parameter; so it is refused here too, as JSON's is.
  if (text.split('&').some((pair) => pair.startsWith('='))) {
    throw new InvalidRequestError('Received a parameter without a name: every value needs one, as in name=value.');
  }
  const sent = new Set<string>();
  /** The lists (by path) written with `[]`, and those written with an index. */
  const appended = new Set<string>();
  const indexed = new Set<string>();
  /** Each name's proper prefixes (`metadata` of `metadata[c]`), with the name that has it. */
  const prefixes: [prefix: string, name: string][] = [];
  for (const name of formNames(text)) {
    // qs skips an empty pair (`a=1&&b=2`), which holds nothing to reshape.
    if (name === '') continue;
    if (sent.has(name) && HASH_PARAMS.has(name)) {
      throw new InvalidRequestError(`Invalid ${name}: it is a hash of keys, as in ${name}[order]=42; sent more than once it would make a list.`, {
        param: name,
      });
    }
    sent.add(name);
    if (!BRACKETED_NAME.test(name)) {
      // Named by its root, the part before any bracket: the whole name may be a megabyte long.
      const root = /^[^[\]]*/.exec(name)![0];
      throw new InvalidRequestError(`Invalid parameter name starting ${JSON.stringify(shortName(name))}: brackets must pair up, as in metadata[order].`, {
        param: root || undefined,
      });
    }
    // `metadata[__proto__][x]` → ['metadata', '[__proto__]', '[x]']: the root name, then each
    // bracketed segment, so the error can name the path up to the offending one.
    const segments = name.match(/^[^[]*|\[[^[\]]*\]/g)!;
    const names = segments.map((segment, i) => (i === 0 ? segment : segment.slice(1, -1)));
    const pathTo = (at: number) => segments.slice(0, at + 1).join('');
    const proto = names.indexOf('__proto__');
    if (proto !== -1) throw badName('__proto__', pathTo(proto), proto > 0 && HASH_PARAMS.has(names[proto - 1]));
    const hash = names.findIndex((segment, i) => HASH_PARAMS.has(segment) && names[i + 1] === '');
    if (hash !== -1) {
      const path = pathTo(hash);
      throw new InvalidRequestError(`Invalid ${path}: it is a hash of keys, as in ${path}[order]=42; ${path}[] would make it a list.`, {
        param: path,
      });
    }
    const append = names.indexOf('', 1);
    if (append !== -1 && append < names.length - 1) {
      throw new InvalidRequestError(`Invalid ${shortName(pathTo(append))}: [] must end a name, as in expand[]=customer.`, { param: pathTo(append - 1) });
    }
    if (names.length > 1) {
      const list = pathTo(names.length - 2);
      const last = names[names.length - 1];
      if (last === '') appended.add(list);
      else if (LIST_INDEX.test(last)) indexed.add(list);
      if (appended.has(list) && indexed.has(list)) {
        throw new InvalidRequestError(`Invalid ${shortName(list)}: write its elements all with [] or all with indices (${shortName(list)}[0]), not both.`, {
          param: list,
        });
      }
    }
    // A name nested deeper than MAX_PARAM_DEPTH is refused when qs reads it; its prefixes are not
    // collected, so that one name of a million brackets costs no more than its length here.
    if (segments.length <= MAX_PARAM_DEPTH + 1) {
      for (let at = 0; at < segments.length - 1; at++) prefixes.push([pathTo(at), name]);
    }
  }
  // A name cannot be both a value and a holder of keys.
  const both = prefixes.find(([prefix]) => sent.has(prefix));
  if (both) {
    const [prefix, name] = both;
    const shown = shortName(prefix);
    throw new InvalidRequestError(
      `Invalid ${shown}: it is sent both as a value (${shown}=…) and with keys (${shortName(name)}=…); send one or the other.`,
      { param: prefix },
    );
  }
}
