import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { connectionSettings } from './data-source';

/**
 * How often a process tries to reach its database at start, and how long it waits between tries,
 * before it stops: a database started beside oncepay (docker-compose) may need a moment.
 */
export const CONNECT_ATTEMPTS = 3;
export const CONNECT_RETRY_DELAY_MS = 1_000;
/** How long one try may take to connect. */
const ATTEMPT_TIMEOUT_MS = 2_000;

/** The URL without its password, to name the database in a message. */
function describe(url: string): string {
  try {
    const { protocol, username, host, pathname } = new URL(url);
    return `${protocol}//${username ? `${username}@` : ''}${host}${pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

/**
 * Connects to the database at `url` and disconnects, trying up to `attempts` times; throws a
 * one-line error saying why the last try failed (refused, unknown database, bad password…), so
 * that a process that cannot start says so in one line rather than in the pool's stack traces.
 */
export async function reachDatabase(url: string, attempts = CONNECT_ATTEMPTS): Promise<void> {
  // With the settings the pool will send, so that any PostgreSQL refuses stop the process here.
  const settings = connectionSettings(url);
  for (let attempt = 1; ; attempt += 1) {
    const client = new Client({ connectionString: settings.url, options: settings.options, connectionTimeoutMillis: ATTEMPT_TIMEOUT_MS });
    // A connection that fails after connecting emits 'error'; without a listener that would end
    // the process. The failure is seen by `connect` or `end` here instead.
    client.on('error', () => undefined);
    try {
      await client.connect();
      return;
    } catch (error) {
      if (attempt >= attempts) {
        throw new Error(`could not reach the database at ${describe(url)}: ${error instanceof Error ? error.message : String(error)}`);
      }
    } finally {
      await client.end().catch(() => undefined);
    }
    await sleep(CONNECT_RETRY_DELAY_MS);
  }
}
