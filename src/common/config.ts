import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, validateSync } from 'class-validator';

/** The log levels a user may set in `LOG_LEVEL`, quietest last. */
export const LOG_LEVELS = ['verbose', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const;
export type LogLevelName = (typeof LOG_LEVELS)[number];

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value;

/**
 * Every setting oncepay reads from the environment, with its default. The README's configuration
 * table lists the same names; `validateConfig` refuses a bad value before anything starts.
 */
export class AppConfig {
  @Transform(toInt)
  @IsInt({ message: 'PORT must be an integer from 1 to 65535' })
  @Min(1, { message: 'PORT must be an integer from 1 to 65535' })
  @Max(65535, { message: 'PORT must be an integer from 1 to 65535' })
  PORT = 4242;

  @IsString()
  HOST = '127.0.0.1';

  /** When unset, oncepay starts its own embedded PostgreSQL with its data in `DATA_DIR`. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @IsString()
  DATA_DIR = '.data';

  @Transform(toInt)
  @IsInt({ message: 'EMBEDDED_POSTGRES_PORT must be an integer from 1 to 65535' })
  @Min(1, { message: 'EMBEDDED_POSTGRES_PORT must be an integer from 1 to 65535' })
  @Max(65535, { message: 'EMBEDDED_POSTGRES_PORT must be an integer from 1 to 65535' })
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
  @Transform(toInt)
  @IsInt({ message: 'IDEMPOTENCY_KEY_TTL must be a whole number of seconds from 1 to 2592000 (30 days)' })
  @Min(1, { message: 'IDEMPOTENCY_KEY_TTL must be a whole number of seconds from 1 to 2592000 (30 days)' })
  @Max(2_592_000, { message: 'IDEMPOTENCY_KEY_TTL must be a whole number of seconds from 1 to 2592000 (30 days)' })
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
