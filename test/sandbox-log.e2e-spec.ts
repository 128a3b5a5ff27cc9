import { Client } from 'pg';
import { testDatabaseUrl } from './database';
import { get, KEY, OTHER_KEY, post } from './helpers';
import {
  arm,
  CHARGE,
  DECLINED,
  expectExecuted,
  fetchPost,
  HOLD_MS,
  HttpResponse,
  keyed,
  listFaults,
  LogEntry,
  observer,
  port,
  requestLog,
  rowsOf,
  t,
  track,
  untilHeld,
  useSandboxApp,
  waitFor,
} from './sandbox-helpers';

/**
 * The sandbox's records of CONTRACT §6, against the real app and PostgreSQL: the request log
 * (`GET /_sandbox/requests`), with every outcome, per account and paged, and the per-account reset
 * (`DELETE /_sandbox/data`) that erases an account's objects, keys, faults and log.
 */

useSandboxApp();

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
    // Two keys, which Node joins into `k-a, k-b`: the line names no key, as the answer echoes none.
    const twice = await keyed('/v1/charges', ['k-a', 'k-b'] as unknown as string, CHARGE).expect(400);
    expectLine(twice, { idempotency_key: null, status: 400, outcome: 'rejected', fault: null });
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

  it('has each line written before its answer, when many requests arrive at once', async () => {
    // The log writes lines in batches while an insert is in flight; each request still waits for
    // its own line, so the moment an answer arrives its line can be read.
    const found = await Promise.all(
      Array.from({ length: 40 }, async (_, i) => {
        const res = await keyed('/v1/charges', `k-many-${i}`, CHARGE).expect(200);
        const rows = await t.dataSource.query('SELECT outcome FROM sandbox_requests WHERE id = $1', [res.headers['request-id']]);
        return rows[0]?.outcome;
      }),
    );
    expect(found).toEqual(Array(40).fill('executed'));
  });

  it('logs an error answer whose client had gone before it was ready', async () => {
    const gone = new AbortController();
    const request = fetch(`http://127.0.0.1:${port}/v1/customers/cus_missing`, {
      headers: { Authorization: `Bearer ${KEY}`, 'Sandbox-Fault': `hold; delay_ms=${HOLD_MS}` },
      signal: gone.signal,
    });
    // Abandoned a quarter into its hold, long after it reached the server on loopback; its 404
    // comes when the hold ends.
    setTimeout(() => gone.abort(), HOLD_MS / 4);
    await expect(request).rejects.toThrow();
    await waitFor('the abandoned request to be logged', async () => (await requestLog()).data.length > 0);
    expect((await requestLog()).data).toEqual([expect.objectContaining({ method: 'GET', path: '/v1/customers/cus_missing', status: 404, fault: 'hold' })]);
  });

  it('logs a path in the one spelling the routes and faults see', async () => {
    await get(t, '/v1/%63ustomers/cus%5fmissing').expect(404);
    expect((await requestLog()).data).toEqual([expect.objectContaining({ method: 'GET', path: '/v1/customers/cus_missing', status: 404 })]);
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

  it('keeps the lines answered in a range of seconds with created, as the other lists do', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push((await get(t, '/v1/customers').expect(200)).headers['request-id']);
    // The oldest line an hour back: a test that began since would not see it.
    await t.dataSource.query(`UPDATE sandbox_requests SET created = created - interval '1 hour' WHERE id = $1`, [ids[0]]);
    const since = Math.floor(Date.now() / 1000) - 600;
    expect((await requestLog({ created: { gte: since } })).data.map((l) => l.request_id)).toEqual([ids[2], ids[1]]);
    expect((await requestLog({ created: { lt: since } })).data.map((l) => l.request_id)).toEqual([ids[0]]);
  });
});

describe('erasing an account (DELETE /_sandbox/data)', () => {
  /**
   * Gives an account a customer, a charge on it, a deleted customer, two keys, an armed fault and
   * log lines; answers the two customers' ids.
   */
  async function populate(apiKey: string): Promise<{ customerId: string; deletedId: string }> {
    const { body: customer } = await keyed('/v1/customers', 'k-customer', { email: 'x@example.com' }, apiKey).expect(200);
    await keyed('/v1/charges', 'k-charge', { amount: 2000, currency: 'usd', customer: customer.id }, apiKey).expect(200);
    const { body: deleted } = await post(t, '/v1/customers', {}, apiKey).expect(200);
    await t.http().delete(`/v1/customers/${deleted.id}`).auth(apiKey, '').expect(200);
    await arm({ fault: 'delay', path: '/v1/never' }, apiKey);
    return { customerId: customer.id, deletedId: deleted.id };
  }
  const populated = { customers: 1, deleted_customers: 1, charges: 1, idempotency_keys: 2, sandbox_faults: 1, sandbox_requests: 4 };

  it("erases the caller's objects, keys, faults and log, and leaves another account's untouched", async () => {
    const { customerId, deletedId } = await populate(KEY);
    await populate(OTHER_KEY);
    expect(await rowsOf(KEY)).toEqual(populated);
    expect(await rowsOf(OTHER_KEY)).toEqual(populated);

    const res = await t.http().delete('/_sandbox/data').auth(KEY, '').expect(200);
    expect(res.body).toMatchObject({ deleted: true });

    expect(await rowsOf(KEY)).toEqual({ customers: 0, deleted_customers: 0, charges: 0, idempotency_keys: 0, sandbox_faults: 0, sandbox_requests: 0 });
    expect(await rowsOf(OTHER_KEY)).toEqual(populated);
    expect((await listFaults()).data).toEqual([]);
    expect((await requestLog()).data).toEqual([]);
    await t.http().get(`/v1/customers/${customerId}`).auth(KEY, '').expect(404);
    // The deleted customer's tombstone is erased too: its id is now unknown, not deleted.
    await t.http().get(`/v1/customers/${deletedId}`).auth(KEY, '').expect(404);
    const again = await keyed('/v1/customers', 'k-customer', { email: 'x@example.com' }).expect(200);
    expect(again.headers['idempotent-replayed']).toBeUndefined();
    expect(again.body.id).not.toBe(customerId);
  });

  /** Whether statements of this database wait for a lock: a row's, or an advisory one. */
  async function waiting(what: 'a row' | 'an advisory lock', atLeast = 1): Promise<boolean> {
    const { rows } = await observer.query(
      what === 'a row'
        ? `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND (query LIKE 'DELETE%' OR query LIKE 'WITH gone%')`
        : `SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`,
    );
    return rows[0].n >= atLeast;
  }

  /** Connections that hold a row from outside oncepay; ended after each test, whatever happened. */
  const holders: Client[] = [];
  afterEach(async () => {
    await Promise.all(holders.splice(0).map((holder) => holder.end()));
  });

  /**
   * Holds a customer's row from a transaction outside oncepay, so that what needs the row waits;
   * `release` commits that transaction and lets them through.
   */
  async function holdRow(customerId: string): Promise<{ release: () => Promise<void> }> {
    const holder = new Client({ connectionString: testDatabaseUrl() });
    holders.push(holder);
    await holder.connect();
    await holder.query('BEGIN');
    await holder.query('SELECT 1 FROM customers WHERE id = $1 FOR UPDATE', [customerId]);
    return { release: async () => void (await holder.query('COMMIT')) };
  }

  it('lands a keyed charge that commits during a reset wholly after it, so its retry replays and charges nothing', async () => {
    const { body: customer } = await post(t, '/v1/customers', {}).expect(200);
    // A transaction outside oncepay holds the customer's row, so the reset stops at its DELETE of
    // customers, its charges already deleted and its keys not yet: the moment to cut a request in two.
    const row = await holdRow(customer.id);
    const reset = track(t.http().delete('/_sandbox/data').auth(KEY, ''));
    await waitFor('the reset to wait for the customer row', () => waiting('a row'));
    const charge = track(keyed('/v1/charges', 'k-during-reset', CHARGE));
    await waitFor('the charge to commit, or to wait for the reset', async () => charge.settled || (await waiting('an advisory lock')));
    await row.release();
    expect((await reset.result).status).toBe(200);
    expectExecuted(await charge.result);
    const retry = await keyed('/v1/charges', 'k-during-reset', CHARGE).expect(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(await rowsOf(KEY)).toMatchObject({ customers: 0, charges: 1, idempotency_keys: 1 });
  });

  it('leaves no tombstone of a customer deleted while a reset runs: the reset erases customers before tombstones', async () => {
    const { body: customer } = await post(t, '/v1/customers', {}).expect(200);
    // A transaction outside oncepay holds the customer's row. The customer's delete queues for it
    // first, then the reset, which stops at its DELETE of customers; released, the delete commits
    // its tombstone while the reset is midway, and the reset's later DELETE must still erase it.
    const row = await holdRow(customer.id);
    const removal = track(t.http().delete(`/v1/customers/${customer.id}`).auth(KEY, ''));
    await waitFor('the customer delete to wait for the row', () => waiting('a row'));
    const reset = track(t.http().delete('/_sandbox/data').auth(KEY, ''));
    await waitFor('the reset to wait for the row too', () => waiting('a row', 2));
    await row.release();
    expect((await removal.result).status).toBe(200);
    expect((await reset.result).status).toBe(200);
    expect(await rowsOf(KEY)).toMatchObject({ customers: 0, deleted_customers: 0 });
    await t.http().get(`/v1/customers/${customer.id}`).auth(KEY, '').expect(404);
  });
});
