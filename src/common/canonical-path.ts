import type { NextFunction, Request, Response } from 'express';

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
 * is returned as it is, for the router to refuse.
 */
export function canonicalPath(path: string): string {
  try {
    return path
      .split('/')
      .map((segment) => encodeURIComponent(decodeURIComponent(segment)).replace(NEEDLESS_ESCAPE, (escape) => decodeURIComponent(escape)))
      .join('/');
  } catch {
    return path;
  }
}

/**
 * Rewrites each request's path to its canonical spelling before anything reads it. The routes,
 * the idempotency fingerprint, fault matching and the request log all read the path, and a
 * client may spell one path several ways (RFC 3986 §6.2.2): without this, a retry that escaped
 * one more character would have another fingerprint, and get 409 `idempotency_key_reused`
 * instead of its replay; and a fault armed for one spelling would miss the other.
 * Express copies the URL to `originalUrl` before any middleware runs; it is rewritten too, so
 * that every reader, the early authentication check included, sees the one spelling.
 */
export function canonicalizePath(req: Request, _res: Response, next: NextFunction): void {
  const queryAt = req.url.indexOf('?');
  const path = queryAt === -1 ? req.url : req.url.slice(0, queryAt);
  const canonical = canonicalPath(path);
  if (canonical !== path) {
    req.url = canonical + (queryAt === -1 ? '' : req.url.slice(queryAt));
    req.originalUrl = req.url;
  }
  next();
}
