import { bootApp, get, KEY, post, TestApp, truncateAll } from './helpers';

/** Requests sent at once in each race; more than the pool's connections, so some also queue. */
const PARALLEL = 20;
/** Races per test: one race can come out right by luck, five in a row hardly. */
const ROUNDS = 5;

/** `{n0: 'v', …}`: the metadata keys the racing requests add, one each. */
const allKeys = () => Object.fromEntries(Array.from({ length: PARALLEL }, (_, i) => [`n${i}`, 'v']));

/**
 * Races real HTTP requests on one row through one app and the real database. Every POST runs in
 * a transaction of its own, so these are the interleavings two clients would cause.
 */
describe('concurrent updates of one object', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(() => t.app.close());
  beforeEach(() => truncateAll(t.dataSource));

  it('keeps every metadata key when parallel updates each add one to a customer', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { body: customer } = await post(t, '/v1/customers', { email: `race${round}@example.com` }).expect(200);
      const answers = await Promise.all(
        Array.from({ length: PARALLEL }, (_, i) => post(t, `/v1/customers/${customer.id}`, { metadata: { [`n${i}`]: 'v' } })),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(PARALLEL).fill(200));
      const { body } = await get(t, `/v1/customers/${customer.id}`).expect(200);
      expect(body.metadata).toEqual(allKeys());
      expect(body.email).toBe(`race${round}@example.com`);
    }
  });

  it('keeps every metadata key when parallel updates each add one to a charge', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { body: charge } = await post(t, '/v1/charges', { amount: 1000, currency: 'usd', source: 'tok_visa' }).expect(200);
      const answers = await Promise.all(
        Array.from({ length: PARALLEL }, (_, i) => post(t, `/v1/charges/${charge.id}`, { metadata: { [`n${i}`]: 'v' } })),
      );
      expect(answers.map((a) => a.status)).toEqual(Array(PARALLEL).fill(200));
      const { body } = await get(t, `/v1/charges/${charge.id}`).expect(200);
      expect(body.metadata).toEqual(allKeys());
    }
  });

  it('captures an authorised charge once when captures race; the others are refused as already captured', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { body: charge } = await post(t, '/v1/charges', { amount: 5000, currency: 'usd', source: 'tok_visa', capture: false }).expect(200);
      const answers = await Promise.all(
        Array.from({ length: PARALLEL }, () => post(t, `/v1/charges/${charge.id}/capture`, { amount: 3000 })),
      );
      const won = answers.filter((a) => a.status === 200);
      expect(won).toHaveLength(1);
      expect(won[0].body).toMatchObject({ captured: true, amount_captured: 3000, amount_refunded: 2000 });
      for (const lost of answers.filter((a) => a.status !== 200)) {
        expect(lost.status).toBe(400);
        expect(lost.body.error).toMatchObject({ type: 'invalid_request_error', code: 'charge_already_captured' });
      }
      const { body } = await get(t, `/v1/charges/${charge.id}`).expect(200);
      expect(body).toMatchObject({ captured: true, amount_captured: 3000, amount_refunded: 2000 });
    }
  });

  it('deletes a customer once when deletes race; the others answer 404 as a later delete does', async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const { body: customer } = await post(t, '/v1/customers', { email: `gone${round}@example.com` }).expect(200);
      const answers = await Promise.all(
        Array.from({ length: PARALLEL }, () => t.http().delete(`/v1/customers/${customer.id}`).auth(KEY, '')),
      );
      const won = answers.filter((a) => a.status === 200);
      expect(won).toHaveLength(1);
      expect(won[0].body).toEqual({ id: customer.id, object: 'customer', deleted: true });
      for (const lost of answers.filter((a) => a.status !== 200)) {
        expect(lost.status).toBe(404);
        expect(lost.body.error).toMatchObject({ type: 'invalid_request_error', code: 'resource_missing' });
      }
      expect((await get(t, `/v1/customers/${customer.id}`).expect(200)).body).toEqual({ id: customer.id, object: 'customer', deleted: true });
      // One delete won, so one tombstone: the losers wrote none.
      const [{ n }] = await t.dataSource.query('SELECT count(*)::int AS n FROM deleted_customers WHERE id = $1', [customer.id]);
      expect(n).toBe(1);
    }
  });
});
