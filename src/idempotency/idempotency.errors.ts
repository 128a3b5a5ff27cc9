import type { Request } from 'express';
import { IdempotencyError, InvalidRequestError } from '../common/errors';
import { timesSent } from '../common/headers';
import { IDEMPOTENCY_KEY_MAX_LENGTH, IDEMPOTENCY_KEY_PATTERN, IN_USE_RETRY_AFTER_SECONDS } from './idempotency.constants';

/** A request that sent the header more than once: which key would it mean? */
const repeatedKeyError = () =>
  new InvalidRequestError('Send one Idempotency-Key header: this request has more than one.', {
    code: 'idempotency_key_invalid',
    param: 'Idempotency-Key',
  });

/**
 * Why a request's Idempotency-Key header cannot be used, or undefined when it can (or there is
 * none). A bad key is refused before anything runs, and not saved.
 */
export function keyProblem(req: Request): InvalidRequestError | undefined {
  const key = req.headers['idempotency-key'];
  // Node's types allow a list, but only `set-cookie` is ever given as one.
  if (typeof key !== 'string') return undefined;
  // Node joins a header sent twice into one value (`a, b`), which would make two keys one key.
  if (timesSent(req, 'idempotency-key') > 1) return repeatedKeyError();
  if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX_LENGTH || !IDEMPOTENCY_KEY_PATTERN.test(key)) {
    return new InvalidRequestError(
      `Invalid Idempotency-Key: it must be 1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters.`,
      { code: 'idempotency_key_invalid', param: 'Idempotency-Key' },
    );
  }
  return undefined;
}

/** The key was first used with other parameters or on another endpoint; retrying cannot help. */
export const keyReusedError = (key: string, status: number) =>
  new IdempotencyError(
    status,
    'idempotency_key_reused',
    `Keys for idempotent requests can only be used with the same parameters they were first used with. ` +
      `Try using a key other than '${key}' if you meant to execute a different request.`,
    { 'Stripe-Should-Retry': 'false' },
  );

/** Another request with this key is still executing; a retry a moment later gets its answer. */
export const keyInUseError = () =>
  new IdempotencyError(
    409,
    'idempotency_key_in_use',
    'There is currently another in-progress request using this Idempotency-Key (probably a concurrent retry). ' +
      'Retry after a moment to receive its result.',
    { 'Stripe-Should-Retry': 'true', 'Retry-After': String(IN_USE_RETRY_AFTER_SECONDS) },
  );
