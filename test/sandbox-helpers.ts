import type { AddressInfo } from 'node:net';
import { Client } from 'pg';
import { accountIdForKey } from '../src/common/ids';
import { testDatabaseUrl } from './database';
import { bootApp, form, get, KEY, post, TestApp, truncateAll } from './helpers';
import { waitFor } from './wait-for';

/**
 * What the sandbox suites (`sandbox-faults`, `sandbox-fault-effects`, `sandbox-log`) share: the app
 * booted on a real socket, a connection of the tests' own to PostgreSQL, and the steps they repeat.
 *
 * The app listens on a real socket: a dropped connection is observed with `fetch`, which rejects
 * when the server closes the connection without an answer. A second connection of the test's own
 * (`observer`) sees only what other transactions have committed, and sees their locks in
 * `pg_locks`, which is how the tests tell "committed" from "still in flight" without timing.
 */

export const CHARGE = { amount: 2000, currency: 'usd', source: 'tok_visa' };
export const DECLINED = { ...CHARGE, source: 'tok_chargeDeclined' };
/** How long a `delay` fault delays its answer: long enough to poll the database meanwhile. */
export const DELAY_MS = 500;
/** How long a `hold` fault keeps its request in flight: long enough to run a concurrent retry. */
export const HOLD_MS = 800;
/** The tables that hold an account's data, all with an `account` column. */
const ACCOUNT_TABLES = ['customers', 'deleted_customers', 'charges', 'idempotency_keys', 'sandbox_faults', 'sandbox_requests'] as const;

export type HttpResponse = Awaited<ReturnType<typeof post>>;

export interface LogEntry {
  request_id: string;
  method: string;
  path: string;
  idempotency_key: string | null;
  status: number | null;
  outcome: string;
  fault: string | null;
  created: number;
}

/** The app, its port and the observer connection, set by `useSandboxApp` before the first test. */
export let t: TestApp;
export let port: number;
export let observer: Client;

/**
 * Boots the app on a real socket and opens the observer connection for the calling spec file,
 * closes both after its last test, and empties every table before each test.
 */
export function useSandboxApp(): void {
  beforeAll(async () => {
    t = await bootApp();
    await t.app.listen(0, '127.0.0.1');
    port = (t.app.getHttpServer().address() as AddressInfo).port;
    observer = new Client({ connectionString: testDatabaseUrl() });
    await observer.connect();
  });
  afterAll(async () => {
    await observer.end();
    await t.app.close();
  });
  beforeEach(() => truncateAll(t.dataSource));
}

/** POSTs form parameters with an Idempotency-Key. */
export const keyed = (path: string, key: string, params: object, apiKey = KEY) => post(t, path, params, apiKey).set('Idempotency-Key', key);

/** Arms a fault and returns the armed fault as the server described it. */
export async function arm(params: object, apiKey = KEY): Promise<Record<string, unknown>> {
  return (await post(t, '/_sandbox/faults', params, apiKey).expect(200)).body;
}

export const listFaults = async (apiKey = KEY) => (await get(t, '/_sandbox/faults', {}, apiKey).expect(200)).body;

export const requestLog = async (params: object = { limit: 100 }, apiKey = KEY): Promise<{ has_more: boolean; data: LogEntry[] }> =>
  (await get(t, '/_sandbox/requests', params, apiKey).expect(200)).body;

/** POSTs over a real socket; the promise rejects when the server drops the connection. */
export const fetchPost = (path: string, params: object, headers: Record<string, string> = {}) =>
  fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: form(params),
  });

/** Rows of a table that another connection can see, i.e. committed rows. */
export async function committed(table: string): Promise<number> {
  const { rows } = await observer.query(`SELECT count(*)::int AS n FROM "${table}"`);
  return rows[0].n;
}

/** Rows of each account table that belong to one API key's account. */
export async function rowsOf(apiKey: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ACCOUNT_TABLES) {
    const { rows } = await observer.query(`SELECT count(*)::int AS n FROM "${table}" WHERE account = $1`, [accountIdForKey(apiKey)]);
    counts[table] = rows[0].n;
  }
  return counts;
}

/**
 * Whether some transaction in this database holds an Idempotency-Key's lock: an advisory lock on
 * a one-part key (`objsubid` 1), unlike the account lock's two-part key (`objsubid` 2).
 */
async function keyLocked(): Promise<boolean> {
  const { rows } = await observer.query(
    `SELECT count(*)::int AS n FROM pg_locks
      WHERE database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND locktype = 'advisory' AND objsubid = 1 AND granted`,
  );
  return rows[0].n > 0;
}

/** Re-exported: the sandbox suites take all their helpers from this module. */
export { waitFor };

/** Sends a request at once and remembers whether its answer has arrived. */
export function track<T>(request: PromiseLike<T>): { settled: boolean; result: Promise<T> } {
  const state = { settled: false, result: undefined as unknown as Promise<T> };
  state.result = Promise.resolve(request).finally(() => {
    state.settled = true;
  });
  return state;
}

/** Waits until a `hold`-faulted keyed POST holds its key's lock, its endpoint not yet run. */
export const untilHeld = () => waitFor('the held request to lock its key', keyLocked);

export function expectExecuted(res: HttpResponse): void {
  expect(res.status).toBe(200);
  expect(res.headers['idempotent-replayed']).toBeUndefined();
  expect(res.body.id).toMatch(/^ch_/);
}
