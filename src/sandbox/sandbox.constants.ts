/** The sandbox module's constants, in one place: the limits of faults and of the request log. */

/** `delay` and `hold` last this long when no `delay_ms` is given. */
export const DEFAULT_FAULT_DELAY_MS = 1_000;
/** The longest `delay_ms` accepted: long enough for any test, short enough to never hang one. */
export const MAX_FAULT_DELAY_MS = 60_000;
/** Most times one armed fault may fire. */
export const MAX_FAULT_TIMES = 1_000;
/** Longest `path` a fault may be armed for; oncepay's own paths are far shorter. */
export const MAX_FAULT_PATH_LENGTH = 512;

/** How long a request-log line is kept: the log is for the recent requests a test looks at. */
export const REQUEST_LOG_RETENTION_HOURS = 24;
/** How often older request-log lines are deleted. */
export const REQUEST_LOG_PURGE_INTERVAL_MS = 10 * 60 * 1000;
/** Most request-log lines one DELETE of the purge removes; it goes on until none is left. */
export const REQUEST_LOG_PURGE_BATCH = 1_000;
/**
 * The most request-log lines one INSERT carries; more wait for the next one. Large enough that
 * a busy server sends few INSERTs, small enough that one stays a quick statement.
 */
export const REQUEST_LOG_MAX_BATCH = 200;
