import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import Stripe from 'stripe';
import { accountIdForKey } from '../src/common/ids';
import { testDatabaseUrl } from './database';
import { bootApp, form, get, KEY, OTHER_KEY, post, TestApp, truncateAll } from './helpers';

/**
 * The sandbox control plane of CONTRACT §6, against the real app and PostgreSQL: arming and
 * disarming faults, which requests a fault matches, what each fault leaves behind (the table's
 * "what the server keeps"), the `Sandbox-Fault` header, the stripe SDK's retries through faults,
 * the request log and the per-account reset.
 *
 * The app listens on a real socket: a dropped connection is observed with `fetch`, which rejects
 * when the server closes the connection without an answer. A second connection of the test's own
 * (`observer`) sees only what other transactions have committed, and sees their locks in
 * `pg_locks`, which is how the tests tell "committed" from "still in flight" without timing.
 */

const CHARGE = { amount: 2000, currency: 'usd', source: 'tok_visa' };
const DECLINED = { ...CHARGE, source: 'tok_chargeDeclined' };
/** How long a `delay` fault delays its answer: long enough to poll the database meanwhile. */
const DELAY_MS = 500;
/** How long a `hold` fault keeps its request in flight: long enough to run a concurrent retry. */
const HOLD_MS = 800;
/** How long a test waits for the server to reach a state before it gives up. */
const WAIT_LIMIT_MS = 10_000;
const POLL_MS = 10;
/** The tables that hold an account's data, all with an `account` column. */
const ACCOUNT_TABLES = ['customers', 'charges', 'idempotency_keys', 'sandbox_faults', 'sandbox_requests'] as const;

type HttpResponse = Awaited<ReturnType<typeof post>>;

interface LogEntry {
  request_id: string;
  method: string;
  path: string;
  idempotency_key: string | null;
  status: number | null;
  outcome: string;
  fault: string | null;
  created: number;
}

let t: TestApp;
let port: number;
let observer: Client;

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

/** POSTs form parameters with an Idempotency-Key. */
const keyed = (path: string, key: string, params: object, apiKey = KEY) => post(t, path, params, apiKey).set('Idempotency-Key', key);

/** Arms a fault and returns the armed fault as the server described it. */
async function arm(params: object, apiKey = KEY): Promise<Record<string, unknown>> {
  return (await post(t, '/_sandbox/faults', params, apiKey).expect(200)).body;
}

const listFaults = async (apiKey = KEY) => (await get(t, '/_sandbox/faults', {}, apiKey).expect(200)).body;

const requestLog = async (params: object = { limit: 100 }, apiKey = KEY): Promise<{ has_more: boolean; data: LogEntry[] }> =>
  (await get(t, '/_sandbox/requests', params, apiKey).expect(200)).body;

/** POSTs over a real socket; the promise rejects when the server drops the connection. */
const fetchPost = (path: string, params: object, headers: Record<string, string> = {}) =>
  fetch(`http://127.0.0.1:${port}${path}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: form(params),
  });

/** Rows of a table that another connection can see, i.e. committed rows. */
async function committed(table: string): Promise<number> {
  const { rows } = await observer.query(`SELECT count(*)::int AS n FROM "${table}"`);
  return rows[0].n;
}

/** Rows of each account table that belong to one API key's account. */
async function rowsOf(apiKey: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of ACCOUNT_TABLES) {
    const { rows } = await observer.query(`SELECT count(*)::int AS n FROM "${table}" WHERE account = $1`, [accountIdForKey(apiKey)]);
    counts[table] = rows[0].n;
  }
  return counts;
}

/** Whether some transaction in this database has written to the table and not yet ended. */
async function heldForWrite(table: string): Promise<boolean> {
  const { rows } = await observer.query(
    `SELECT count(*)::int AS n FROM pg_locks
      WHERE database = (SELECT oid FROM pg_database WHERE datname = current_database())
        AND relation = $1::text::regclass AND mode = 'RowExclusiveLock' AND granted`,
    [table],
  );
  return rows[0].n > 0;
}

async function waitFor(what: string, condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_LIMIT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(POLL_MS);
  }
}

/** Sends a request at once and remembers whether its answer has arrived. */
function track<T>(request: PromiseLike<T>): { settled: boolean; result: Promise<T> } {
  const state = { settled: false, result: undefined as unknown as Promise<T> };
  state.result = Promise.resolve(request).finally(() => {
    state.settled = true;
  });
  return state;
}

/** Waits until a `hold`-faulted keyed POST has written its charge and record, uncommitted. */
const untilHeld = () => waitFor('the held request to write its idempotency record', () => heldForWrite('idempotency_keys'));

function expectExecuted(res: HttpResponse): void {
  expect(res.status).toBe(200);
  expect(res.headers['idempotent-replayed']).toBeUndefined();
  expect(res.body.id).toMatch(/^ch_/);
}

describe('arming faults (POST/GET/DELETE /_sandbox/faults)', () => {
  it('arms a fault from form parameters and describes it', async () => {
    const res = await post(t, '/_sandbox/faults', { fault: 'delay', method: 'POST', path: '/v1/charges', times: 3, delay_ms: 250 }).expect(200);
    expect(res.headers['request-id']).toMatch(/^req_/);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^flt_[0-9A-Za-z]+$/),
      object: 'sandbox.fault',
      fault: 'delay',
      method: 'POST',
      path: '/v1/charges',
      times: 3,
      remaining: 3,
      delay_ms: 250,
    });
  });

  it('arms a fault from JSON, with times defaulting to 1 and a prefix path kept with its *', async () => {
    const res = await t.http().post('/_sandbox/faults').auth(KEY, '').send({ fault: 'hold', path: '/v1/*', delay_ms: 300 }).expect(200);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^flt_/),
      object: 'sandbox.fault',
      fault: 'hold',
      method: null,
      path: '/v1/*',
      times: 1,
      remaining: 1,
      delay_ms: 300,
    });
  });

  it('lists the armed faults of the caller only', async () => {
    const a = await arm({ fault: 'rate_limit', path: '/v1/customers', times: 2 });
    const b = await arm({ fault: 'error_before_execute', method: 'GET' });
    await arm({ fault: 'delay' }, OTHER_KEY);

    const list = await listFaults();
    expect(list).toMatchObject({ object: 'list', url: '/_sandbox/faults', has_more: false });
    expect(list.data).toHaveLength(2);
    expect(list.data).toEqual(expect.arrayContaining([a, b]));
  });

  it('disarms a fault with DELETE, after which it no longer fires', async () => {
    const fault = await arm({ fault: 'error_before_execute', path: '/v1/customers' });
    const res = await t.http().delete(`/_sandbox/faults/${fault.id}`).auth(KEY, '').expect(200);
    expect(res.body).toEqual({ id: fault.id, object: 'sandbox.fault', deleted: true });

    expect((await listFaults()).data).toEqual([]);
    await post(t, '/v1/customers', { email: 'a@example.com' }).expect(200);
    await t.http().delete(`/_sandbox/faults/${fault.id}`).auth(KEY, '').expect(404);
  });

  it.each([
    ['no fault', {}, 'fault'],
    ['an unknown fault', { fault: 'explode' }, 'fault'],
    ['a bad method', { fault: 'delay', method: 'PATCH' }, 'method'],
    ['a path without a leading /', { fault: 'delay', path: 'v1/charges' }, 'path'],
    ['times 0', { fault: 'delay', times: 0 }, 'times'],
    ['delay_ms -1', { fault: 'delay', delay_ms: -1 }, 'delay_ms'],
    ['delay_ms 999999', { fault: 'delay', delay_ms: 999999 }, 'delay_ms'],
    ['an unknown parameter', { fault: 'delay', colour: 'red' }, 'colour'],
  ])('refuses %s with 400 naming the param, arming nothing', async (_name, params, param) => {
    for (const send of [
      () => post(t, '/_sandbox/faults', params),
      () => t.http().post('/_sandbox/faults').auth(KEY, '').send(params),
    ]) {
      const res = await send();
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param });
    }
    expect(await committed('sandbox_faults')).toBe(0);
  });

  it("answers 404 for another account's fault id and leaves that fault armed", async () => {
    const theirs = await arm({ fault: 'error_before_execute' }, OTHER_KEY);
    const res = await t.http().delete(`/_sandbox/faults/${theirs.id}`).auth(KEY, '').expect(404);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', code: 'resource_missing' });
    expect((await listFaults(OTHER_KEY)).data).toEqual([theirs]);
    await post(t, '/v1/customers', {}, OTHER_KEY).expect(500);
  });
});

describe('which requests a fault matches', () => {
  it('fires only on the armed method', async () => {
    await arm({ fault: 'error_before_execute', method: 'GET' });
    await post(t, '/v1/customers', {}).expect(200);
    const res = await get(t, '/v1/customers').expect(500);
    expect(res.body.error.type).toBe('api_error');
    await get(t, '/v1/customers').expect(200);
  });

  it('fires only on the exact path', async () => {
    await arm({ fault: 'error_before_execute', path: '/v1/customers' });
    const { body: charge } = await post(t, '/v1/charges', CHARGE).expect(200);
    await get(t, `/v1/charges/${charge.id}`).expect(200);
    // A longer path under the armed one is not the armed path.
    const missing = await get(t, '/v1/customers/cus_missing').expect(404);
    expect(missing.body.error.code).toBe('resource_missing');
    await post(t, '/v1/customers', {}).expect(500);
    await post(t, '/v1/customers', {}).expect(200);
  });

  it('fires on every path under a prefix ending in *', async () => {
    await arm({ fault: 'error_before_execute', path: '/v1/charges*', times: 2 });
    await post(t, '/v1/customers', {}).expect(200);
    await get(t, '/v1/customers').expect(200);
    await get(t, '/v1/charges/ch_anything').expect(500);
    await post(t, '/v1/charges', CHARGE).expect(500);
    expect((await listFaults()).data).toEqual([]);
  });

  it('fires exactly `times` times, then stops', async () => {
    const fault = await arm({ fault: 'rate_limit', path: '/v1/customers', times: 2 });
    await post(t, '/v1/customers', {}).expect(429);
    expect((await listFaults()).data).toEqual([{ ...fault, remaining: 1 }]);
    await post(t, '/v1/customers', {}).expect(429);
    await post(t, '/v1/customers', {}).expect(200);
    await post(t, '/v1/customers', {}).expect(200);
    expect((await listFaults()).data).toEqual([]);
    expect(await committed('customers')).toBe(2);
  });

  it("never touches another account's requests", async () => {
    const fault = await arm({ fault: 'error_before_execute' });
    await post(t, '/v1/customers', {}, OTHER_KEY).expect(200);
    await post(t, '/v1/charges', CHARGE, OTHER_KEY).expect(200);
    expect((await listFaults()).data).toEqual([fault]);
    await post(t, '/v1/customers', {}).expect(500);
  });
});

describe('what each fault leaves behind (CONTRACT §6)', () => {
  it('drop_after_commit: closes the connection, keeps the charge and its record, and the retry replays it', async () => {
    await arm({ fault: 'drop_after_commit', path: '/v1/charges' });
    await expect(fetchPost('/v1/charges', CHARGE, { 'Idempotency-Key': 'k-drop-after' })).rejects.toThrow(/fetch failed/);

    const charges: { id: string }[] = (await observer.query(`SELECT id FROM charges`)).rows;
    expect(charges).toHaveLength(1);
    const { rows: records } = await observer.query(`SELECT key, status_code FROM idempotency_keys`);
    expect(records).toEqual([{ key: 'k-drop-after', status_code: 200 }]);

    const retry = await keyed('/v1/charges', 'k-drop-after', CHARGE).expect(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe(charges[0].id);
    expect(await committed('charges')).toBe(1);
  });

  it('drop_before_execute: closes the connection, writes nothing, and the retry executes', async () => {
    await arm({ fault: 'drop_before_execute', path: '/v1/charges' });
    await expect(fetchPost('/v1/charges', CHARGE, { 'Idempotency-Key': 'k-drop-before' })).rejects.toThrow(/fetch failed/);
    expect(await committed('charges')).toBe(0);
    expect(await committed('idempotency_keys')).toBe(0);

    expectExecuted(await keyed('/v1/charges', 'k-drop-before', CHARGE));
    expect(await committed('charges')).toBe(1);
  });

  it('error_after_commit: answers 500, keeps the charge and its real result, and the retry replays the 200', async () => {
    await arm({ fault: 'error_after_commit' });
    const res = await keyed('/v1/charges', 'k-error-after', CHARGE).expect(500);
    expect(res.body.error).toMatchObject({ type: 'api_error' });

    const { rows: charges } = await observer.query(`SELECT id, status FROM charges`);
    expect(charges).toEqual([{ id: expect.stringMatching(/^ch_/), status: 'succeeded' }]);
    const { rows: records } = await observer.query(`SELECT key, status_code FROM idempotency_keys`);
    expect(records).toEqual([{ key: 'k-error-after', status_code: 200 }]);

    const retry = await keyed('/v1/charges', 'k-error-after', CHARGE).expect(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toMatchObject({ id: charges[0].id, status: 'succeeded', paid: true });
    expect(await committed('charges')).toBe(1);
  });

  it('error_after_commit on a declined card: the retry replays the real 402 naming the failed charge', async () => {
    await arm({ fault: 'error_after_commit' });
    const res = await keyed('/v1/charges', 'k-error-declined', DECLINED).expect(500);
    expect(res.body.error).toMatchObject({ type: 'api_error' });

    const { rows: charges } = await observer.query(`SELECT id, status FROM charges`);
    expect(charges).toEqual([{ id: expect.stringMatching(/^ch_/), status: 'failed' }]);
    const { rows: records } = await observer.query(`SELECT key, status_code FROM idempotency_keys`);
    expect(records).toEqual([{ key: 'k-error-declined', status_code: 402 }]);

    const retry = await keyed('/v1/charges', 'k-error-declined', DECLINED).expect(402);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.error).toMatchObject({ type: 'card_error', code: 'card_declined', charge: charges[0].id });
    expect(await committed('charges')).toBe(1);
  });

  it('error_before_execute: answers 500, writes nothing, and the retry executes', async () => {
    await arm({ fault: 'error_before_execute' });
    const res = await keyed('/v1/charges', 'k-error-before', CHARGE).expect(500);
    expect(res.body.error).toMatchObject({ type: 'api_error' });
    expect(await committed('charges')).toBe(0);
    expect(await committed('idempotency_keys')).toBe(0);

    expectExecuted(await keyed('/v1/charges', 'k-error-before', CHARGE));
    expect(await committed('charges')).toBe(1);
  });

  it('delay: commits the charge before the delayed answer arrives', async () => {
    await arm({ fault: 'delay', path: '/v1/charges', delay_ms: DELAY_MS });
    const response = track(keyed('/v1/charges', 'k-delay', CHARGE));

    await waitFor('the delayed charge to be committed', async () => (await committed('charges')) > 0);
    expect(response.settled).toBe(false);
    expect(await committed('idempotency_keys')).toBe(1);
    // Committed, not merely written: a retry during the delay already gets the replay.
    const { rows } = await observer.query(`SELECT id FROM charges`);
    const retry = await keyed('/v1/charges', 'k-delay', CHARGE).expect(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe(rows[0].id);
    expect(response.settled).toBe(false);

    const res = await response.result;
    expectExecuted(res);
    expect(res.body.id).toBe(rows[0].id);
    expect(await committed('charges')).toBe(1);
  });

  it('hold: keeps the request in flight, uncommitted with its key locked, so a concurrent retry gets key_in_use', async () => {
    await arm({ fault: 'hold', path: '/v1/charges', delay_ms: HOLD_MS });
    const first = track(keyed('/v1/charges', 'k-hold', CHARGE));
    await untilHeld();

    // The charge and its record are written inside the open transaction: no other connection sees them.
    expect(await committed('charges')).toBe(0);
    expect(await committed('idempotency_keys')).toBe(0);
    const concurrent = await keyed('/v1/charges', 'k-hold', CHARGE);
    expect(concurrent.status).toBe(409);
    expect(concurrent.body.error).toMatchObject({ type: 'idempotency_error', code: 'idempotency_key_in_use' });
    expect(first.settled).toBe(false);

    const done = await first.result;
    expectExecuted(done);
    const retry = await keyed('/v1/charges', 'k-hold', CHARGE).expect(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe(done.body.id);
    expect(await committed('charges')).toBe(1);
  });

  it('rate_limit: answers 429 rate_limit, writes nothing, and the retry executes', async () => {
    await arm({ fault: 'rate_limit' });
    const res = await keyed('/v1/charges', 'k-rate', CHARGE).expect(429);
    expect(res.body.error).toMatchObject({ code: 'rate_limit' });
    expect(res.headers['stripe-should-retry']).toBe('true');
    expect(await committed('charges')).toBe(0);
    expect(await committed('idempotency_keys')).toBe(0);

    expectExecuted(await keyed('/v1/charges', 'k-rate', CHARGE));
    expect(await committed('charges')).toBe(1);
  });
});

describe('the Sandbox-Fault header', () => {
  it('applies error_after_commit to that one request', async () => {
    const res = await keyed('/v1/charges', 'k-header-error', CHARGE).set('Sandbox-Fault', 'error_after_commit').expect(500);
    expect(res.body.error).toMatchObject({ type: 'api_error' });
    const { rows: charges } = await observer.query(`SELECT id FROM charges`);
    expect(charges).toHaveLength(1);

    const retry = await keyed('/v1/charges', 'k-header-error', CHARGE).expect(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe(charges[0].id);
    expectExecuted(await keyed('/v1/charges', 'k-header-next', CHARGE));
  });

  it('applies hold with its delay_ms: a concurrent retry gets key_in_use, then the first answers 200', async () => {
    const first = track(keyed('/v1/charges', 'k-header-hold', CHARGE).set('Sandbox-Fault', 'hold; delay_ms=500'));
    await untilHeld();
    const concurrent = await keyed('/v1/charges', 'k-header-hold', CHARGE);
    expect(concurrent.status).toBe(409);
    expect(concurrent.body.error.code).toBe('idempotency_key_in_use');

    expectExecuted(await first.result);
    expect(await committed('charges')).toBe(1);
  });

  it.each(['explode', 'hold; delay_ms=soon', 'delay; delay_ms=999999'])(
    "refuses Sandbox-Fault '%s' with 400 param Sandbox-Fault, writing nothing",
    async (value) => {
      const res = await keyed('/v1/charges', 'k-header-bad', CHARGE).set('Sandbox-Fault', value);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param: 'Sandbox-Fault' });
      expect(await committed('charges')).toBe(0);
      expect(await committed('idempotency_keys')).toBe(0);

      expectExecuted(await keyed('/v1/charges', 'k-header-bad', CHARGE));
    },
  );
});

describe('the stripe SDK retrying through faults', () => {
  const stripe = () => new Stripe(KEY, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 3 });

  /** The charge in the database, and the log of the SDK's attempts, newest first. */
  async function afterCall(): Promise<{ chargeIds: string[]; log: LogEntry[] }> {
    const { rows } = await observer.query(`SELECT id FROM charges`);
    return { chargeIds: rows.map((r: { id: string }) => r.id), log: (await requestLog()).data };
  }

  it('drop_after_commit: the retry with the generated key is a replay, and one charge exists', async () => {
    await arm({ fault: 'drop_after_commit', path: '/v1/charges' });
    const charge = await stripe().charges.create(CHARGE);

    expect(charge.lastResponse.headers['idempotent-replayed']).toBe('true');
    const { chargeIds, log } = await afterCall();
    expect(chargeIds).toEqual([charge.id]);
    const key = charge.lastResponse.idempotencyKey;
    expect(key).toMatch(/^stripe-node-retry-/);
    expect(log.map((e) => [e.outcome, e.status, e.fault, e.idempotency_key])).toEqual([
      ['replayed', 200, null, key],
      ['faulted', null, 'drop_after_commit', key],
    ]);
  });

  it('error_after_commit: the retry replays the real result, and one charge exists', async () => {
    await arm({ fault: 'error_after_commit', path: '/v1/charges' });
    const charge = await stripe().charges.create(CHARGE);

    expect(charge.lastResponse.headers['idempotent-replayed']).toBe('true');
    const { chargeIds, log } = await afterCall();
    expect(chargeIds).toEqual([charge.id]);
    expect(log.map((e) => [e.outcome, e.status, e.fault])).toEqual([
      ['replayed', 200, null],
      ['faulted', 500, 'error_after_commit'],
    ]);
  });

  it('rate_limit: the SDK follows Stripe-Should-Retry, the retry executes, and one charge exists', async () => {
    await arm({ fault: 'rate_limit', path: '/v1/charges' });
    const charge = await stripe().charges.create(CHARGE);

    expect(charge.lastResponse.headers).not.toHaveProperty('idempotent-replayed');
    const { chargeIds, log } = await afterCall();
    expect(chargeIds).toEqual([charge.id]);
    expect(log.map((e) => [e.outcome, e.status, e.fault])).toEqual([
      ['executed', 200, null],
      ['faulted', 429, 'rate_limit'],
    ]);
  });
});

describe('the request log (GET /_sandbox/requests)', () => {
  it('lists every outcome, newest first, with the request ids the client was sent', async () => {
    const expected: Omit<LogEntry, 'created'>[] = [];
    const expectLine = (res: HttpResponse, line: Omit<LogEntry, 'created' | 'request_id' | 'method' | 'path'>, method = 'POST', path = '/v1/charges') =>
      expected.push({ request_id: res.headers['request-id'], method, path, ...line });

    const first = await keyed('/v1/charges', 'k-log', CHARGE).expect(200);
    expectLine(first, { idempotency_key: 'k-log', status: 200, outcome: 'executed', fault: null });
    expectLine(await keyed('/v1/charges', 'k-log', CHARGE).expect(200), { idempotency_key: 'k-log', status: 200, outcome: 'replayed', fault: null });
    expectLine(await keyed('/v1/charges', 'k-log', { ...CHARGE, amount: 3000 }).expect(409), {
      idempotency_key: 'k-log', status: 409, outcome: 'key_reused', fault: null,
    });
    expectLine(await keyed('/v1/charges', 'k-invalid', { ...CHARGE, amount: 10 }).expect(400), {
      idempotency_key: 'k-invalid', status: 400, outcome: 'rejected', fault: null,
    });
    const malformed = await t.http().post('/v1/charges').auth(KEY, '').set('Idempotency-Key', 'k-json').type('json').send('{"amount":').expect(400);
    expectLine(malformed, { idempotency_key: 'k-json', status: 400, outcome: 'rejected', fault: null });
    expectLine(await keyed('/v1/charges', 'k-declined', DECLINED).expect(402), {
      idempotency_key: 'k-declined', status: 402, outcome: 'executed', fault: null,
    });
    expectLine(await get(t, `/v1/charges/${first.body.id}`).expect(200), { idempotency_key: null, status: 200, outcome: 'executed', fault: null }, 'GET', `/v1/charges/${first.body.id}`);

    // The held request is logged when it answers, after the concurrent one it turned away.
    const held = track(keyed('/v1/charges', 'k-held', CHARGE).set('Sandbox-Fault', `hold; delay_ms=${HOLD_MS}`));
    await untilHeld();
    expectLine(await keyed('/v1/charges', 'k-held', CHARGE).expect(409), { idempotency_key: 'k-held', status: 409, outcome: 'key_in_use', fault: null });
    expectLine(await held.result, { idempotency_key: 'k-held', status: 200, outcome: 'faulted', fault: 'hold' });

    await arm({ fault: 'rate_limit', path: '/v1/customers' });
    const limited = await post(t, '/v1/customers', {}).expect(429);
    expectLine(limited, { idempotency_key: null, status: 429, outcome: 'faulted', fault: 'rate_limit' }, 'POST', '/v1/customers');

    await arm({ fault: 'drop_after_commit', path: '/v1/charges' });
    await expect(fetchPost('/v1/charges', CHARGE, { 'Idempotency-Key': 'k-dropped' })).rejects.toThrow(/fetch failed/);
    expected.push({
      request_id: expect.stringMatching(/^req_/) as unknown as string,
      method: 'POST', path: '/v1/charges', idempotency_key: 'k-dropped', status: null, outcome: 'faulted', fault: 'drop_after_commit',
    });
    await listFaults();

    expect((await requestLog({}, OTHER_KEY)).data).toEqual([]);
    const now = Math.floor(Date.now() / 1000);
    const log = await requestLog();
    expect(log).toMatchObject({ object: 'list', url: '/_sandbox/requests', has_more: false });
    expect(log.data).toEqual([...expected].reverse().map((line) => ({ ...line, created: expect.any(Number) })));
    for (const line of log.data) expect(Math.abs(line.created - now)).toBeLessThan(120);
    expect(new Set(log.data.map((line) => line.request_id)).size).toBe(log.data.length);
  });

  it('keeps each account to its own log, and does not log /_sandbox calls', async () => {
    const mine = await post(t, '/v1/customers', {}).expect(200);
    const theirs = await post(t, '/v1/customers', {}, OTHER_KEY).expect(200);
    await arm({ fault: 'delay', path: '/v1/never' });
    await listFaults();
    await requestLog();

    expect((await requestLog()).data.map((l) => l.request_id)).toEqual([mine.headers['request-id']]);
    expect((await requestLog({}, OTHER_KEY)).data.map((l) => l.request_id)).toEqual([theirs.headers['request-id']]);
  });

  it('pages with limit and starting_after, newest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await get(t, '/v1/customers').expect(200)).headers['request-id']);
    const newestFirst = [...ids].reverse();

    const page1 = await requestLog({ limit: 2 });
    expect(page1.has_more).toBe(true);
    expect(page1.data.map((l) => l.request_id)).toEqual(newestFirst.slice(0, 2));
    const page2 = await requestLog({ limit: 2, starting_after: page1.data[1].request_id });
    expect(page2.has_more).toBe(true);
    expect(page2.data.map((l) => l.request_id)).toEqual(newestFirst.slice(2, 4));
    const page3 = await requestLog({ limit: 2, starting_after: page2.data[1].request_id });
    expect(page3.has_more).toBe(false);
    expect(page3.data.map((l) => l.request_id)).toEqual(newestFirst.slice(4));
    expect((await requestLog({})).data).toHaveLength(5);
  });
});

describe('erasing an account (DELETE /_sandbox/data)', () => {
  /** Gives an account a customer, a charge on it, two keys, an armed fault and log lines. */
  async function populate(apiKey: string): Promise<string> {
    const { body: customer } = await keyed('/v1/customers', 'k-customer', { email: 'x@example.com' }, apiKey).expect(200);
    await keyed('/v1/charges', 'k-charge', { amount: 2000, currency: 'usd', customer: customer.id }, apiKey).expect(200);
    await arm({ fault: 'delay', path: '/v1/never' }, apiKey);
    return customer.id;
  }
  const populated = { customers: 1, charges: 1, idempotency_keys: 2, sandbox_faults: 1, sandbox_requests: 2 };

  it("erases the caller's objects, keys, faults and log, and leaves another account's untouched", async () => {
    const customerId = await populate(KEY);
    await populate(OTHER_KEY);
    expect(await rowsOf(KEY)).toEqual(populated);
    expect(await rowsOf(OTHER_KEY)).toEqual(populated);

    const res = await t.http().delete('/_sandbox/data').auth(KEY, '').expect(200);
    expect(res.body).toMatchObject({ deleted: true });

    expect(await rowsOf(KEY)).toEqual({ customers: 0, charges: 0, idempotency_keys: 0, sandbox_faults: 0, sandbox_requests: 0 });
    expect(await rowsOf(OTHER_KEY)).toEqual(populated);
    expect((await listFaults()).data).toEqual([]);
    expect((await requestLog()).data).toEqual([]);
    await t.http().get(`/v1/customers/${customerId}`).auth(KEY, '').expect(404);
    const again = await keyed('/v1/customers', 'k-customer', { email: 'x@example.com' }).expect(200);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(again.body.id).not.toBe(customerId);
  });
});
