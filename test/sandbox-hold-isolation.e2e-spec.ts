import { CONNECT_TIMEOUT_MS, HOLD_CONNECTIONS, LOCK_TIMEOUT_MS, POOL_SIZE } from '../src/database/data-source';
import { KEY, OTHER_KEY, post } from './helpers';
import { committed, keyed, observer, rowsOf, t, track, untilHeld, useSandboxApp, waitFor } from './sandbox-helpers';

/**
 * The fault `hold` keeps its request's transaction, and so a database connection, open for up to a
 * minute. These tests prove that one account's holds cannot take the connections other requests
 * need (CONTRACT §2: one account's faults are invisible to another): not by holding many requests
 * at once, and not by piling requests up behind a held object's row lock.
 *
 * Each hold outlasts CONNECT_TIMEOUT_MS, the longest a request waits for a connection, so that were
 * the pool taken, the other account's requests would fail with 503 rather than merely wait.
 */
const LONG_HOLD_MS = CONNECT_TIMEOUT_MS + 3_000;
const HOLD_HEADER = `hold; delay_ms=${LONG_HOLD_MS}`;

useSandboxApp();

/** Transactions of the app's that have done their work and wait, open, for their hold to end. */
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
  it(`holds at most ${HOLD_CONNECTIONS} requests at once, answers the rest 429, and serves another account meanwhile`, async () => {
    // As many holds as the whole pool has connections: before the cap, they took every one.
    const holds = Array.from({ length: POOL_SIZE + HOLD_CONNECTIONS }, (_, i) =>
      track(post(t, '/v1/customers', { name: `held ${i}` }).set('Sandbox-Fault', HOLD_HEADER)),
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
  });

  it('answers 429 lock_timeout to requests queued behind a held object, changing nothing, and serves another account meanwhile', async () => {
    const customer = (await post(t, '/v1/customers', { name: 'before' }).expect(200)).body.id as string;
    const held = track(keyed(`/v1/customers/${customer}`, 'k-held-update', { name: 'held' }).set('Sandbox-Fault', HOLD_HEADER));
    await untilHeld();

    // More requests for the held customer than the pool has connections, each of which waits for
    // the customer's row lock; one carries a key, to show that its refusal is not saved under it.
    const queued = Array.from({ length: POOL_SIZE + 4 }, (_, i) => post(t, `/v1/customers/${customer}`, { metadata: { [`queued${i}`]: 'x' } }));
    const keyedQueued = keyed(`/v1/customers/${customer}`, 'k-queued', { metadata: { keyed: 'x' } });
    const others = otherAccountCreates(POOL_SIZE);

    const answers = await Promise.all([...queued, keyedQueued]);
    for (const res of answers) {
      expect(res.status).toBe(429);
      expect(res.body.error).toMatchObject({ type: 'invalid_request_error', code: 'lock_timeout' });
      expect(res.headers['stripe-should-retry']).toBe('true');
    }
    expect(await others).toEqual(Array(POOL_SIZE).fill(200));
    expect(held.settled).toBe(false);

    expect((await held.result).body).toMatchObject({ id: customer, name: 'held', metadata: {} });
    const retry = await keyed(`/v1/customers/${customer}`, 'k-queued', { metadata: { keyed: 'x' } }).expect(200);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
    expect(retry.body).toMatchObject({ name: 'held', metadata: { keyed: 'x' } });
  });

  it('answers 429 lock_timeout to a reset while a held request is updating one of its objects, erasing nothing', async () => {
    const customer = (await post(t, '/v1/customers', { name: 'Ann' }).expect(200)).body.id as string;
    await post(t, '/v1/charges', { amount: 500, currency: 'usd', source: 'tok_visa' }).expect(200);
    // The held update has the customer's row locked until its hold ends; the reset must delete it.
    // It is one transaction, so when it gives up it keeps everything, the charge included.
    const held = track(keyed(`/v1/customers/${customer}`, 'k-held-update', { name: 'Bea' }).set('Sandbox-Fault', `hold; delay_ms=${LOCK_TIMEOUT_MS + 3_000}`));
    await untilHeld();

    const reset = await t.http().delete('/_sandbox/data').auth(KEY, '');
    expect(reset.status).toBe(429);
    expect(reset.body.error).toMatchObject({ type: 'invalid_request_error', code: 'lock_timeout' });
    expect(held.settled).toBe(false);

    expect((await held.result).body).toMatchObject({ id: customer, name: 'Bea' });
    expect(await rowsOf(KEY)).toMatchObject({ customers: 1, charges: 1, idempotency_keys: 1 });
    await t.http().delete('/_sandbox/data').auth(KEY, '').expect(200);
    expect(await rowsOf(KEY)).toMatchObject({ customers: 0, charges: 0, idempotency_keys: 0 });
  });
});
