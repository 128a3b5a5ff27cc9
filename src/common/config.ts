import { applyDecorators } from '@nestjs/common';
import { plainToInstance, Transform } from 'class-transformer';
import { parse as parsePgUrl } from 'pg-connection-string';
import { isFQDN, IsIn, IsInt, isIP, IsOptional, IsString, Matches, Max, Min, ValidateBy, validateSync } from 'class-validator';

/** The log levels a user may set in `LOG_LEVEL`, quietest last. */
export const LOG_LEVELS = ['verbose', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;

/** The highest TCP port. */
const MAX_PORT = 65_535;
/**
 * The longest `IDEMPOTENCY_KEY_TTL` accepted: 30 days. Stripe keeps keys for 24 hours; a longer
 * window only makes the keys table, which a test suite fills with every keyed request it sends,
 * grow for longer before the purge may empty it.
 */
export const MAX_IDEMPOTENCY_KEY_TTL_SECONDS = 30 * 24 * 60 * 60;

/** An integer setting from `min` to `max`, with one message for every way it can be wrong. */
const IntegerSetting = (name: string, min: number, max: number, what = 'an integer', note = '') => {
  const message = `${name} must be ${what} from ${min} to ${max}${note}`;
  return applyDecorators(Transform(toInt), IsInt({ message }), Min(min, { message }), Max(max, { message }));
};

/**
 * A host to listen on: an IP address, or something written as a host name (`localhost`,
 * `oncepay.internal`). A dotted quad out of range (`999.1.1.1`) or a URL is neither, and is
 * refused here; whether a name resolves is checked when the server starts (see main.ts), before
 * it touches the database.
 */
const IsHost = () =>
  ValidateBy({
    name: 'isHost',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && (isIP(value) || isFQDN(value, { require_tld: false, allow_numeric_tld: false, allow_underscores: true, allow_trailing_dot: true })),
      defaultMessage: () => 'HOST must be an IP address or a host name',
    },
  });

/** Why pg cannot read this URL with its own parser (pg-connection-string), or undefined. */
function pgUrlProblem(url: string): string | undefined {
  try {
    parsePgUrl(url);
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/**
 * A URL that pg can read, as it reads it: a port past 65535, a broken host or an `sslrootcert`
 * file that is not there is refused here, naming DATABASE_URL and pg's reason, where pg would
 * fail at the first connection with a bare "Invalid URL".
 */
const IsPgUrl = () =>
  ValidateBy({
    name: 'isPgUrl',
    validator: {
      validate: (value: unknown) => pgUrlProblem(String(value)) === undefined,
      defaultMessage: (args) => `DATABASE_URL cannot be read by pg: ${pgUrlProblem(String(args?.value))}`,
    },
  });

/**
 * Every setting oncepay reads from the environment, with its default. The README's configuration
 * table lists the same names; `validateConfig` refuses a bad value before anything starts.
 */
export class AppConfig {
  @IntegerSetting('PORT', 1, MAX_PORT)
  PORT = 4242;

  @IsHost()
  HOST = '127.0.0.1';

  /** When unset, oncepay starts its own embedded PostgreSQL with its data in `DATA_DIR`. */
  @IsOptional()
  @IsPgUrl()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @IsString()
  DATA_DIR = '.data';

  @IntegerSetting('EMBEDDED_POSTGRES_PORT', 1, MAX_PORT)
  EMBEDDED_POSTGRES_PORT = 54329;

  @IsIn(LOG_LEVELS, { message: `LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}` })
  LOG_LEVEL: LogLevelName = 'info';

  /**
   * The status of an `idempotency_key_reused` answer: 409 (this design), 400 (what Stripe sends)
   * or 422 (the IETF Idempotency-Key draft), so that clients written against any of them can be
   * tested unchanged.
   */
  @Transform(toInt)
  @IsIn([409, 400, 422], { message: 'IDEMPOTENCY_MISMATCH_STATUS must be 409, 400 or 422' })
  IDEMPOTENCY_MISMATCH_STATUS: 409 | 400 | 422 = 409;

  /** Seconds an idempotency key is remembered; after that it is treated as new and purged. */
  @IntegerSetting('IDEMPOTENCY_KEY_TTL', 1, MAX_IDEMPOTENCY_KEY_TTL_SECONDS, 'a whole number of seconds', ' (30 days)')
  IDEMPOTENCY_KEY_TTL = 86_400;
}

/** Thrown for a bad setting; `main.ts` prints its message as one line and exits. */
export class ConfigError extends Error {}

/**
 * Builds the validated configuration from an environment. Empty strings count as unset, so that
 * `PORT= npm start` means "the default" rather than "an invalid port".
 */
export function validateConfig(env: Record<string, unknown>): AppConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== '' && v !== undefined));
  const config = plainToInstance(AppConfig, present, { exposeDefaultValues: true });
  const errors = validateSync(config, { whitelist: false, skipMissingProperties: false });
  if (errors.length > 0) {
    const first = errors[0];
    throw new ConfigError(`Invalid configuration: ${Object.values(first.constraints ?? {})[0]}`);
  }
  return config;
}
