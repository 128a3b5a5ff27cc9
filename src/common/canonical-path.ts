import type { IncomingMessage } from 'node:http';

/**
 * Escapes that `encodeURIComponent` writes but a path segment may hold as they are (RFC 3986
 * §3.3 `pchar`: `$ & + , : ; = @`). Putting them back gives the lightest spelling of a segment,
 * so the paths in the request log read as a client would write them.
 */
const NEEDLESS_ESCAPE = /%(2[46BC]|3[ABD]|40)/g;

/**
 * One spelling for every way of writing a path: each segment is decoded and encoded again, so
 * `/v1/charges/ch%5Fx`, `/v1/charges/ch_x` and `/v1/%63harges/ch_x` all become
 * `/v1/charges/ch_x`, and `%2f` becomes `%2F`. Two paths have one spelling exactly when the
 * routes see the same segments (Express decodes each parameter the same way), so nothing that
 * compares paths can tell apart two spellings of one request, nor mistake two requests for one:
 * an escaped `/` (`%2F`) stays escaped, inside its segment. A path with a broken escape (`%zz`)
 * is returned with only its escapes' case changed, for the router to refuse.
 */
export function canonicalPath(path: string): string {
  try {
    return path
      .split('/')
      .map((segment) => encodeURIComponent(decodeURIComponent(segment)).replace(NEEDLESS_ESCAPE, (escape) => decodeURIComponent(escape)))
      .join('/');
  } catch {
    // The router refuses such a path, but a fault's path prefix may end inside a character
    // (`/v1/customers/caf%c3*`): its escapes are spelled in upper case, as the paths they match.
    return path.replace(/%[0-9a-f]{2}/gi, (escape) => escape.toUpperCase());
  }
}

/** Whether each segment of a path decodes: no broken escape (`%zz`), no bytes that are not UTF-8. */
export function decodes(path: string): boolean {
  try {
    path.split('/').forEach((segment) => decodeURIComponent(segment));
    return true;
  } catch {
    return false;
  }
}

/** Requests whose target is no path that can be read, for `RequestMiddleware` to refuse with a 400. */
const unreadable = new WeakSet<IncomingMessage>();

/** Whether `canonicalizePath` found the request's target unreadable: not a URL, or a broken escape. */
export const hasUnreadablePath = (req: IncomingMessage): boolean => unreadable.has(req);

/**
 * Rewrites each request's path to its canonical spelling before anything reads it. The routes,
 * the idempotency fingerprint, fault matching and the request log all read the path, and a
 * client may spell one path several ways (RFC 3986 §6.2.2): without this, a retry that escaped
 * one more character would have another fingerprint, and get 409 `idempotency_key_reused`
 * instead of its replay; and a fault armed for one spelling would miss the other.
 *
 * It listens for the server's requests ahead of Express (see `createApp`), so Express itself, its
 * `originalUrl` and its router included, only ever sees the one spelling, and a target its router
 * cannot read at all comes to `RequestMiddleware` to be refused in the error envelope.
 */
export function canonicalizePath(req: IncomingMessage): void {
  let url = req.url ?? '/';
  // A request target in absolute form (`GET http://[::1]:4242/v1/charges`, RFC 9112 §3.2.2) is
  // served by its path and query, as in the usual form. `OPTIONS *` has no path, and is left to
  // the router, which has no route for it.
  if (!url.startsWith('/') && url !== '*') {
    let target: URL | undefined;
    try {
      target = new URL(url);
    } catch {
      // Not a URL either: a request that reaches nothing, refused once it has its Request-Id.
    }
    url = target ? target.pathname + target.search : '/';
    if (!target) unreadable.add(req);
  }
  if (!url.startsWith('/')) return;
  const queryAt = url.indexOf('?');
  const path = queryAt === -1 ? url : url.slice(0, queryAt);
  // A broken escape makes the path unreadable wherever it is, routed or not: a 400 (the router
  // would refuse it only in a route's parameter, and answer 404 elsewhere).
  if (!decodes(path)) unreadable.add(req);
  req.url = canonicalPath(path) + (queryAt === -1 ? '' : url.slice(queryAt));
}
