import type { IncomingMessage, ServerResponse } from 'node:http';
import { Client } from 'pg';
import Stripe from 'stripe';
import { testDatabaseUrl } from './database';
import { KEY, post } from './helpers';
import { rejectionOf, useStripeApp } from './stripe-helpers';

/**
 * CONTRACT §5 through the official `stripe` Node SDK: its own `idempotencyKey` option, the keys
 * it generates for every POST, and its automatic retries, which follow `Stripe-Should-Retry` and
 * retry any other 409. The server's `request` event counts what reached it, so a test can tell
 * one SDK call that retried from one that did not.
 */

const CHARGE = { amount: 2000, currency: 'usd', source: 'tok_visa' } as const;
/** The first part of every key the SDK makes up for a POST. */
const GENERATED_KEY_PREFIX = 'stripe-node-retry-';
/** How long a request may take to reach the blocking lock before the test gives up. */
const BLOCKED_WAIT_LIMIT_MS = 10_000;
/** How long the first request is held while the SDK call runs into its key. */
const HOLD_FIRST_REQUEST_MS = 400;

/** One request that reached the server, and the status it was answered with once it finished. */
interface Seen {
  method: string;
  path: string;
  key: string | undefined;
  /** Whether the stripe SDK sent it (its User-Agent is `Stripe/v1 NodeBindings/…`). */
  sdk: boolean;
  status?: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A listening app, an SDK client factory for it, and a recorder of the requests it receives. */
function listeningApp() {
  const s = useStripeApp();
  const stopRecording: (() => void)[] = [];
  afterEach(() => stopRecording.splice(0).forEach((stop) => stop()));

  return {
    get t() {
      return s.t;
    },
    client: (maxNetworkRetries: number) => s.client(KEY, maxNetworkRetries),
    /** Starts recording every request the server receives, until the test ends. */
    recordRequests(): Seen[] {
      const seen: Seen[] = [];
      const server = s.t.app.getHttpServer();
      const listener = (req: IncomingMessage, res: ServerResponse) => {
        const entry: Seen = {
          method: req.method ?? '',
          path: (req.url ?? '').split('?')[0],
          key: req.headers['idempotency-key'] as string | undefined,
          sdk: (req.headers['user-agent'] ?? '').startsWith('Stripe/'),
        };
        seen.push(entry);
        res.on('finish', () => (entry.status = res.statusCode));
      };
      server.on('request', listener);
      stopRecording.push(() => server.off('request', listener));
      return seen;
    },
    async count(table: string): Promise<number> {
      const [{ count }] = await s.t.dataSource.query(`SELECT count(*)::int AS count FROM "${table}"`);
      return count;
    },
  };
}

describe('the stripe SDK and idempotency keys', () => {
  const env = listeningApp();

  it('replays the first charge for an explicit idempotencyKey, naming the original request', async () => {
    const stripe = env.client(0);
    const first = await stripe.charges.create(CHARGE, { idempotencyKey: 'order-42' });
    const second = await stripe.charges.create(CHARGE, { idempotencyKey: 'order-42' });

    expect(first.lastResponse.requestId).toMatch(/^req_/);
    expect(first.lastResponse.headers).not.toHaveProperty('idempotent-replayed');
    expect(second.id).toBe(first.id);
    expect(second.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(second.lastResponse.headers['original-request']).toBe(first.lastResponse.requestId);
    const { lastResponse: _first, ...firstBody } = first;
    const { lastResponse: _second, ...secondBody } = second;
    expect(secondBody).toEqual(firstBody);
    expect(await env.count('charges')).toBe(1);
  });

  it('saves the stripe-node-retry- key the SDK generates when no key is given', async () => {
    const charge = await env.client(2).charges.create(CHARGE);

    const rows: { key: string; status_code: number }[] = await env.t.dataSource.query(
      `SELECT key, status_code FROM idempotency_keys WHERE key LIKE $1`,
      [`${GENERATED_KEY_PREFIX}%`],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].key.startsWith(GENERATED_KEY_PREFIX)).toBe(true);
    expect(rows[0].key).toBe(charge.lastResponse.idempotencyKey);
    expect(rows[0].status_code).toBe(200);
  });

  it('retries idempotency_key_in_use until the first request finishes, and ends with its replayed charge', async () => {
    const key = 'order-in-flight';
    const seen = env.recordRequests();
    // A second connection holds a SHARE lock on charges: the first request takes the key's lock,
    // then waits on its INSERT, so the key is really in use while the SDK call runs into it.
    const locker = new Client({ connectionString: testDatabaseUrl() });
    await locker.connect();
    try {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE charges IN SHARE MODE');
      const firstDone = post(env.t, '/v1/charges', CHARGE).set('Idempotency-Key', key).then((res) => res);
      await waitUntilAnInsertIsBlocked(locker);

      const sdkCall = env.client(10).charges.create(CHARGE, { idempotencyKey: key });
      await sleep(HOLD_FIRST_REQUEST_MS);
      await locker.query('ROLLBACK');

      const first = await firstDone;
      const charge = await sdkCall;
      expect(first.status).toBe(200);
      expect(charge.id).toBe(first.body.id);
      expect(charge.lastResponse.headers['idempotent-replayed']).toBe('true');
      expect(charge.lastResponse.headers['original-request']).toBe(first.headers['request-id']);
    } finally {
      await locker.query('ROLLBACK').catch(() => undefined);
      await locker.end();
    }

    const attempts = seen.filter((r) => r.sdk && r.key === key);
    expect(attempts.length).toBeGreaterThan(1);
    expect(attempts.slice(0, -1).map((r) => r.status)).toEqual(attempts.slice(0, -1).map(() => 409));
    expect(attempts[attempts.length - 1].status).toBe(200);
    expect(await env.count('charges')).toBe(1);
  });

  it('does not retry a key reused with other parameters: idempotency_key_reused, one request', async () => {
    const stripe = env.client(3);
    await stripe.charges.create(CHARGE, { idempotencyKey: 'order-7' });
    const seen = env.recordRequests();

    const error = await rejectionOf(stripe.charges.create({ ...CHARGE, amount: 2500 }, { idempotencyKey: 'order-7' }));
    // stripe-node maps an `idempotency_error` to StripeIdempotencyError only at 400 or 404 (see
    // `generateV1Error`); at this design's 409 it is a StripeAPIError whose rawType says what it is.
    expect(error).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(error).toMatchObject({ statusCode: 409, rawType: 'idempotency_error', code: 'idempotency_key_reused' });
    expect(error.headers).toMatchObject({ 'stripe-should-retry': 'false' });
    expect(seen.filter((r) => r.sdk && r.key === 'order-7')).toHaveLength(1);
    expect(await env.count('charges')).toBe(1);
  });

  it('replays a declined charge as the same StripeCardError, with one failed charge stored', async () => {
    const stripe = env.client(0);
    const params = { amount: 1000, currency: 'usd', source: 'tok_chargeDeclined' };
    const first = await rejectionOf(stripe.charges.create(params, { idempotencyKey: 'order-declined' }));
    const second = await rejectionOf(stripe.charges.create(params, { idempotencyKey: 'order-declined' }));

    for (const error of [first, second]) {
      expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(error).toMatchObject({ statusCode: 402, code: 'card_declined' });
    }
    const chargeId = (first.raw as { charge?: string }).charge;
    expect(chargeId).toEqual(expect.stringMatching(/^ch_/));
    expect((second.raw as { charge?: string }).charge).toBe(chargeId);
    expect(first.requestId).toMatch(/^req_/);
    expect(first.headers).not.toHaveProperty('idempotent-replayed');
    expect(second.headers).toMatchObject({ 'idempotent-replayed': 'true', 'original-request': first.requestId });

    const charges: { id: string; status: string }[] = await env.t.dataSource.query(`SELECT id, status FROM charges`);
    expect(charges).toEqual([{ id: chargeId, status: 'failed' }]);
  });

  it('does not save a validation error, so the corrected request with the same key executes', async () => {
    const stripe = env.client(0);
    const refused = await rejectionOf(stripe.charges.create({ ...CHARGE, amount: 10 }, { idempotencyKey: 'order-fixed' }));
    expect(refused).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(refused).toMatchObject({ statusCode: 400, code: 'amount_too_small', param: 'amount' });
    expect(await env.count('idempotency_keys')).toBe(0);

    const charge = await stripe.charges.create(CHARGE, { idempotencyKey: 'order-fixed' });
    expect(charge).toMatchObject({ amount: 2000, status: 'succeeded' });
    expect(charge.lastResponse.statusCode).toBe(200);
    expect(charge.lastResponse.headers).not.toHaveProperty('idempotent-replayed');
    expect(await env.count('charges')).toBe(1);
  });
});

describe('the stripe SDK with IDEMPOTENCY_MISMATCH_STATUS=400', () => {
  // Read by the configuration when the app boots, so it is set only around that boot.
  beforeAll(() => {
    process.env.IDEMPOTENCY_MISMATCH_STATUS = '400';
  });
  const env = listeningApp();
  beforeAll(() => {
    delete process.env.IDEMPOTENCY_MISMATCH_STATUS;
  });
  afterAll(() => {
    delete process.env.IDEMPOTENCY_MISMATCH_STATUS;
  });

  it("throws the SDK's own StripeIdempotencyError 400 for a reused key, without retrying", async () => {
    const stripe = env.client(3);
    await stripe.charges.create(CHARGE, { idempotencyKey: 'order-9' });
    const seen = env.recordRequests();

    const error = await rejectionOf(stripe.charges.create({ ...CHARGE, amount: 2500 }, { idempotencyKey: 'order-9' }));
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(error).toMatchObject({ statusCode: 400, rawType: 'idempotency_error', code: 'idempotency_key_reused' });
    expect(seen.filter((r) => r.sdk && r.key === 'order-9')).toHaveLength(1);
    expect(await env.count('charges')).toBe(1);
  });
});

/** Polls PostgreSQL until some backend waits for a lock on charges: the first request's INSERT. */
async function waitUntilAnInsertIsBlocked(observer: Client): Promise<void> {
  const deadline = Date.now() + BLOCKED_WAIT_LIMIT_MS;
  while (Date.now() < deadline) {
    const { rows } = await observer.query(
      `SELECT count(*)::int AS waiting FROM pg_locks WHERE NOT granted AND relation = 'charges'::regclass`,
    );
    if (rows[0].waiting > 0) return;
    await sleep(20);
  }
  throw new Error('the first request never blocked on the charges table');
}
