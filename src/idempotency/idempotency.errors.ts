import { IdempotencyError, InvalidRequestError } from '../common/errors';
import { IDEMPOTENCY_KEY_MAX_LENGTH, IDEMPOTENCY_KEY_PATTERN, IN_USE_RETRY_AFTER_SECONDS } from './idempotency.constants';

/** A request that sent the header more than once: which key would it mean? */
export const repeatedKeyError = () =>
  new InvalidRequestError('Send one Idempotency-Key header: this request has more than one.', {
    code: 'idempotency_key_invalid',
    param: 'Idempotency-Key',
  });

/** Checks the header's form; a bad key is refused before anything runs, and not saved. */
export function checkIdempotencyKey(key: string): string {
  if (key.length === 0 || key.length > IDEMPOTENCY_KEY_MAX_LENGTH || !IDEMPOTENCY_KEY_PATTERN.test(key)) {
    throw new InvalidRequestError(
      `Invalid Idempotency-Key: it must be 1 to ${IDEMPOTENCY_KEY_MAX_LENGTH} printable ASCII characters.`,
      { code: 'idempotency_key_invalid', param: 'Idempotency-Key' },
    );
  }
  return key;
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
