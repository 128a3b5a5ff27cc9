/**
 * What oncepay knows of database errors: the SQLSTATEs it acts on, and how to read them from pg's
 * and TypeORM's errors alike.
 */

/** PostgreSQL's SQLSTATE for a unique violation. */
export const UNIQUE_VIOLATION = '23505';
/** PostgreSQL's SQLSTATE when a statement waited for a lock longer than `lock_timeout`. */
export const LOCK_NOT_AVAILABLE = '55P03';
/**
 * PostgreSQL's SQLSTATE when it ended a statement to break a deadlock. oncepay's own transactions
 * take their locks in one order (the key's, the account's, then rows), and its purges skip the rows
 * others hold, so they cannot deadlock one another; a transaction outside oncepay that locks rows
 * and keys in another order can.
 */
export const DEADLOCK_DETECTED = '40P01';

type DriverFields = { code?: unknown; constraint?: unknown };

/**
 * A field of a driver error, read from pg's error itself or from the one TypeORM wraps it in
 * (`driverError`), else ''. Duck-typed rather than `instanceof Error`: socket errors are made by
 * Node's core, which can belong to another realm than the code checking them (as under jest's
 * sandbox).
 */
function driverField(error: unknown, field: keyof DriverFields): string {
  if (typeof error !== 'object' || error === null) return '';
  const fields = error as DriverFields & { driverError?: DriverFields };
  return String(fields[field] ?? fields.driverError?.[field] ?? '');
}

/** The SQLSTATE of a driver or TypeORM error (or a Node socket error's code), else ''. */
export const errorCode = (error: unknown): string => driverField(error, 'code');

/** The name of the constraint a driver or TypeORM error violated, else ''. */
export const violatedConstraint = (error: unknown): string => driverField(error, 'constraint');

/**
 * PostgreSQL's SQLSTATE for a table that does not exist. oncepay's queries name only tables its
 * migrations made, so this means the database was emptied or recreated under the running server.
 */
const UNDEFINED_TABLE = '42P01';

/**
 * PostgreSQL and driver error codes that mean "the database is not there right now", not "this
 * query is wrong": connection refused or reset; the server shut down or shutting down, starting
 * up, or its session ended (57P01–57P05: an administrator's command, a crash, `cannot connect
 * now`, a dropped database, idle too long), or its transaction idle too long (25P03: the process
 * was frozen, see IDLE_IN_TRANSACTION_TIMEOUT_MS); connection failures (class 08); a new connection
 * refused because the database or the role is gone (3D000, 28000, 28P01: dropped or changed under
 * a running server); oncepay's tables gone (42P01: the database recreated empty; a restart
 * migrates it again); a statement cancelled (57014: `pg_cancel_backend`, or a `statement_timeout`
 * set on the database or in `DATABASE_URL`, which oncepay itself never sets); and a server that
 * takes no writes (25006: a standby, as after a failover). In each, the statement failed and its
 * transaction rolled back, so a retry may succeed once the database is itself again.
 */
const DATABASE_DOWN_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  '57P01',
  '57P02',
  '57P03',
  '57P04',
  '57P05',
  '25P03',
  '57014',
  '25006',
  '3D000',
  '28000',
  '28P01',
  UNDEFINED_TABLE,
]);
/**
 * SQLSTATE classes that mean the same, whatever the code in them: connection failures (08) and a
 * server out of resources (53: too many connections, as when more oncepay processes share one
 * PostgreSQL than its `max_connections` allows for, out of memory, disk full).
 */
const DATABASE_DOWN_CLASSES = ['08', '53'];
const DATABASE_DOWN_MESSAGES = [/Connection terminated/i, /timeout exceeded when trying to connect/i, /Client has encountered a connection error/i];
/**
 * TypeORM's errors for a statement sent on a connection it has already let go, which it does when
 * the connection broke in the middle of a transaction (a backend killed while its request was
 * between two statements, or held by the fault `hold`). `EntityManager.query` throws the first;
 * repositories, query builders and the COMMIT throw the second.
 */
const RELEASED_CONNECTION = new Set(['QueryRunnerProviderAlreadyReleasedError', 'QueryRunnerAlreadyReleasedError']);

/** Whether an error means the database is unavailable (a 503 that a retry may cure), not a bug. */
export function isDatabaseDown(error: unknown): boolean {
  const sqlState = errorCode(error);
  const message = String((error as { message?: unknown } | null)?.message ?? '');
  const name = String((error as { name?: unknown } | null)?.name ?? '');
  return (
    DATABASE_DOWN_CODES.has(sqlState) ||
    DATABASE_DOWN_CLASSES.some((sqlClass) => sqlState.startsWith(sqlClass)) ||
    RELEASED_CONNECTION.has(name) ||
    DATABASE_DOWN_MESSAGES.some((re) => re.test(message))
  );
}
