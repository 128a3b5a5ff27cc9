import { join } from 'node:path';
import type { DataSourceOptions } from 'typeorm';
import { Charge } from '../charges/charge.entity';
import { Customer } from '../customers/customer.entity';
import { DeletedCustomer } from '../customers/deleted-customer.entity';
import { IdempotencyKey } from '../idempotency/idempotency-key.entity';
import { LoggedRequest } from '../sandbox/logged-request.entity';
import { SandboxFault } from '../sandbox/sandbox-fault.entity';
import { MAX_FAULT_DELAY_MS } from '../sandbox/sandbox.constants';
import { PreparingClient } from './preparing-client';

/** Connections per process. Two cores gain nothing from more; raise it on a bigger machine. */
export const POOL_SIZE = 16;
/**
 * Connections the pool has beyond POOL_SIZE, for keyed requests held open by the sandbox fault
 * `hold`, which keeps its transaction, where its key's lock lives, and so its connection, for up
 * to a minute. At most this many requests are held at once in a process, whichever accounts armed
 * them (the fault interceptor answers any more with a 429), so POOL_SIZE connections always
 * remain for other requests. The pool does not reserve them: any request may use any connection.
 */
export const HOLD_CONNECTIONS = 8;
/**
 * The longest a statement waits for a row lock, or any other lock, before it fails with a 429
 * `lock_timeout`, as Stripe answers too many concurrent requests to one object. oncepay's own
 * transactions are short (a held request locks no row, see FaultInterceptor), so requests to one
 * object pass each other well within it; it bounds how long a crowd of them, or a transaction
 * outside oncepay that holds a row, can keep connections waiting.
 */
export const LOCK_TIMEOUT_MS = 2_000;
/**
 * How long PostgreSQL lets one of oncepay's transactions sit idle before it ends the session,
 * which rolls the transaction back and releases its locks. oncepay's transactions are idle only
 * between two statements, or while the fault `hold` keeps one open, for at most
 * MAX_FAULT_DELAY_MS. Idle for longer, its process is frozen (stopped, paused, its machine
 * asleep) or cut off from the database; a key it held would keep every retry, from any process,
 * at 409 `idempotency_key_in_use` until TCP noticed, which can take hours. If the process wakes,
 * its request answers 503, and a retry then executes it.
 */
export const IDLE_IN_TRANSACTION_TIMEOUT_MS = 2 * MAX_FAULT_DELAY_MS;
/** How long a request waits for a connection before it is answered 503. */
export const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Every transaction runs at READ COMMITTED, whatever the database's default: the read of a key's
 * record under its lock relies on each statement seeing every commit made before it began (see
 * `idempotency_claim` in migrations/1764000000003). It and the two timeouts are set once per
 * connection, in the startup packet, rather than with a SET in every transaction, which would cost
 * a round trip per request. (The migrator lifts the lock timeout on its own connection: a
 * migration may rightly wait for a lock.)
 */
const CONNECTION_SETTINGS =
  `-c default_transaction_isolation=read\\ committed -c lock_timeout=${LOCK_TIMEOUT_MS} ` +
  `-c idle_in_transaction_session_timeout=${IDLE_IN_TRANSACTION_TIMEOUT_MS}`;

/**
 * Settings of CONNECTION_SETTINGS that pg also reads from a URL's query (`?lock_timeout=0`) and
 * sends as startup parameters of their own, which PostgreSQL applies after `options`.
 */
const URL_SETTINGS_OVERRIDING = ['lock_timeout', 'idle_in_transaction_session_timeout'];

/**
 * The host pg puts in a URL that has none (`postgres://user@/db?host=/socket/dir`, as Cloud SQL's
 * socket URLs are), so that it parses as a URL; pg-connection-string does the same, and reads
 * the query of such a URL as of any other.
 */
const NO_HOST = '@/';
const PLACEHOLDER_HOST = '@___DUMMY___/';

/** A URL as pg reads it: as it is, or with the placeholder host pg gives one without a host. */
function parseAsPg(url: string): { parsed: URL; hostless: boolean } | undefined {
  try {
    return { parsed: new URL(url), hostless: false };
  } catch {
    try {
      return { parsed: new URL(url.replace(NO_HOST, PLACEHOLDER_HOST)), hostless: true };
    } catch {
      return undefined;
    }
  }
}

/**
 * The URL to connect with, and the startup `options` to send with it. A URL may carry settings of
 * its own (`?options=-c search_path=…`, `?lock_timeout=0`), and pg lets its `options` replace the
 * ones given beside it, and sends the URL_SETTINGS_OVERRIDING after them, which PostgreSQL applies
 * last: so either would undo CONNECTION_SETTINGS, READ COMMITTED included. All are taken out of
 * the URL; its options are sent first, and CONNECTION_SETTINGS after them, which PostgreSQL
 * applies in order, so that oncepay's win and the URL's others still apply. Used by the data
 * source and by `reachDatabase`, so that settings PostgreSQL refuses stop the process at start.
 */
export function connectionSettings(url: string): { url: string; options: string } {
  const read = parseAsPg(url);
  // Not a URL even as pg reads it: pg cannot connect with it either, and says so at start.
  if (!read) return { url, options: CONNECTION_SETTINGS };
  const { parsed, hostless } = read;
  const theirs = parsed.searchParams.get('options');
  const overriding = URL_SETTINGS_OVERRIDING.filter((name) => parsed.searchParams.has(name));
  if (theirs === null && overriding.length === 0) return { url, options: CONNECTION_SETTINGS };
  parsed.searchParams.delete('options');
  for (const name of overriding) parsed.searchParams.delete(name);
  const cleaned = hostless ? parsed.toString().replace(PLACEHOLDER_HOST, NO_HOST) : parsed.toString();
  return { url: cleaned, options: theirs ? `${theirs} ${CONNECTION_SETTINGS}` : CONNECTION_SETTINGS };
}

/**
 * The one description of oncepay's database, shared by the application (`AppModule`) and the
 * TypeORM CLI (`cli-data-source.ts`). The schema comes only from `migrations/`: `synchronize`
 * stays off, so what runs in production is what the migrations say.
 */
export function dataSourceOptions(databaseUrl: string): DataSourceOptions {
  const { url, options } = connectionSettings(databaseUrl);
  return {
    type: 'postgres',
    url,
    entities: [Customer, DeletedCustomer, Charge, IdempotencyKey, SandboxFault, LoggedRequest],
    // From `src/database` (ts-jest) or `dist/src/database` (the build), two levels up is the
    // folder that holds `migrations/`, in source or compiled form.
    migrations: [join(__dirname, '..', '..', 'migrations', '*.{ts,js}')],
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    extra: {
      // Statements with parameters are prepared once per connection (see preparing-client.ts).
      Client: PreparingClient,
      max: POOL_SIZE + HOLD_CONNECTIONS,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      // READ COMMITTED and the two timeouts, after any settings of the URL (see CONNECTION_SETTINGS).
      options,
    },
  };
}
