import Stripe from 'stripe';
import { KEY, OTHER_KEY } from './helpers';
import { rejectionOf, useStripeApp } from './stripe-helpers';

/**
 * How oncepay's errors reach a client through the official `stripe` Node SDK: as the SDK's own
 * error classes, with the status, type, code and `param` it reads from the envelope.
 */
describe("the stripe SDK and oncepay's errors", () => {
  const { client } = useStripeApp();
  let stripe: Stripe;
  beforeAll(() => {
    stripe = client(KEY);
  });

  it('surfaces a bad parameter as StripeInvalidRequestError naming the param, and stores nothing', async () => {
    const tooSmall = await rejectionOf(stripe.charges.create({ amount: 10, currency: 'usd', source: 'tok_visa' }));
    expect(tooSmall).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(tooSmall).toMatchObject({ statusCode: 400, rawType: 'invalid_request_error', param: 'amount', code: 'amount_too_small' });

    const badCurrency = await rejectionOf(stripe.charges.create({ amount: 1000, currency: 'xyz', source: 'tok_visa' }));
    expect(badCurrency).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(badCurrency).toMatchObject({ statusCode: 400, param: 'currency' });

    const badLimit = await rejectionOf(stripe.customers.list({ limit: 101 }));
    expect(badLimit).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(badLimit).toMatchObject({ statusCode: 400, param: 'limit' });

    expect((await stripe.charges.list()).data).toEqual([]);
  });

  it("answers another account's ids with StripeInvalidRequestError 404 resource_missing", async () => {
    const c = await stripe.customers.create({ name: 'Ann' });
    const charge = await stripe.charges.create({ amount: 1000, currency: 'usd', customer: c.id });
    const other = client(OTHER_KEY);

    const calls = [() => other.customers.retrieve(c.id), () => other.charges.retrieve(charge.id), () => other.customers.update(c.id, { name: 'Mallory' })];
    for (const call of calls) {
      const error = await rejectionOf(call());
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(error).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    }

    const chargeOnTheirs = await rejectionOf(other.charges.create({ amount: 1000, currency: 'usd', customer: c.id }));
    expect(chargeOnTheirs).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    expect(chargeOnTheirs).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'customer' });

    expect((await other.charges.list()).data).toEqual([]);
    expect(await stripe.customers.retrieve(c.id)).toMatchObject({ name: 'Ann' });
  });

  it('rejects an invalid key with StripeAuthenticationError 401', async () => {
    const error = await rejectionOf(client('sk_live_x').customers.list());
    expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect(error).toMatchObject({ statusCode: 401, rawType: 'invalid_request_error' });
  });

  it('answers search, which oncepay does not have, as an unknown URL: 404, not a refused parameter', async () => {
    for (const search of [() => stripe.customers.search({ query: "email:'ann@example.com'" }), () => stripe.charges.search({ query: 'amount>100' })]) {
      const error = await rejectionOf(search());
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(error).toMatchObject({ statusCode: 404, message: expect.stringMatching(/^Unrecognized request URL \(GET: \/v1\/(customers|charges)\/search\)/) });
    }
  });
});
