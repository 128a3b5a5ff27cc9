import { bootApp, get, KEY, OTHER_KEY, post, rowCounts, TestApp, truncateAll } from './helpers';

/** Stripe's words to the seller for each decline code: a generic decline has no reason to give. */
const SELLER_MESSAGES: Record<string, string> = {
  generic_decline: 'The bank did not return any further details with this decline.',
  insufficient_funds: 'The bank returned the decline code `insufficient_funds`.',
  expired_card: 'The bank returned the decline code `expired_card`.',
  incorrect_cvc: 'The bank returned the decline code `incorrect_cvc`.',
  processing_error: 'The bank returned the decline code `processing_error`.',
};

/** Source, code, decline code, and the card field Stripe names in `param`, if any. */
const DECLINES: [string, string, string, string | undefined][] = [
  ['tok_chargeDeclined', 'card_declined', 'generic_decline', undefined],
  ['4000000000000002', 'card_declined', 'generic_decline', undefined],
  ['tok_chargeDeclinedInsufficientFunds', 'card_declined', 'insufficient_funds', undefined],
  ['4000000000009995', 'card_declined', 'insufficient_funds', undefined],
  ['tok_chargeDeclinedExpiredCard', 'expired_card', 'expired_card', 'exp_month'],
  ['4000000000000069', 'expired_card', 'expired_card', 'exp_month'],
  ['tok_chargeDeclinedIncorrectCvc', 'incorrect_cvc', 'incorrect_cvc', 'cvc'],
  ['4000000000000127', 'incorrect_cvc', 'incorrect_cvc', 'cvc'],
  ['tok_chargeDeclinedProcessingError', 'processing_error', 'processing_error', undefined],
  ['4000000000000119', 'processing_error', 'processing_error', undefined],
];

describe('charges', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(() => t.app.close());
  beforeEach(() => truncateAll(t.dataSource));

  it.each(['tok_visa', 'tok_mastercard', 'tok_amex', '4242424242424242'])('charges %s successfully', async (source) => {
    const res = await post(t, '/v1/charges', { amount: 2000, currency: 'usd', source, description: 'Order 42' }).expect(200);
    expect(res.body).toMatchObject({
      object: 'charge',
      amount: 2000,
      amount_captured: 2000,
      currency: 'usd',
      status: 'succeeded',
      paid: true,
      captured: true,
      description: 'Order 42',
      failure_code: null,
      livemode: false,
    });
    expect(res.body.id).toMatch(/^ch_[0-9A-Za-z]{24}$/);
    expect((await get(t, `/v1/charges/${res.body.id}`)).body).toEqual(res.body);
  });

  it.each(DECLINES)('declines %s with 402 %s / %s, param %s, and stores the failed charge', async (source, code, declineCode, param) => {
    const res = await post(t, '/v1/charges', { amount: 2000, currency: 'usd', source }).expect(402);
    expect(res.body.error).toMatchObject({ type: 'card_error', code, decline_code: declineCode });
    expect(res.body.error.param).toBe(param);
    expect(res.body.error.charge).toMatch(/^ch_/);
    const stored = await get(t, `/v1/charges/${res.body.error.charge}`).expect(200);
    expect(stored.body).toMatchObject({ status: 'failed', paid: false, captured: false, failure_code: code, amount_captured: 0 });
    expect(stored.body.outcome.reason).toBe(declineCode);
    expect(stored.body.outcome.seller_message).toBe(SELLER_MESSAGES[declineCode]);
  });

  it('charges a customer without a source as tok_visa and expands the customer on request', async () => {
    const { body: customer } = await post(t, '/v1/customers', { email: 'c@example.com' });
    const res = await post(t, '/v1/charges', { amount: 500, currency: 'eur', customer: customer.id, expand: ['customer'] }).expect(200);
    expect(res.body.status).toBe('succeeded');
    expect(res.body.customer).toMatchObject({ id: customer.id, object: 'customer', email: 'c@example.com' });
    expect(res.body.payment_method_details.card.brand).toBe('visa');
    const plain = await get(t, `/v1/charges/${res.body.id}`);
    expect(plain.body.customer).toBe(customer.id);
  });

  it('takes an empty customer or source as not sent, in form and JSON', async () => {
    const viaForm = await post(t, '/v1/charges', { amount: 700, currency: 'usd', source: 'tok_visa', customer: '' }).expect(200);
    expect(viaForm.body).toMatchObject({ amount: 700, customer: null, status: 'succeeded' });
    const viaJson = await t.http().post('/v1/charges').auth(KEY, '').send({ amount: 700, currency: 'usd', source: 'tok_visa', customer: null }).expect(200);
    expect(viaJson.body).toMatchObject({ customer: null });
    const neither = await post(t, '/v1/charges', { amount: 700, currency: 'usd', source: '', customer: '' }).expect(400);
    expect(neither.body.error).toMatchObject({ code: 'parameter_missing', param: 'source' });
  });

  it("expands a deleted customer as Stripe's deleted stub, in a charge and in a list", async () => {
    const { body: customer } = await post(t, '/v1/customers', { email: 'gone@example.com' });
    const { body: charge } = await post(t, '/v1/charges', { amount: 500, currency: 'usd', customer: customer.id }).expect(200);
    await t.http().delete(`/v1/customers/${customer.id}`).auth(KEY, '').expect(200);
    const stub = { id: customer.id, object: 'customer', deleted: true };
    expect((await get(t, `/v1/charges/${charge.id}`, { expand: ['customer'] }).expect(200)).body.customer).toEqual(stub);
    expect((await get(t, '/v1/charges', { expand: ['data.customer'] }).expect(200)).body.data[0].customer).toEqual(stub);
    expect((await get(t, `/v1/charges/${charge.id}`).expect(200)).body.customer).toBe(customer.id);
  });

  it('authorises with capture=false, then captures part of it; a second capture is refused', async () => {
    const { body: charge } = await post(t, '/v1/charges', { amount: 5000, currency: 'usd', source: 'tok_visa', capture: false }).expect(200);
    expect(charge).toMatchObject({ captured: false, amount_captured: 0, status: 'succeeded' });

    const captured = await post(t, `/v1/charges/${charge.id}/capture`, { amount: 3000 }).expect(200);
    expect(captured.body).toMatchObject({ captured: true, amount_captured: 3000, amount_refunded: 2000 });

    const again = await post(t, `/v1/charges/${charge.id}/capture`).expect(400);
    expect(again.body.error).toMatchObject({ type: 'invalid_request_error', code: 'charge_already_captured' });
    expect((await get(t, `/v1/charges/${charge.id}`)).body.amount_captured).toBe(3000);
  });

  it('refuses a second capture as already captured whatever amount it asks for, even one over the charge', async () => {
    const { body: charge } = await post(t, '/v1/charges', { amount: 1000, currency: 'usd', source: 'tok_visa' }).expect(200);
    expect(charge.captured).toBe(true);
    for (const amount of [500, 1000, 5000]) {
      const again = await post(t, `/v1/charges/${charge.id}/capture`, { amount }).expect(400);
      expect(again.body.error).toMatchObject({ type: 'invalid_request_error', code: 'charge_already_captured' });
      expect(again.body.error.param).toBeUndefined();
    }
    expect((await get(t, `/v1/charges/${charge.id}`)).body).toMatchObject({ amount_captured: 1000, amount_refunded: 0 });
  });

  it('captures the whole amount by default', async () => {
    const { body: charge } = await post(t, '/v1/charges', { amount: 700, currency: 'usd', source: 'tok_visa', capture: 'false' });
    const res = await post(t, `/v1/charges/${charge.id}/capture`).expect(200);
    expect(res.body).toMatchObject({ captured: true, amount_captured: 700, amount_refunded: 0 });
  });

  it('sets, replaces and clears receipt_email on an update and a capture, and refuses one that is no address', async () => {
    const { body: charge } = await post(t, '/v1/charges', { amount: 900, currency: 'usd', source: 'tok_visa', capture: 'false', receipt_email: 'a@example.com' });
    const updated = await post(t, `/v1/charges/${charge.id}`, { receipt_email: 'b@example.com' }).expect(200);
    expect(updated.body.receipt_email).toBe('b@example.com');
    await post(t, `/v1/charges/${charge.id}/capture`, { receipt_email: 'not-an-address' }).expect(400);
    const captured = await post(t, `/v1/charges/${charge.id}/capture`, { receipt_email: 'c@example.com' }).expect(200);
    expect(captured.body).toMatchObject({ captured: true, receipt_email: 'c@example.com' });
    expect((await post(t, `/v1/charges/${charge.id}`, { receipt_email: '' }).expect(200)).body.receipt_email).toBeNull();
    expect((await get(t, `/v1/charges/${charge.id}`).expect(200)).body.receipt_email).toBeNull();
    // A capture that names none keeps the charge's.
    const { body: other } = await post(t, '/v1/charges', { amount: 900, currency: 'usd', source: 'tok_visa', capture: 'false', receipt_email: 'd@example.com' });
    expect((await post(t, `/v1/charges/${other.id}/capture`).expect(200)).body.receipt_email).toBe('d@example.com');
  });

  it('updates description and metadata, and nothing that is not its to change', async () => {
    const { body: charge } = await post(t, '/v1/charges', { amount: 900, currency: 'usd', source: 'tok_visa', metadata: { a: '1' } });
    const res = await post(t, `/v1/charges/${charge.id}`, { description: 'late fee', metadata: { a: '', b: '2' } }).expect(200);
    expect(res.body).toMatchObject({ description: 'late fee', metadata: { b: '2' }, amount: 900 });
    const refused = await post(t, `/v1/charges/${charge.id}`, { amount: 1 }).expect(400);
    expect(refused.body.error.param).toBe('amount');
  });

  it('lists charges newest first, filtered by customer, with data.customer expanded', async () => {
    const { body: a } = await post(t, '/v1/customers', { name: 'A' });
    const { body: b } = await post(t, '/v1/customers', { name: 'B' });
    const ids: string[] = [];
    for (const customer of [a, b, a, a, b]) ids.push((await post(t, '/v1/charges', { amount: 100, currency: 'usd', customer: customer.id })).body.id);
    const all = await get(t, '/v1/charges').expect(200);
    expect(all.body.data.map((c: { id: string }) => c.id)).toEqual([...ids].reverse());
    const onlyA = await get(t, '/v1/charges', { customer: a.id, expand: ['data.customer'] }).expect(200);
    expect(onlyA.body.data).toHaveLength(3);
    expect(onlyA.body.data.every((c: { customer: { id: string; name: string } }) => c.customer.id === a.id && c.customer.name === 'A')).toBe(true);
    // An empty filter is one not sent, as an empty parameter is everywhere else.
    expect((await get(t, '/v1/charges', { customer: '' }).expect(200)).body.data).toEqual(all.body.data);
  });

  it("refuses another account's customer as a 404 and writes nothing", async () => {
    const { body: customer } = await post(t, '/v1/customers', {}, OTHER_KEY);
    const before = await rowCounts(t.dataSource);
    const res = await post(t, '/v1/charges', { amount: 100, currency: 'usd', customer: customer.id }, KEY).expect(404);
    expect(res.body.error).toMatchObject({ code: 'resource_missing', param: 'customer' });
    expect(await rowCounts(t.dataSource)).toEqual(before);
    await get(t, `/v1/charges/${customer.id}`, {}, KEY).expect(404);
  });

  it("answers 404 for another account's charge", async () => {
    const { body: charge } = await post(t, '/v1/charges', { amount: 100, currency: 'usd', source: 'tok_visa' });
    await get(t, `/v1/charges/${charge.id}`, {}, OTHER_KEY).expect(404);
    await post(t, `/v1/charges/${charge.id}/capture`, {}, OTHER_KEY).expect(404);
  });
});
