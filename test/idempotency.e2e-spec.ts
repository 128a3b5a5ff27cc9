import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { reachDatabase } from '../src/database/reach-database';
import { createApp } from '../src/app.factory';
import { IdempotencyPurger } from '../src/idempotency/idempotency.purger';
import { testDatabaseUrl } from './database';
import { bootApp, form, KEY, OTHER_KEY, post, rowCounts, TestApp, truncateAll } from './helpers';
import { waitFor } from './wait-for';

const CHARGE = { amount: 2000, currency: 'usd', source: 'tok_visa', metadata: { order: '42' } };

/** POSTs form parameters with an Idempotency-Key. */
const keyed = (t: TestApp, path: string, key: string, params: object, apiKey = KEY) =>
  post(t, path, params, apiKey).set('Idempotency-Key', key);

const count = async (t: TestApp, table: string): Promise<number> =>
  (await t.dataSource.query(`SELECT count(*)::int AS n FROM ${table}`))[0].n;

/** A connection of its own, to hold locks the way another transaction would. */
async function sideConnection(): Promise<Client> {
  const client = new Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  return client;
}

describe('idempotency keys (CONTRACT §5)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(() => t.app.close());
  beforeEach(() => truncateAll(t.dataSource));

  it('executes the first request with a key and saves its answer with its writes', async () => {
    const res = await keyed(t, '/v1/charges', 'first-key', CHARGE).expect(200);
    expect(res.headers['idempotency-key']).toBe('first-key');
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    const [record] = await t.dataSource.query(`SELECT status_code, response_body, request_id, path FROM idempotency_keys`);
    expect(record).toEqual({ status_code: 200, response_body: res.text, request_id: res.headers['request-id'], path: '/v1/charges' });
    expect(await count(t, 'charges')).toBe(1);
  });

  it('replays the stored response byte for byte for a reused key, executing nothing', async () => {
    const first = await keyed(t, '/v1/charges', 'k-replay', CHARGE).expect(200);
    const again = await keyed(t, '/v1/charges', 'k-replay', CHARGE).expect(200);
    expect(again.text).toBe(first.text);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['original-request']).toBe(first.headers['request-id']);
    expect(again.headers['request-id']).toMatch(/^req_/);
    expect(again.headers['request-id']).not.toBe(first.headers['request-id']);
    expect(again.headers['idempotency-key']).toBe('k-replay');
    expect(await count(t, 'charges')).toBe(1);
  });

  it('treats the JSON encoding and another key order of the same parameters as the same request', async () => {
    const first = await keyed(t, '/v1/charges', 'k-enc', CHARGE).expect(200);
    const json = await t.http().post('/v1/charges').auth(KEY, '').set('Idempotency-Key', 'k-enc')
      .send({ metadata: { order: 42 }, source: 'tok_visa', currency: 'usd', amount: 2000 }).expect(200);
    expect(json.headers['idempotent-replayed']).toBe('true');
    expect(json.text).toBe(first.text);
    expect(await count(t, 'charges')).toBe(1);
  });

  it('replays a retry that spells the path with other escapes, and saves the path in one spelling', async () => {
    const { body: customer } = await post(t, '/v1/customers', {}).expect(200);
    const escaped = `/v1/%63ustomers/${customer.id.replace('_', '%5f')}`;
    const first = await keyed(t, escaped, 'k-spelling', { name: 'Ada' }).expect(200);
    const again = await keyed(t, `/v1/customers/${customer.id}`, 'k-spelling', { name: 'Ada' }).expect(200);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.text).toBe(first.text);
    const [record] = await t.dataSource.query(`SELECT path FROM idempotency_keys WHERE key = 'k-spelling'`);
    expect(record.path).toBe(`/v1/customers/${customer.id}`);
  });

  it.each([
    ['other parameters', '/v1/charges', { ...CHARGE, amount: 2001 }],
    ['another endpoint', '/v1/customers', { email: 'a@example.com' }],
  ])('answers 409 idempotency_key_reused for %s and executes nothing', async (_name, path, params) => {
    await keyed(t, '/v1/charges', 'k-mismatch', CHARGE).expect(200);
    const before = await rowCounts(t.dataSource);
    const res = await keyed(t, path, 'k-mismatch', params).expect(409);
    expect(res.body.error).toMatchObject({ type: 'idempotency_error', code: 'idempotency_key_reused' });
    expect(res.headers['stripe-should-retry']).toBe('false');
    expect(await rowCounts(t.dataSource)).toEqual(before);
  });

  it('answers 409 idempotency_key_in_use at once while the first request holds the key', async () => {
    // Make the first request really be in flight: it takes the key's lock, then blocks on its
    // INSERT into charges, because another transaction holds a lock on that table. It waits at
    // most LOCK_TIMEOUT_MS (2 s) before giving up with a 429, so all up to the ROLLBACK below must
    // fit in that time; it takes milliseconds.
    const blocker = await sideConnection();
    await blocker.query('BEGIN');
    await blocker.query('LOCK TABLE charges IN SHARE MODE');
    const first = keyed(t, '/v1/charges', 'k-in-flight', CHARGE).then((r) => r);
    await waitFor('the first request to hold its key', async () =>
      (await blocker.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted`)).rows[0].n > 0);

    // The second request answers while the first is still blocked: it did not wait for it.
    const second = await keyed(t, '/v1/charges', 'k-in-flight', CHARGE);
    expect(second.status).toBe(409);
    expect(second.body.error).toMatchObject({ type: 'idempotency_error', code: 'idempotency_key_in_use' });
    expect(second.headers['stripe-should-retry']).toBe('true');
    expect(second.headers['retry-after']).toBe('1');
    const { rows } = await blocker.query(`SELECT count(*)::int AS n FROM charges`);
    expect(rows[0].n).toBe(0);

    await blocker.query('ROLLBACK');
    await blocker.end();
    const done = await first;
    expect(done.status).toBe(200);
    const replay = await keyed(t, '/v1/charges', 'k-in-flight', CHARGE).expect(200);
    expect(replay.headers['idempotent-replayed']).toBe('true');
    expect(replay.body.id).toBe(done.body.id);
    expect(await count(t, 'charges')).toBe(1);
  });

  it('saves a decline: the retry gets the same 402 naming the same failed charge', async () => {
    const params = { ...CHARGE, source: 'tok_chargeDeclinedInsufficientFunds' };
    const first = await keyed(t, '/v1/charges', 'k-decline', params).expect(402);
    const again = await keyed(t, '/v1/charges', 'k-decline', params).expect(402);
    expect(again.text).toBe(first.text);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await count(t, 'charges')).toBe(1);
  });

  it('saves a 404 for a referenced customer and a 400 charge_already_captured', async () => {
    const missing = { ...CHARGE, source: undefined, customer: 'cus_doesnotexist' };
    await keyed(t, '/v1/charges', 'k-404', missing).expect(404);
    const replay404 = await keyed(t, '/v1/charges', 'k-404', missing).expect(404);
    expect(replay404.headers['idempotent-replayed']).toBe('true');

    const { body: charge } = await post(t, '/v1/charges', CHARGE).expect(200);
    const first = await keyed(t, `/v1/charges/${charge.id}/capture`, 'k-captured', {}).expect(400);
    expect(first.body.error.code).toBe('charge_already_captured');
    const again = await keyed(t, `/v1/charges/${charge.id}/capture`, 'k-captured', {}).expect(400);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(await count(t, 'idempotency_keys')).toBe(2);
  });

  it.each([
    ['a missing API key', (k: string) => t.http().post('/v1/charges').type('form').set('Idempotency-Key', k).send(form(CHARGE)), 401],
    ['malformed JSON', (k: string) => t.http().post('/v1/charges').auth(KEY, '').set('Idempotency-Key', k).type('json').send('{"amount":'), 400],
    ['a parameter refused by validation', (k: string) => keyed(t, '/v1/charges', k, { ...CHARGE, amount: 10 }), 400],
    ['an unknown parameter', (k: string) => keyed(t, '/v1/charges', k, { ...CHARGE, foo: 'bar' }), 400],
    ['an unknown source token', (k: string) => keyed(t, '/v1/charges', k, { ...CHARGE, source: 'tok_bogus' }), 400],
    [
      'an unknown source token on an unknown customer (the refusal comes first)',
      (k: string) => keyed(t, '/v1/charges', k, { ...CHARGE, source: 'tok_bogus', customer: 'cus_doesnotexist' }),
      400,
    ],
  ])('does not save %s, so the corrected retry executes', async (_name, send, status) => {
    const refused = await send('k-refused');
    expect(refused.status).toBe(status);
    expect(await rowCounts(t.dataSource)).toEqual({ charges: 0, customers: 0, deleted_customers: 0, idempotency_keys: 0, sandbox_faults: 0 });
    const retry = await keyed(t, '/v1/charges', 'k-refused', CHARGE).expect(200);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
  });

  it.each([
    ['256 characters', 'k'.repeat(256)],
    ['nothing', ''],
    ['a tab', 'bad\tkey'],
    ['a non-ASCII character', 'caf\u00e9'],
  ])('refuses a key of %s with 400 and writes nothing', async (_name, key) => {
    const res = await post(t, '/v1/charges', CHARGE).set('Idempotency-Key', key);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param: 'Idempotency-Key' });
    expect(await rowCounts(t.dataSource)).toEqual({ charges: 0, customers: 0, deleted_customers: 0, idempotency_keys: 0, sandbox_faults: 0 });
  });

  it('accepts a key of exactly 255 printable characters', async () => {
    // Spaces inside, none at either end, where HTTP would strip them and shorten the key.
    const key = `!${' ~'.repeat(127)}`;
    expect(key).toHaveLength(255);
    await keyed(t, '/v1/charges', key, CHARGE).expect(200);
    expect((await keyed(t, '/v1/charges', key, CHARGE).expect(200)).headers['idempotent-replayed']).toBe('true');
    expect(await t.dataSource.query('SELECT length(key) AS length FROM idempotency_keys')).toEqual([{ length: 255 }]);
  });

  it('echoes the key on every POST answer, refusals included (CONTRACT §2)', async () => {
    const answers = [
      await t.http().post('/v1/charges').set('Idempotency-Key', 'k-401').type('form').send(form(CHARGE)),
      await keyed(t, '/v1/nothing', 'k-404', CHARGE),
      await keyed(t, '/v1/charges', 'k-400', { ...CHARGE, amount: 'abc' }),
      await post(t, '/v1/charges').set('Idempotency-Key', 'k-415').set('Content-Type', 'text/plain').send('amount=1'),
      await keyed(t, '/v1/charges', 'k-429', CHARGE).set('Sandbox-Fault', 'rate_limit'),
      await keyed(t, '/v1/charges', 'k'.repeat(256), CHARGE),
    ];
    expect(answers.map((a) => [a.status, a.headers['idempotency-key']])).toEqual([
      [401, 'k-401'], [404, 'k-404'], [400, 'k-400'], [415, 'k-415'], [429, 'k-429'], [400, 'k'.repeat(256)],
    ]);
  });

  it('refuses a request that sends the header twice, and writes nothing', async () => {
    const before = await rowCounts(t.dataSource);
    // superagent sends an array value as one header line per element.
    const twice = ['q1', 'q2'] as unknown as string;
    const res = await post(t, '/v1/charges', CHARGE).set('Idempotency-Key', twice).expect(400);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', code: 'idempotency_key_invalid', param: 'Idempotency-Key' });
    // Not echoed: Node joins the two into `q1, q2`, a key the client never sent.
    expect(res.headers).not.toHaveProperty('idempotency-key');
    // oncepay's own code: Stripe's pages have none to link.
    expect(res.body.error).not.toHaveProperty('doc_url');
    expect(await rowCounts(t.dataSource)).toEqual(before);
  });

  it('ignores the header on GET and DELETE', async () => {
    const { body: c } = await post(t, '/v1/customers', {});
    const got = await t.http().get(`/v1/customers/${c.id}`).auth(KEY, '').set('Idempotency-Key', 'k-get').expect(200);
    expect(got.headers['idempotency-key']).toBeUndefined();
    await t.http().delete(`/v1/customers/${c.id}`).auth(KEY, '').set('Idempotency-Key', 'k-get').expect(200);
    expect(await count(t, 'idempotency_keys')).toBe(0);
  });

  it('scopes keys per account', async () => {
    const mine = await keyed(t, '/v1/charges', 'shared-key', CHARGE).expect(200);
    const theirs = await keyed(t, '/v1/charges', 'shared-key', { ...CHARGE, amount: 3000 }, OTHER_KEY).expect(200);
    expect(theirs.headers['idempotent-replayed']).toBeUndefined();
    expect(theirs.body.id).not.toBe(mine.body.id);
    expect(await count(t, 'charges')).toBe(2);
  });

  it('runs keyless POSTs normally, every one executing', async () => {
    await post(t, '/v1/charges', CHARGE).expect(200);
    await post(t, '/v1/charges', CHARGE).expect(200);
    expect(await count(t, 'charges')).toBe(2);
    expect(await count(t, 'idempotency_keys')).toBe(0);
  });
});

describe('the transaction isolation the locked path relies on', () => {
  it('runs every transaction at READ COMMITTED even where the database defaults to SERIALIZABLE', async () => {
    const admin = await sideConnection();
    const database = (await admin.query('SELECT current_database() AS name')).rows[0].name as string;
    // The name comes from current_database(); ALTER DATABASE takes no bind parameters.
    await admin.query(`ALTER DATABASE "${database}" SET default_transaction_isolation = 'serializable'`);
    try {
      const t = await bootApp();
      try {
        const level = await t.dataSource.transaction((manager) => manager.query('SHOW transaction_isolation'));
        expect(level).toEqual([{ transaction_isolation: 'read committed' }]);
      } finally {
        await t.app.close();
      }
    } finally {
      await admin.query(`ALTER DATABASE "${database}" RESET default_transaction_isolation`);
      await admin.end();
    }
  });
});

describe('settings a DATABASE_URL carries', () => {
  /** The test database's URL with settings of its own that would undo oncepay's, if they could. */
  const withSettings = (url: URL): URL => {
    url.searchParams.set(
      'options',
      '-c default_transaction_isolation=serializable -c lock_timeout=0 -c idle_in_transaction_session_timeout=0 -c statement_timeout=12345',
    );
    url.searchParams.set('lock_timeout', '0');
    url.searchParams.set('idle_in_transaction_session_timeout', '0');
    return url;
  };
  const test = new URL(testDatabaseUrl());

  it.each([
    ['a URL', () => withSettings(new URL(test)).toString()],
    // `user@/db?host=…`, as Cloud SQL's socket URLs are: not a URL to Node, but one to pg.
    [
      'a URL without a host',
      () => {
        const credentials = test.password ? `${test.username}:${test.password}` : test.username;
        const hostless = new URL(`postgres://${credentials}@placeholder${test.pathname}?host=${test.hostname}&port=${test.port}`);
        return withSettings(hostless).toString().replace('@placeholder/', '@/');
      },
    ],
  ])('keeps READ COMMITTED and the timeouts when %s sends options and timeouts of its own', async (_name, url) => {
    const app = await createApp(url(), false);
    await app.init();
    try {
      const settings = await app.get(DataSource).transaction((manager) =>
        manager.query(
          `SELECT current_setting('transaction_isolation') AS isolation, current_setting('lock_timeout') AS lock,
                  current_setting('idle_in_transaction_session_timeout') AS idle, current_setting('statement_timeout') AS statement`,
        ),
      );
      // oncepay's own settings win (a frozen process's locks go after 2 minutes idle, twice the
      // longest hold); the URL's others still apply.
      expect(settings).toEqual([{ isolation: 'read committed', lock: '2s', idle: '2min', statement: '12345ms' }]);
    } finally {
      await app.close();
    }
  });

  it('stops at start, in one line, when PostgreSQL refuses the URL options beside oncepay\'s', async () => {
    // Alone, these options are fine; but their last backslash escapes the space before oncepay's.
    const url = new URL(test);
    url.searchParams.set('options', '-c application_name=x\\');
    await expect(reachDatabase(url.toString(), 1)).rejects.toThrow(/^could not reach the database at .*: invalid command-line argument/);
  });
});

describe('idempotency settings', () => {
  const boot = async (env: Record<string, string>) => {
    Object.assign(process.env, env);
    try {
      return await bootApp();
    } finally {
      for (const name of Object.keys(env)) delete process.env[name];
    }
  };

  it.each([400, 422])('answers a mismatch with IDEMPOTENCY_MISMATCH_STATUS=%i', async (status) => {
    const t = await boot({ IDEMPOTENCY_MISMATCH_STATUS: String(status) });
    try {
      await truncateAll(t.dataSource);
      await keyed(t, '/v1/charges', 'k-status', CHARGE).expect(200);
      const res = await keyed(t, '/v1/charges', 'k-status', { ...CHARGE, amount: 999 }).expect(status);
      expect(res.body.error).toMatchObject({ type: 'idempotency_error', code: 'idempotency_key_reused' });
    } finally {
      await t.app.close();
    }
  });

  it('treats a key older than IDEMPOTENCY_KEY_TTL as new, and the purge deletes expired keys', async () => {
    const t = await boot({ IDEMPOTENCY_KEY_TTL: '1' });
    try {
      await truncateAll(t.dataSource);
      const first = await keyed(t, '/v1/charges', 'k-ttl', CHARGE).expect(200);
      await keyed(t, '/v1/charges', 'k-other', CHARGE).expect(200);
      await new Promise((r) => setTimeout(r, 1_500));
      // Other parameters would be a mismatch within the window; past it, the key is new.
      const later = await keyed(t, '/v1/charges', 'k-ttl', { ...CHARGE, amount: 5000 }).expect(200);
      expect(later.headers['idempotent-replayed']).toBeUndefined();
      expect(later.body.id).not.toBe(first.body.id);
      expect(await count(t, 'idempotency_keys')).toBe(2);

      const purged = await t.app.get(IdempotencyPurger).purge();
      expect(purged).toBe(1);
      const keys = await t.dataSource.query(`SELECT key FROM idempotency_keys`);
      expect(keys).toEqual([{ key: 'k-ttl' }]);
    } finally {
      await t.app.close();
    }
  });

  /**
   * Runs `test` on two apps sharing the one database, emptied first: `usual` with the default TTL
   * of 24 hours, `brief` with a TTL of 1 second.
   */
  async function withTwoTtls(test: (usual: TestApp, brief: TestApp) => Promise<void>): Promise<void> {
    const usual = await boot({});
    const brief = await boot({ IDEMPOTENCY_KEY_TTL: '1' });
    try {
      await truncateAll(usual.dataSource);
      await test(usual, brief);
    } finally {
      await Promise.all([usual.app.close(), brief.app.close()]);
    }
  }

  it("keeps each key for its own process's TTL: a process with a shorter TTL purges only its own", () =>
    withTwoTtls(async (usual, brief) => {
      const kept = await keyed(usual, '/v1/charges', 'k-usual', CHARGE).expect(200);
      await keyed(brief, '/v1/charges', 'k-brief', CHARGE).expect(200);
      await new Promise((r) => setTimeout(r, 1_500));

      // Each purges a record once both its saver and the purging process are done with it.
      expect(await usual.app.get(IdempotencyPurger).purge()).toBe(0);
      expect(await brief.app.get(IdempotencyPurger).purge()).toBe(1);
      expect(await usual.dataSource.query(`SELECT key FROM idempotency_keys`)).toEqual([{ key: 'k-usual' }]);
      // So a retry to the process that promised 24 hours still replays, and charges nothing.
      const retry = await keyed(usual, '/v1/charges', 'k-usual', CHARGE).expect(200);
      expect([retry.headers['idempotent-replayed'], retry.body.id]).toEqual(['true', kept.body.id]);
      expect(await count(usual, 'charges')).toBe(2);
    }));

  it('keeps a key replaced by a process with a shorter TTL as long as the record it replaced', () =>
    withTwoTtls(async (usual, brief) => {
      await keyed(usual, '/v1/charges', 'k-replaced', CHARGE).expect(200);
      await new Promise((r) => setTimeout(r, 1_500));
      // Past its own TTL, the brief process takes the key as new, as documented, and executes.
      const again = await keyed(brief, '/v1/charges', 'k-replaced', CHARGE).expect(200);
      expect(again.headers['idempotent-replayed']).toBeUndefined();
      await new Promise((r) => setTimeout(r, 1_500));

      // Its record keeps the 24 hours the first one was promised: no purge takes it.
      expect(await brief.app.get(IdempotencyPurger).purge()).toBe(0);
      const retry = await keyed(usual, '/v1/charges', 'k-replaced', CHARGE).expect(200);
      expect([retry.headers['idempotent-replayed'], retry.body.id]).toEqual(['true', again.body.id]);
    }));
});
