import { Injectable, Logger, NestMiddleware, NotFoundException } from '@nestjs/common';
import { raw } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { API_PREFIX } from './api-prefix';
import { apiKeyFrom } from './auth.guard';
import { bodyText } from './body-text';
import { hasUnreadablePath } from './canonical-path';
import { asksForMoreThanContinue, inviteBody, unsupportedExpectation } from './client-error';
import { InvalidRequestError, PayloadTooLargeError, RateLimitError } from './errors';
import { answeredApiVersion, echoedIdempotencyKey, timesSent } from './headers';
import { newId } from './ids';
import { answersOwedOnArrival, MAX_ANSWERS_OWED_PER_CONNECTION } from './in-flight';
import { MAX_BODY_BYTES, parseBody } from './params';
import { getContext, setContext } from './request-context';

/** The 400 for a request whose target `canonicalizePath` could not read, or undefined. */
function unreadablePathError(req: Request): InvalidRequestError | undefined {
  if (!hasUnreadablePath(req)) return undefined;
  return new InvalidRequestError('The request path cannot be read: a percent-escape is broken or not UTF-8, or the target is not a URL.');
}

/** Routes that need an API key; everything else (`/health`, `/docs`, the playground) is open. */
const AUTHENTICATED_PREFIXES = [API_PREFIX, '/_sandbox/'];

/**
 * A request's path. Inside a middleware Express gives `req.path` relative to where the middleware
 * is mounted; `originalUrl` is the whole path, in the one spelling `canonicalizePath` gave it.
 */
const pathOf = (req: Request): string => req.originalUrl.split('?')[0];

/** Whether a path is an authenticated route's: the only routes that take a POST body. */
const isApiPath = (path: string): boolean => AUTHENTICATED_PREFIXES.some((prefix) => path.startsWith(prefix));

/**
 * Paths of Stripe's API that oncepay does not have, but that a route of its own would otherwise
 * take: `GET /v1/customers/search` (the stripe SDK's `customers.search`) would be the retrieve of
 * a customer named "search", refusing its `query` parameter. They answer as the unknown URLs they
 * are, a 404, before any key, fault or body is looked at, as every other unknown URL does.
 */
const UNIMPLEMENTED_PATHS = new Set([`${API_PREFIX}customers/search`, `${API_PREFIX}charges/search`]);

/**
 * The 401 for a request to an authenticated route without a valid key, or undefined. The guard
 * (`AuthGuard`) checks keys for the routes; this earlier check only decides whether the body is
 * worth reading at all.
 */
function missingKeyError(req: Request): unknown {
  try {
    apiKeyFrom(req);
    return undefined;
  } catch (authError) {
    return authError;
  }
}

/** A Host value: a name or address, and a port; nothing a URL would put around them. */
const HOST_VALUE = /^[^\s/?#@\\]+$/;

/**
 * The 400 for an HTTP/1.1 request whose `Host` is missing, sent twice or not a host (RFC 9112
 * §3.2 asks a server to refuse all three), or undefined. Node would refuse a missing one with an
 * empty body; `answerClientErrors` leaves it to this check, so that the refusal carries the error
 * envelope and a `Request-Id` like any other.
 */
function badHostError(req: Request): InvalidRequestError | undefined {
  if (req.httpVersion !== '1.1') return undefined;
  const host = req.headers.host;
  if (host === undefined) return new InvalidRequestError('An HTTP/1.1 request must have a Host header.');
  if (timesSent(req, 'host') > 1) return new InvalidRequestError('A request must have one Host header, not several.');
  if (!HOST_VALUE.test(host)) return new InvalidRequestError(`Invalid Host header ${JSON.stringify(host)}.`);
  return undefined;
}

/**
 * The 417 for an `Expect` header that asks for more than `100-continue`, or undefined. Node
 * answers one without `100-continue` itself (`answerClientErrors` gives that answer the envelope),
 * but lets through a list that holds it among others (`100-continue, foo`), whose other
 * expectations nothing here meets.
 */
function unmetExpectationError(req: Request): InvalidRequestError | undefined {
  const expectation = req.headers.expect;
  if (!asksForMoreThanContinue(expectation)) return undefined;
  return new InvalidRequestError(unsupportedExpectation(expectation), {}, 417);
}

/**
 * The 400 for a `Transfer-Encoding` other than `chunked` alone, or undefined. Node frames a body
 * by its last coding, `chunked`, and passes it on with the codings before it (`gzip, chunked`)
 * still applied, which nothing here undoes: the body would be read as bytes it is not.
 */
function unsupportedTransferCoding(req: Request): InvalidRequestError | undefined {
  const coding = req.headers['transfer-encoding'];
  if (coding === undefined || coding.trim().toLowerCase() === 'chunked') return undefined;
  return new InvalidRequestError(`Unsupported Transfer-Encoding ${JSON.stringify(coding)}: only chunked is supported.`);
}

/**
 * Whether a body is sent compressed: a Content-Encoding other than identity (an empty one is
 * none, as body-parser reads it).
 */
const isCompressed = (req: Request): boolean => (req.headers['content-encoding'] || 'identity').trim().toLowerCase() !== 'identity';

/**
 * The 413 for a body whose `Content-Length` is over the limit, or undefined: it is answered before
 * a byte of the body is read. body-parser refuses it too, but answers only once it has read and
 * discarded all of it, for as long as the client sends (or claims to: a request declaring 100 GB
 * and sending 7 bytes would get no answer until Node's request timeout). A compressed body's
 * length is not its size once inflated, which body-parser bounds as it inflates, so only an
 * uncompressed one is judged here.
 */
function declaredTooLarge(req: Request): InvalidRequestError | undefined {
  // Node has refused a Content-Length that is not a number, or sent twice with two values.
  if (isCompressed(req) || !(Number(req.headers['content-length']) > MAX_BODY_BYTES)) return undefined;
  return new PayloadTooLargeError();
}

/** The Content-Encodings a body may be sent in: body-parser inflates these, and only these. */
const BODY_ENCODINGS = 'identity, gzip, deflate or br';

/**
 * The error for a body that could not be read, in oncepay's words where body-parser's would not
 * do. body-parser gives each of its own errors a `type` (`request.aborted`, `entity.too.large`),
 * which the error filter answers. A body that does not inflate (`Content-Encoding: gzip` on bytes
 * that are not gzip) fails in zlib, whose error body-parser passes on as it is, with no `type` and
 * zlib's own message (`incorrect header check`), which would name an internal; and an encoding
 * body-parser does not know gets a message that does not say which ones it does.
 */
function bodyReadError(error: unknown, req: Request): unknown {
  const type = (error as { type?: unknown } | null)?.type;
  const encoding = JSON.stringify(req.headers['content-encoding'] || 'identity');
  if (type === 'encoding.unsupported') {
    return new InvalidRequestError(`Unsupported Content-Encoding ${encoding}: send the body as ${BODY_ENCODINGS}.`, {}, 415);
  }
  // (An uncompressed body's read fails without a `type` only when its connection breaks, and then
  // no one reads the answer.)
  if (type === undefined && isCompressed(req)) {
    return new InvalidRequestError(`The request body is not valid ${encoding} data, as its Content-Encoding says it is.`);
  }
  return error;
}

/** Reads any body as bytes, up to the size limit; `bodyText` decodes them, `parseBody` parses them. */
const readBody = raw({ type: () => true, limit: MAX_BODY_BYTES });

/**
 * The first thing every request meets: gives it a `Request-Id`, writes one structured log line
 * when its answer has gone out, and parses the body of a POST to the API into parameters. Parse
 * errors are passed to `next`, so they reach the exception filter and the error envelope like any
 * other error (after a missing or malformed API key, which is answered first, without reading the
 * body).
 */
@Injectable()
export class RequestMiddleware implements NestMiddleware {
  private readonly logger = new Logger('http');

  use(req: Request, res: Response, next: NextFunction): void {
    const started = process.hrtime.bigint();
    const context = setContext(req, { requestId: newId('req') });
    res.setHeader('Request-Id', context.requestId);
    // 'close' rather than 'finish': it fires for every request, including one whose connection
    // was closed before an answer (a client gone, or a sandbox drop fault), which is logged too.
    res.on('close', () => this.logRequest(req, res, started));

    const echoed = echoedIdempotencyKey(req);
    if (echoed !== undefined) res.setHeader('Idempotency-Key', echoed);
    res.setHeader('Stripe-Version', answeredApiVersion(req));

    const httpError = badHostError(req) ?? unmetExpectationError(req) ?? unsupportedTransferCoding(req) ?? unreadablePathError(req);
    if (httpError) {
      // As Node does with these refusals: what else the client sends on the connection is not read.
      res.setHeader('Connection', 'close');
      return next(httpError);
    }
    if (answersOwedOnArrival(req) > MAX_ANSWERS_OWED_PER_CONNECTION) {
      return next(
        new RateLimitError(
          `Too many requests pipelined on one connection: at most ${MAX_ANSWERS_OWED_PER_CONNECTION} may await their answers. ` +
            'Send more once earlier ones are answered.',
        ),
      );
    }
    const path = pathOf(req);
    if (UNIMPLEMENTED_PATHS.has(path)) return next(new NotFoundException());

    // Only a POST to the API has a body worth reading. Any other POST (to `/health`, `/docs`, an
    // unknown path) finds no route and answers 404 without it, as PUT does: no one, with a key or
    // without, makes the server read and parse a body that no endpoint takes.
    if (req.method !== 'POST' || !isApiPath(path)) {
      req.body = {};
      next();
      return;
    }
    // Authentication comes first, as in Stripe: without a valid key the answer is a 401 whatever
    // the body, so a client learns about its key before its JSON. The body is not even read then:
    // parsing a large one takes time, and no one without a key should spend the server's.
    const keyError = missingKeyError(req);
    if (keyError) return next(keyError);
    // Node keeps the first of two Content-Type headers and drops the second unseen: which one the
    // client meant cannot be known, as with two Authorization or Idempotency-Key headers.
    if (timesSent(req, 'content-type') > 1) return next(new InvalidRequestError('Send one Content-Type header: this request has more than one.'));
    // Once the 413 has gone out, Node reads the rest of the body and discards it, as it does for
    // any request answered before its body was read, and the connection then serves the next
    // request. It is not closed at once: a client still sending would meet a reset, and could
    // lose the answer in it. (A client waiting for `100 Continue` is not sending: see
    // `answerClientErrors`.)
    const tooLarge = declaredTooLarge(req);
    if (tooLarge) return next(tooLarge);
    // A body declared empty is no parameters, as every empty body is, whatever its encoding: zlib
    // would refuse an empty "gzip" body as not gzip at all.
    if (Number(req.headers['content-length']) === 0 && req.headers['transfer-encoding'] === undefined) {
      req.body = {};
      next();
      return;
    }
    inviteBody(req, res);
    readBody(req, res, (error?: unknown) => {
      if (error) return next(bodyReadError(error, req));
      try {
        // body-parser leaves `body` unset for a request without one.
        const bytes: unknown = req.body;
        const text = Buffer.isBuffer(bytes) && bytes.length > 0 ? bodyText(bytes, req.headers['content-type']) : '';
        req.body = parseBody(req.headers['content-type'], text);
        next();
      } catch (parseError) {
        next(parseError);
      }
    });
  }

  /**
   * One line per request, with `status` null when no answer was sent. The account is a hash of
   * the key: the key itself is never logged.
   */
  private logRequest(req: Request, res: Response, started: bigint): void {
    const { requestId, account } = getContext(req);
    this.logger.log({
      method: req.method,
      path: req.path,
      status: res.writableFinished ? res.statusCode : null,
      duration_ms: Number(process.hrtime.bigint() - started) / 1e6,
      request_id: requestId,
      account: account ?? null,
    });
  }
}
