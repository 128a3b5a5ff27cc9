import { Client } from 'pg';
import { accountIdForKey } from '../src/common/ids';
import { CONNECT_TIMEOUT_MS, HOLD_CONNECTIONS, POOL_SIZE } from '../src/database/data-source';
import { testDatabaseUrl } from './database';
import { KEY, OTHER_KEY, post } from './helpers';
import { CHARGE, committed, keyed, observer, rowsOf, t, track, untilHeld, useSandboxApp, waitFor } from './sandbox-helpers';

/**
 * The fault `hold` keeps a keyed request in flight, with its key's lock and so its transaction and
 * a database connection, for up to a minute. These tests prove that one account's holds cannot
 * take what other requests need (CONTRACT §2: one account's faults are invisible to another): not
 * the connections, by holding many requests at once, and not a customer's or charge's row lock,
 * for which other requests would queue, each on a connection of its own.
 *
 * Each hold outlasts CONNECT_TIMEOUT_MS, the longest a request waits for a connection, so that were
 * the pool taken, the other account's requests would fail with 503 rather than merely wait.
 */
const LONG_HOLD_MS = CONNECT_TIMEOUT_MS + 3_000;
const HOLD_HEADER = `hold; delay_ms=${LONG_HOLD_MS}`;
/** More requests for one held object than the pool has connections, each adding a metadata key (at most 50). */
const QUEUED = 40;

useSandboxApp();

/** Transactions of the app's that wait, open, for their hold to end. */
async function openTransactions(): Promise<number> {
  const { rows } = await observer.query(
    `SELECT count(*)::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND state = 'idle in transaction' AND pid <> pg_backend_pid()`,
  );
  return rows[0].n;
}

/** Creates `count` customers at once for the other account; answers their statuses. */
async function otherAccountCreates(count: number): Promise<number[]> {
  const answers = await Promise.all(Array.from({ length: count }, (_, i) => post(t, '/v1/customers', { name: `other ${i}` }, OTHER_KEY)));
  return answers.map((res) => res.status);
}

describe('hold and the connection pool', () => {
  it(`holds at most ${HOLD_CONNECTIONS} keyed requests at once, answers the rest 429, and serves another account meanwhile`, async () => {
    // As many holds as the whole pool has connections: before the cap, they took every one.
    const holds = Array.from({ length: POOL_SIZE + HOLD_CONNECTIONS }, (_, i) =>
      track(keyed('/v1/customers', `k-held-${i}`, { name: `held ${i}` }).set('Sandbox-Fault', HOLD_HEADER)),
    );
    await waitFor(`${HOLD_CONNECTIONS} held transactions`, async () => (await openTransactions()) >= HOLD_CONNECTIONS);

    expect(await otherAccountCreates(2 * POOL_SIZE)).toEqual(Array(2 * POOL_SIZE).fill(200));
    // Served while the holds were still in flight, not after them.
    expect(holds.filter((hold) => !hold.settled)).toHaveLength(HOLD_CONNECTIONS);

    const answers = await Promise.all(holds.map((hold) => hold.result));
    const refused = answers.filter((res) => res.status === 429);
    expect(answers.filter((res) => res.status === 200)).toHaveLength(HOLD_CONNECTIONS);
    expect(refused).toHaveLength(POOL_SIZE);
    for (const res of refused) expect(res.body.error).toMatchObject({ type: 'invalid_request_error', code: 'rate_limit' });
    // The held requests committed at the end of their hold; the refused ones wrote nothing.
    expect(await committed('customers')).toBe(2 * POOL_SIZE + HOLD_CONNECTIONS);
    expect(await committed('idempotency_keys')).toBe(HOLD_CONNECTIONS);
  });

  it('replays a held request whose key has an answer even while the cap is full, since it holds nothing', async () => {
    const first = await keyed('/v1/customers', 'k-answered', { name: 'answered' }).expect(200);
    const holds = Array.from({ length: HOLD_CONNECTIONS }, (_, i) =>
      track(keyed('/v1/customers', `k-full-${i}`, { name: `held ${i}` }).set('Sandbox-Fault', HOLD_HEADER)),
    );
    await waitFor(`${HOLD_CONNECTIONS} held transactions`, async () => (await openTransactions()) >= HOLD_CONNECTIONS);

    const replay = await keyed('/v1/customers', 'k-answered', { name: 'answered' }).set('Sandbox-Fault', 'hold; delay_ms=200');
    expect({ status: replay.status, replayed: replay.headers['idempotent-replayed'], id: replay.body.id }).toEqual({ status: 200, replayed: 'true', id: first.body.id });
    // A new key is refused at once, and its refusal is not saved: its retry executes.
    const refused = await keyed('/v1/customers', 'k-over-cap', { name: 'over' }).set('Sandbox-Fault', HOLD_HEADER);
    expect({ status: refused.status, code: refused.body.error?.code }).toEqual({ status: 429, code: 'rate_limit' });
    expect(holds.filter((hold) => hold.settled)).toHaveLength(0);

    expect((await Promise.all(holds.map((hold) => hold.result))).map((res) => res.status)).toEqual(Array(HOLD_CONNECTIONS).fill(200));
    const retry = await keyed('/v1/customers', 'k-over-cap', { name: 'over' }).expect(200);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
  });

  it('holds requests without a key beyond the cap, since they wait holding no connection', async () => {
    const holds = Array.from({ length: POOL_SIZE + HOLD_CONNECTIONS }, (_, i) =>
      track(post(t, '/v1/customers', { name: `held ${i}` }).set('Sandbox-Fault', HOLD_HEADER)),
    );
    expect(await otherAccountCreates(2 * POOL_SIZE)).toEqual(Array(2 * POOL_SIZE).fill(200));
    expect(holds.filter((hold) => hold.settled)).toHaveLength(0);
    expect(await openTransactions()).toBe(0);

    const answers = await Promise.all(holds.map((hold) => hold.result));
    expect(answers.map((res) => res.status)).toEqual(Array(POOL_SIZE + HOLD_CONNECTIONS).fill(200));
  });

  it(`lets ${QUEUED} requests for a held object run meanwhile, and the held one runs after them, losing nothing`, async () => {
    const customer = (await post(t, '/v1/customers', { name: 'before' }).expect(200)).body.id as string;
    const held = track(keyed(`/v1/customers/${customer}`, 'k-held-update', { name: 'held' }).set('Sandbox-Fault', HOLD_HEADER));
    await untilHeld();

    // The queued updates wait only for each other: each takes the customer's row lock for a few
    // milliseconds. Those still waiting after 2 s answer 429 lock_timeout and change nothing, as
    // Stripe answers too many concurrent requests to one object; how many do depends on the
    // machine. A request waiting for the held one instead would wait out the whole hold.
    const queued = Array.from({ length: QUEUED }, (_, i) => post(t, `/v1/customers/${customer}`, { metadata: { [`queued${i}`]: 'x' } }));
    const others = otherAccountCreates(POOL_SIZE);
    const answers = await Promise.all(queued);
    const applied = answers.filter((res) => res.status === 200);
    for (const res of answers.filter((r) => r.status !== 200)) {
      expect({ status: res.status, code: res.body.error?.code }).toEqual({ status: 429, code: 'lock_timeout' });
    }
    expect(applied.length).toBeGreaterThan(0);
    expect(await others).toEqual(Array(POOL_SIZE).fill(200));
    // One more, alone, after the crowd: nothing of the held request's stands in its way.
    await post(t, `/v1/customers/${customer}`, { metadata: { after: 'x' } }).expect(200);
    expect(held.settled).toBe(false);

    // The held update ran when its hold ended, on the customer as the others had left it: every
    // update that answered 200 is there, and none that answered 429.
    const done = await held.result;
    expect(done.status).toBe(200);
    expect(done.body.name).toBe('held');
    expect(Object.keys(done.body.metadata).sort()).toEqual(['after', ...answers.flatMap((res, i) => (res.status === 200 ? [`queued${i}`] : []))].sort());
  });

  it('resets the account at once while a held request is in flight; the held request runs after the reset', async () => {
    const customer = (await post(t, '/v1/customers', { name: 'Ann' }).expect(200)).body.id as string;
    await post(t, '/v1/charges', CHARGE).expect(200);
    const hold = 'hold; delay_ms=3000';
    const heldUpdate = track(keyed(`/v1/customers/${customer}`, 'k-held-update', { name: 'Bea' }).set('Sandbox-Fault', hold));
    const heldCreate = track(keyed('/v1/charges', 'k-held-create', CHARGE).set('Sandbox-Fault', hold));
    await waitFor('two held transactions', async () => (await openTransactions()) >= 2);

    await t.http().delete('/_sandbox/data').auth(KEY, '').expect(200);
    expect(await rowsOf(KEY)).toMatchObject({ customers: 0, charges: 0, idempotency_keys: 0 });
    expect([heldUpdate.settled, heldCreate.settled]).toEqual([false, false]);

    // Each lands after the reset, as a request sent after it would: the update finds its customer
    // erased, the create makes a charge, and each answer is saved under its key.
    const [update, create] = await Promise.all([heldUpdate.result, heldCreate.result]);
    expect(update.status).toBe(404);
    expect(update.body.error).toMatchObject({ code: 'resource_missing', param: 'id' });
    expect(create.status).toBe(200);
    expect(await rowsOf(KEY)).toMatchObject({ customers: 0, charges: 1, idempotency_keys: 2 });
  });
});

describe('a held request whose connection is lost', () => {
  it('answers 503, keeps nothing, and its retry executes', async () => {
    const held = track(keyed('/v1/charges', 'k-killed', CHARGE).set('Sandbox-Fault', 'hold; delay_ms=1500'));
    await untilHeld();
    // The held transaction's backend is ended, as a database restart or a failover would end it.
    const { rows } = await observer.query(
      `SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity
        WHERE datname = current_database() AND state = 'idle in transaction' AND pid <> pg_backend_pid()`,
    );
    expect(rows).toEqual([{ ended: true }]);

    const res = await held.result;
    expect({ status: res.status, type: res.body.error?.type, retry: res.headers['stripe-should-retry'] }).toEqual({ status: 503, type: 'api_error', retry: 'true' });
    expect(await committed('charges')).toBe(0);
    const retry = await keyed('/v1/charges', 'k-killed', CHARGE).expect(200);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
  });
});

describe('a row locked outside the app', () => {
  let locker: Client;
  beforeAll(async () => {
    locker = new Client({ connectionString: testDatabaseUrl() });
    await locker.connect();
  });
  afterAll(() => locker.end());

  it('answers 429 lock_timeout to requests that wait over 2 s for the row, saves nothing under their key, and serves another account meanwhile', async () => {
    const customer = (await post(t, '/v1/customers', { name: 'before' }).expect(200)).body.id as string;
    // Another process, or a person in psql, holds the customer's row in an open transaction.
    await locker.query('BEGIN');
    await locker.query('SELECT id FROM customers WHERE id = $1 FOR UPDATE', [customer]);
    try {
      const queued = Array.from({ length: POOL_SIZE / 2 }, (_, i) => post(t, `/v1/customers/${customer}`, { metadata: { [`queued${i}`]: 'x' } }));
      const keyedQueued = keyed(`/v1/customers/${customer}`, 'k-queued', { metadata: { keyed: 'x' } });
      const others = otherAccountCreates(POOL_SIZE);
      for (const res of await Promise.all([...queued, keyedQueued])) {
        expect(res.status).toBe(429);
        expect(res.body.error).toMatchObject({ type: 'invalid_request_error', code: 'lock_timeout' });
        expect(res.headers['stripe-should-retry']).toBe('true');
      }
      expect(await others).toEqual(Array(POOL_SIZE).fill(200));
    } finally {
      await locker.query('ROLLBACK');
    }
    const retry = await keyed(`/v1/customers/${customer}`, 'k-queued', { metadata: { keyed: 'x' } }).expect(200);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.body).toMatchObject({ name: 'before', metadata: { keyed: 'x' } });
  });

  it('answers 429 lock_timeout, saving nothing, when PostgreSQL breaks a deadlock with a transaction outside the app', async () => {
    const customer = (await post(t, '/v1/customers', { name: 'before' }).expect(200)).body.id as string;
    await locker.query('BEGIN');
    // The app's connection detects the deadlock (after its deadlock_timeout of 1 s) and is the one
    // ended; this one would wait far longer before looking.
    await locker.query(`SET LOCAL deadlock_timeout = '60s'`);
    await locker.query('SELECT id FROM customers WHERE id = $1 FOR UPDATE', [customer]);
    try {
      const update = track(keyed(`/v1/customers/${customer}`, 'k-deadlock', { name: 'after' }));
      await waitFor('the update to wait for the row', async () => (await locker.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'tuple' OR (locktype = 'transactionid' AND NOT granted)`)).rows[0].n > 0);
      // The other way round: the row's holder now asks for the key's lock, which the update holds.
      await locker.query(`SELECT pg_advisory_xact_lock(hashtextextended($1 || E'\\n' || $2, 0))`, [accountIdForKey(KEY), 'k-deadlock']);
      const res = await update.result;
      expect(res.status).toBe(429);
      expect(res.body.error).toMatchObject({ type: 'invalid_request_error', code: 'lock_timeout' });
    } finally {
      await locker.query('ROLLBACK');
    }
    const retry = await keyed(`/v1/customers/${customer}`, 'k-deadlock', { name: 'after' }).expect(200);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.body.name).toBe('after');
  });
});
