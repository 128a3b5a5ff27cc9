import type { IncomingMessage } from 'node:http';

/**
 * Escapes that `encodeURIComponent` writes but a path segment may hold as they are (RFC 3986
 * §3.3 `pchar`: `$ & + , : ; = @`). Putting them back gives the lightest spelling of a segment,
 * so the paths in the request log read as a client would write them.
 */
const NEEDLESS_ESCAPE = /%(2[46BC]|3[ABD]|40)/g;
const ESCAPE = /%[0-9A-Fa-f]{2}/g;

/** A segment decoded and encoded again; throws if it does not decode. */
const respell = (segment: string): string =>
  encodeURIComponent(decodeURIComponent(segment)).replace(NEEDLESS_ESCAPE, (escape) => decodeURIComponent(escape));

/** The range of the second byte of a UTF-8 character after the leads that narrow it. */
const SECOND_BYTE: Record<number, [number, number]> = { 0xe0: [0xa0, 0xbf], 0xed: [0x80, 0x9f], 0xf0: [0x90, 0xbf], 0xf4: [0x80, 0x8f] };

/**
 * The escapes at the end of a segment that start a UTF-8 character without finishing it
 * (`caf%C3`: é is `%C3%A9`), or ''. Only a fault's path prefix ends so.
 */
function unfinishedCharacter(segment: string): string {
  for (let escapes = 1; escapes <= 3; escapes++) {
    const tail = segment.slice(-3 * escapes);
    if (!/^(%[0-9A-Fa-f]{2})+$/.test(tail)) return '';
    const [lead, ...rest] = tail.match(ESCAPE)!.map((escape) => parseInt(escape.slice(1), 16));
    const length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
    // The bytes after the lead are 0x80–0xBF, the second in the narrower range some leads allow
    // (RFC 3629 §4): after E0 no overlong form, after ED no surrogate, after F0 and F4 nothing
    // outside Unicode. A start no character has matches nothing.
    const [low, high] = SECOND_BYTE[lead] ?? [0x80, 0xbf];
    const fits = rest.every((byte, i) => (i === 0 ? byte >= low && byte <= high : byte >= 0x80 && byte <= 0xbf));
    if (length > escapes && fits) return tail;
  }
  return '';
}

/**
 * One segment in its one spelling, and whether it decoded. A segment that does not decode keeps
 * its characters, its escapes in upper case, for the router to refuse; with `prefix`, one that
 * ends inside a character has the rest spelled as usual, so it is the start of the paths it
 * matches.
 */
function spellSegment(segment: string, prefix: boolean): { text: string; decodes: boolean } {
  const tail = prefix ? unfinishedCharacter(segment) : '';
  try {
    return { text: respell(segment.slice(0, segment.length - tail.length)) + tail.toUpperCase(), decodes: true };
  } catch {
    return { text: segment.replace(ESCAPE, (escape) => escape.toUpperCase()), decodes: false };
  }
}

/**
 * One spelling for every way of writing a path: each segment is decoded and encoded again, so
 * `/v1/charges/ch%5Fx`, `/v1/charges/ch_x` and `/v1/%63harges/ch_x` all become
 * `/v1/charges/ch_x`, and `%2f` becomes `%2F`. Two paths have one spelling exactly when the
 * routes see the same segments (Express decodes each parameter the same way), so nothing that
 * compares paths can tell apart two spellings of one request, nor mistake two requests for one:
 * an escaped `/` (`%2F`) stays escaped, inside its segment. `decodes` is false when a segment
 * holds a broken escape (`%zz`) or bytes that are not UTF-8; with `prefix` (a fault's path
 * prefix), the last segment may end inside a character.
 */
export function spellPath(path: string, { prefix = false } = {}): { path: string; decodes: boolean } {
  const segments = path.split('/').map((segment, i, all) => spellSegment(segment, prefix && i === all.length - 1));
  return { path: segments.map((segment) => segment.text).join('/'), decodes: segments.every((segment) => segment.decodes) };
}

/** Requests whose target is no path that can be read, for `RequestMiddleware` to refuse with a 400. */
const unreadable = new WeakSet<IncomingMessage>();

/** Whether `canonicalizePath` found the request's target unreadable: not a URL, or a broken escape. */
export const hasUnreadablePath = (req: IncomingMessage): boolean => unreadable.has(req);

/**
 * The path and query of a request target in absolute form (`http://[::1]:4242/v1/charges?x=1`,
 * RFC 9112 §3.2.2), taken as written: a URL parser would also resolve `..` segments, escaped ones
 * included, and so serve a path the client never sent. Undefined when it is not an http(s) URL.
 */
function originForm(target: string): string | undefined {
  try {
    if (!['http:', 'https:'].includes(new URL(target).protocol)) return undefined;
  } catch {
    return undefined;
  }
  const afterAuthority = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*(.*)$/i.exec(target);
  if (!afterAuthority) return undefined;
  const rest = afterAuthority[1];
  return rest.startsWith('/') ? rest : `/${rest}`;
}

/**
 * Rewrites each request's path to its canonical spelling before anything reads it. The routes,
 * the idempotency fingerprint, fault matching and the request log all read the path, and a
 * client may spell one path several ways (RFC 3986 §6.2.2): without this, a retry that escaped
 * one more character would have another fingerprint, and get 409 `idempotency_key_reused`
 * instead of its replay; and a fault armed for one spelling would miss the other.
 *
 * It listens for the server's requests ahead of Express (see `createApp`), so Express itself, its
 * `originalUrl` and its router included, only ever sees the one spelling, and a target its router
 * cannot read at all comes to `RequestMiddleware` to be refused in the error envelope. It runs
 * outside Express's own error handling, where a throw would end the process: so nothing in it
 * may throw, and anything unforeseen makes the request unreadable instead.
 */
export function canonicalizePath(req: IncomingMessage): void {
  try {
    let url = req.url ?? '/';
    // `OPTIONS *` has no path, and is left to the router, which has no route for it.
    if (url === '*') return;
    if (!url.startsWith('/')) {
      const path = originForm(url);
      if (path === undefined) unreadable.add(req);
      url = path ?? '/';
    }
    // A fragment is the client's own, never part of what is requested.
    const fragmentAt = url.indexOf('#');
    if (fragmentAt !== -1) url = url.slice(0, fragmentAt);
    const queryAt = url.indexOf('?');
    const spelled = spellPath(queryAt === -1 ? url : url.slice(0, queryAt));
    // A broken escape makes the path unreadable wherever it is, routed or not: a 400 (the router
    // would refuse it only in a route's parameter, and answer 404 elsewhere).
    if (!spelled.decodes) unreadable.add(req);
    req.url = spelled.path + (queryAt === -1 ? '' : url.slice(queryAt));
  } catch {
    unreadable.add(req);
    req.url = '/';
  }
}
