import { Client } from 'pg';
import { IdempotencyPurger } from '../src/idempotency/idempotency.purger';
import { RequestLogService } from '../src/sandbox/request-log.service';
import { REQUEST_LOG_RETENTION_HOURS } from '../src/sandbox/sandbox.constants';
import { testDatabaseUrl } from './database';
import { bootApp, get, TestApp, truncateAll } from './helpers';

describe('retention: the purges of the request log and of expired keys', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(() => t.app.close());
  beforeEach(() => truncateAll(t.dataSource));

  it(`purges lines older than ${REQUEST_LOG_RETENTION_HOURS} hours and keeps the recent ones`, async () => {
    const recent = await get(t, '/v1/customers').expect(200);
    await get(t, '/v1/charges').expect(200);
    // Age one line past the retention window, as time passing would.
    await t.dataSource.query(`UPDATE sandbox_requests SET created = now() - make_interval(hours => $1) WHERE path = '/v1/charges'`, [
      REQUEST_LOG_RETENTION_HOURS + 1,
    ]);
    expect(await t.app.get(RequestLogService).purge()).toBe(1);
    const { body } = await get(t, '/_sandbox/requests').expect(200);
    expect(body.data.map((line: { request_id: string }) => line.request_id)).toEqual([recent.headers['request-id']]);
  });

  // Records saved `age` ago with the default TTL of 24 hours, as time passing would leave them.
  const SAVED_AGO = `INSERT INTO idempotency_keys (account, key, fingerprint, method, path, status_code, response_body, request_id, created_at, expires_at)
    SELECT 'acct_a', key, 'f', 'POST', '/v1/charges', 200, '{}', 'req_x', now() - age, now() - age + interval '24 hours'`;

  it('purges a backlog larger than one batch, and nothing younger', async () => {
    await t.dataSource.query(
      `${SAVED_AGO} FROM (SELECT 'k' || n AS key, CASE WHEN n <= 2500 THEN interval '2 days' ELSE interval '1 hour' END AS age FROM generate_series(1, 2503) AS n) AS saved`,
    );
    expect(await t.app.get(IdempotencyPurger).purge()).toBe(2500);
    expect(await t.dataSource.query('SELECT count(*)::int AS n FROM idempotency_keys')).toEqual([{ n: 3 }]);
  });

  it('keeps a record saved without an expiry, by a process older than expires_at, for the longest TTL, 30 days', async () => {
    await t.dataSource.query(
      `INSERT INTO idempotency_keys (account, key, fingerprint, method, path, status_code, response_body, request_id) VALUES ('acct_a', 'k-old-process', 'f', 'POST', '/v1/charges', 200, '{}', 'req_x')`,
    );
    const [{ kept }] = await t.dataSource.query(`SELECT date_trunc('minute', expires_at - created_at) = interval '30 days' AS kept FROM idempotency_keys`);
    expect(kept).toBe(true);
  });

  it('skips expired rows that another transaction holds, rather than wait for it, and purges the rest', async () => {
    const held = await get(t, '/v1/customers').expect(200);
    await get(t, '/v1/charges').expect(200);
    await t.dataSource.query(`UPDATE sandbox_requests SET created = now() - interval '2 days'`);
    await t.dataSource.query(`${SAVED_AGO} FROM (SELECT k AS key, interval '2 days' AS age FROM unnest(ARRAY['held', 'free']) AS k) AS saved`);
    // A reset in another transaction, deleting one of each, has not committed yet.
    const side = new Client({ connectionString: testDatabaseUrl() });
    await side.connect();
    try {
      await side.query('BEGIN');
      await side.query(`DELETE FROM idempotency_keys WHERE key = 'held'`);
      await side.query('DELETE FROM sandbox_requests WHERE id = $1', [held.headers['request-id']]);
      expect(await t.app.get(IdempotencyPurger).purge()).toBe(1);
      expect(await t.app.get(RequestLogService).purge()).toBe(1);
    } finally {
      await side.query('ROLLBACK');
      await side.end();
    }
  });
});
