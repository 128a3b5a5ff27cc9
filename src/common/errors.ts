/**
 * oncepay's one error envelope, modelled on stripe-node's `Error.ts`: a base class that carries
 * everything the wire format needs, and a subclass per kind of error. Every error a client can
 * see is one of these; the exception filter turns anything else into an `ApiError` without
 * leaking its message.
 */
export type ErrorType = 'invalid_request_error' | 'card_error' | 'idempotency_error' | 'api_error';

export interface ErrorDetails {
  code?: string;
  param?: string;
  decline_code?: string;
  charge?: string;
}

export interface ErrorEnvelope {
  error: { type: ErrorType; message: string; doc_url?: string } & ErrorDetails;
}

/**
 * Where the error codes are explained; Stripe's own pages describe the same codes. Stripe links
 * each code as a path below it, with hyphens for underscores (`…/error-codes/resource-missing`).
 */
const DOC_URL = 'https://stripe.com/docs/error-codes';
/** oncepay's own codes, for cases Stripe's codes do not name: they have no page there to link. */
const OWN_CODES = new Set(['charge_not_capturable', 'idempotency_key_invalid', 'idempotency_key_reused']);

export class ApiError extends Error {
  /**
   * Whether this error is the endpoint's own outcome (a decline, a missing referenced object, a
   * state that forbids the operation) rather than a refusal to begin (bad key, bad parameter).
   * An outcome is saved under the request's idempotency key and replayed to a retry; a refusal
   * is not saved, so a corrected retry with the same key may succeed.
   */
  get isOutcome(): boolean {
    return false;
  }

  constructor(
    readonly status: number,
    readonly type: ErrorType,
    message: string,
    readonly details: ErrorDetails = {},
    /** Headers the answer must carry, such as `Stripe-Should-Retry`. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toEnvelope(): ErrorEnvelope {
    const { code, param, decline_code, charge } = this.details;
    return {
      error: {
        type: this.type,
        message: this.message,
        ...(code && { code }),
        ...(code && !OWN_CODES.has(code) && { doc_url: `${DOC_URL}/${code.replace(/_/g, '-')}` }),
        ...(param !== undefined && { param }),
        ...(decline_code && { decline_code }),
        ...(charge && { charge }),
      },
    };
  }
}

/** A request the server refuses to act on: a bad parameter, a bad body, an impossible state. */
export class InvalidRequestError extends ApiError {
  constructor(message: string, details: ErrorDetails = {}, status = 400) {
    super(status, 'invalid_request_error', message, details);
  }
}

/** How much of a client's parameter name or key a message quotes: a name may be a megabyte long. */
export const MAX_QUOTED_NAME = 80;

/**
 * A client's name or id as a message quotes it: whole, or its first MAX_QUOTED_NAME UTF-16 units
 * and "…". A cut that would split a surrogate pair (an emoji, say) stops before it, so that the
 * message holds no lone surrogate, which is not text and which strict UTF-8 encoders refuse.
 */
export function shortName(name: string): string {
  if (name.length <= MAX_QUOTED_NAME) return name;
  const cut = name.slice(0, MAX_QUOTED_NAME);
  return `${/[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut}…`;
}

/** A parameter no endpoint takes, as Stripe words and codes it; `param` names it in full. */
export class UnknownParameterError extends InvalidRequestError {
  constructor(name: string) {
    super(`Received unknown parameter: ${shortName(name)}`, { param: name, code: 'parameter_unknown' });
  }
}

/**
 * The object exists but its state forbids the operation, such as capturing a captured charge. This
 * is the endpoint's outcome, so it is saved under an idempotency key like a decline.
 */
export class InvalidStateError extends InvalidRequestError {
  override get isOutcome(): boolean {
    return true;
  }
}

/** The API key is missing or malformed. Stripe answers these as `invalid_request_error` too. */
export class AuthenticationError extends ApiError {
  constructor(message: string) {
    super(401, 'invalid_request_error', message);
  }
}

/** The named object does not exist in the caller's account (or exists only in another one). */
export class ResourceMissingError extends ApiError {
  constructor(kind: string, id: string, param?: string) {
    super(404, 'invalid_request_error', `No such ${kind}: '${shortName(id)}'`, { code: 'resource_missing', param });
  }

  override get isOutcome(): boolean {
    return true;
  }
}

/** The card was declined; `charge` names the failed charge that was stored. */
export class CardError extends ApiError {
  constructor(message: string, details: ErrorDetails) {
    super(402, 'card_error', message, details);
  }

  override get isOutcome(): boolean {
    return true;
  }
}

/**
 * An answer saved under an idempotency key and sent again, status and body exactly as they were
 * first sent. `toEnvelope` parses the stored text; serialising it again yields the same bytes,
 * because the text was itself made by `JSON.stringify`. The type and message given to the base
 * class are never sent: the stored envelope replaces them.
 */
export class ReplayedError extends ApiError {
  constructor(
    status: number,
    private readonly storedBody: string,
  ) {
    super(status, 'api_error', 'replayed');
  }

  override toEnvelope(): ErrorEnvelope {
    return JSON.parse(this.storedBody) as ErrorEnvelope;
  }
}

/** A request body over `MAX_BODY_BYTES` (1 MB), declared so or found so while reading. */
export class PayloadTooLargeError extends InvalidRequestError {
  constructor() {
    super('The request body is larger than 1 MB.', {}, 413);
  }
}

/** An `Idempotency-Key` conflict: reused with other parameters, or still in use. */
export class IdempotencyError extends ApiError {
  constructor(status: number, code: string, message: string, headers: Record<string, string>) {
    super(status, 'idempotency_error', message, { code }, headers);
  }
}

/** Too many requests; clients should back off and retry. */
export class RateLimitError extends ApiError {
  constructor(message: string) {
    super(429, 'invalid_request_error', message, { code: 'rate_limit' }, { 'Stripe-Should-Retry': 'true' });
  }
}

/**
 * The object is in use by another request that holds its lock for longer than the lock timeout;
 * nothing was changed. Stripe answers the same, with the same code, to concurrent requests to one
 * object.
 */
export class LockTimeoutError extends ApiError {
  constructor() {
    super(
      429,
      'invalid_request_error',
      'This object cannot be accessed right now because another API request is using it. Retry the request, or make requests to one object one at a time.',
      { code: 'lock_timeout' },
      { 'Stripe-Should-Retry': 'true' },
    );
  }
}

/** Something went wrong on oncepay's side. The message never says what, to leak nothing. */
export class InternalApiError extends ApiError {
  constructor(message = 'An unexpected error occurred on the server. It has been logged; retrying may succeed.') {
    super(500, 'api_error', message);
  }
}

const DATABASE_UNAVAILABLE_MESSAGE =
  'The database is unavailable, so the request may not have been applied. Retry in a moment; a POST retried with the same Idempotency-Key is applied exactly once.';

/**
 * Seconds a client is told to wait (`Retry-After`) before retrying a 503: the database down, or
 * the server shutting down.
 */
const UNAVAILABLE_RETRY_AFTER_SECONDS = 1;

/**
 * The database does not answer. Usually nothing was changed, but not always: a connection lost
 * while its COMMIT was on the way may have committed. So the message does not promise nothing
 * happened; it tells the client how to retry safely, which is what CONTRACT §5 promises: a retry
 * with the same key replays what committed, or executes afresh.
 */
export class DatabaseUnavailableError extends ApiError {
  constructor() {
    super(503, 'api_error', DATABASE_UNAVAILABLE_MESSAGE, {}, {
      'Stripe-Should-Retry': 'true',
      'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS),
    });
  }
}

/**
 * The server is shutting down and ended a request's sandbox wait early (a `hold`, whose request had
 * not yet run). Nothing was applied: a held keyed request's transaction rolls back, freeing its key,
 * so a retry with the same key executes afresh.
 */
export class ShuttingDownError extends ApiError {
  constructor() {
    super(503, 'api_error', 'The server is shutting down; the request was not applied. Retry it, with the same Idempotency-Key if it had one.', {}, {
      'Stripe-Should-Retry': 'true',
      'Retry-After': String(UNAVAILABLE_RETRY_AFTER_SECONDS),
    });
  }
}
