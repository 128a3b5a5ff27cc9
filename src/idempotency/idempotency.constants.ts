/**
 * The idempotency module's constants, in one place. The retention window itself,
 * `IDEMPOTENCY_KEY_TTL`, is configuration, validated in `common/config.ts`.
 */

/** Longest accepted `Idempotency-Key`, as Stripe's. */
export const IDEMPOTENCY_KEY_MAX_LENGTH = 255;

/** Printable ASCII, space to tilde: what Stripe accepts in a key. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x20-\x7e]+$/;

/**
 * Seconds a client is told to wait (`Retry-After`) before retrying a key that is in use. The
 * first request usually ends within milliseconds; one second is what Stripe's clients wait.
 */
export const IN_USE_RETRY_AFTER_SECONDS = 1;

/**
 * How often expired keys are deleted. A process ignores keys past its own TTL already, so this
 * mostly frees space; but a process with a longer TTL than the key's saver replays the key until
 * it is purged, up to this much after the saver's TTL.
 */
export const PURGE_INTERVAL_MS = 10 * 60 * 1000;
/** Most expired keys one DELETE of the purge removes; it goes on until none is left. */
export const PURGE_BATCH = 1_000;

/**
 * The unique constraint on (account, key), named in migrations/1764000000001-CreateIdempotencyKeys:
 * a violation of it, and only of it, means another request saved a record for the key first.
 */
export const KEY_UNIQUE = 'idempotency_keys_account_key_unique';
