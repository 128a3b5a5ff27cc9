import Stripe from 'stripe';
import { DEFAULT_API_VERSION } from '../src/common/headers';
import { KEY } from './helpers';
import { rejectionOf, useStripeApp } from './stripe-helpers';

/**
 * Drives a listening oncepay with the official `stripe` Node SDK, as a client application would:
 * the SDK's own encoding, pagination and error classes are what CONTRACT.md promises to work with.
 * Retries are off, so every call is exactly one request and every error reaches the test. Its
 * errors are in stripe-sdk-errors, and its walks through lists in stripe-sdk-lists.
 */
describe('the stripe SDK against oncepay', () => {
  const useStripe = useStripeApp();
  const { client } = useStripe;
  let stripe: Stripe;
  beforeAll(() => {
    stripe = client(KEY);
  });

  describe('customers', () => {
    it('creates a customer with metadata and retrieves the same object through the SDK', async () => {
      const created = await stripe.customers.create({ email: 'ann@example.com', name: 'Ann', metadata: { order: '42', tier: 'gold' } });
      expect(created).toMatchObject({
        object: 'customer',
        email: 'ann@example.com',
        name: 'Ann',
        metadata: { order: '42', tier: 'gold' },
        livemode: false,
      });
      expect(created.id).toMatch(/^cus_/);
      expect(created.lastResponse.statusCode).toBe(200);
      expect(created.lastResponse.requestId).toMatch(/^req_/);

      const { lastResponse: _created, ...createdBody } = created;
      const { lastResponse: _fetched, ...fetchedBody } = await stripe.customers.retrieve(created.id);
      expect(fetchedBody).toEqual(createdBody);
    });

    it("answers in the SDK's API version, which lastResponse reports, and in the default one to a client that names none", async () => {
      // The default is the SDK's own version: a newer SDK must come with a newer default.
      expect(DEFAULT_API_VERSION).toBe(Stripe.API_VERSION);
      const created = await stripe.customers.create({ name: 'Versioned' });
      expect(created.lastResponse.apiVersion).toBe(Stripe.API_VERSION);
      const pinned = await client(KEY).customers.retrieve(created.id, {}, { apiVersion: '2020-08-27' });
      expect(pinned.lastResponse.apiVersion).toBe('2020-08-27');
      const plain = await useStripe.t.http().get(`/v1/customers/${created.id}`).auth(KEY, '').expect(200);
      expect(plain.headers['stripe-version']).toBe(DEFAULT_API_VERSION);
      const odd = await useStripe.t.http().get('/v1/customers/cus_missing').auth(KEY, '').set('Stripe-Version', 'latest').expect(404);
      expect(odd.headers['stripe-version']).toBe(DEFAULT_API_VERSION);
    });

    it("expands a customer's sources through the SDK into an empty list", async () => {
      const { id } = await stripe.customers.create({ name: 'Sourceless' });
      const customer = await stripe.customers.retrieve(id, { expand: ['sources', 'default_source'] });
      if (customer.deleted) throw new Error('expected a live customer');
      expect(customer.sources).toMatchObject({ object: 'list', data: [], has_more: false, url: `/v1/customers/${id}/sources` });
      expect(customer.default_source).toBeNull();
      const refused = await rejectionOf(stripe.customers.retrieve(id, { expand: ['cash_balance'] }));
      expect(refused).toMatchObject({ type: 'StripeInvalidRequestError', param: 'expand' });
    });

    it('updates a customer through the SDK, merging metadata and removing a key sent empty', async () => {
      const c = await stripe.customers.create({ name: 'Ann', metadata: { order: '42', tier: 'gold' } });
      const updated = await stripe.customers.update(c.id, { name: 'Bea', metadata: { order: '', note: 'vip' } });
      expect(updated).toMatchObject({ id: c.id, name: 'Bea', metadata: { tier: 'gold', note: 'vip' } });
      expect(updated.metadata).not.toHaveProperty('order');

      const fetched = await stripe.customers.retrieve(c.id);
      expect(fetched).toMatchObject({ name: 'Bea', metadata: { tier: 'gold', note: 'vip' } });
      expect((fetched as Stripe.Customer).metadata).not.toHaveProperty('order');
    });

    it('keeps all-digit metadata keys, which the SDK sends in brackets like list indices', async () => {
      // The SDK sends `metadata[0]=zero&metadata[5]=five&metadata[123]=many`: a form cannot tell
      // these keys from list elements, only the parameter's name can.
      const c = await stripe.customers.create({ metadata: { '0': 'zero', '5': 'five', '123': 'many' } });
      expect(c.metadata).toEqual({ '0': 'zero', '5': 'five', '123': 'many' });
      const updated = await stripe.customers.update(c.id, { metadata: { '5': '', '7': 'seven' } });
      expect(updated.metadata).toEqual({ '0': 'zero', '7': 'seven', '123': 'many' });
      const charge = await stripe.charges.create({ amount: 500, currency: 'usd', source: 'tok_visa', metadata: { '0': 'first' } });
      expect((await stripe.charges.retrieve(charge.id)).metadata).toEqual({ '0': 'first' });
    });

    it("deletes a customer through the SDK; retrieve then answers the SDK's DeletedCustomer, and an update is resource_missing", async () => {
      const c = await stripe.customers.create({ email: 'gone@example.com' });
      const deleted = await stripe.customers.del(c.id);
      expect(deleted).toMatchObject({ id: c.id, object: 'customer', deleted: true });

      // The SDK types a retrieve as Customer | DeletedCustomer, told apart by `deleted`.
      const retrieved = await stripe.customers.retrieve(c.id);
      expect(retrieved.deleted).toBe(true);
      expect(retrieved).toEqual({ id: c.id, object: 'customer', deleted: true });

      const error = await rejectionOf(stripe.customers.update(c.id, { name: 'Back' }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(error).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    });

    it('lists only the customers with the email asked for, newest first', async () => {
      const wanted: string[] = [];
      for (let i = 0; i < 5; i++) {
        const c = await stripe.customers.create({ email: i % 2 === 0 ? 'x@example.com' : `y${i}@example.com` });
        if (i % 2 === 0) wanted.push(c.id);
      }
      const list = await stripe.customers.list({ email: 'x@example.com' });
      expect(list).toMatchObject({ object: 'list', has_more: false });
      expect(list.data.map((c) => c.id)).toEqual([...wanted].reverse());
      expect(list.data.every((c) => c.email === 'x@example.com')).toBe(true);
    });
  });

  describe('charges', () => {
    it('creates a charge on tok_visa and retrieves the same object through the SDK', async () => {
      const charge = await stripe.charges.create({ amount: 2000, currency: 'usd', source: 'tok_visa', description: 'order 42', metadata: { order: '42' } });
      expect(charge).toMatchObject({
        object: 'charge',
        amount: 2000,
        amount_captured: 2000,
        currency: 'usd',
        status: 'succeeded',
        paid: true,
        captured: true,
        customer: null,
        description: 'order 42',
        metadata: { order: '42' },
        livemode: false,
        payment_method_details: { type: 'card', card: { brand: 'visa', last4: '4242' } },
      });
      expect(charge.id).toMatch(/^ch_/);

      const { lastResponse: _created, ...createdBody } = charge;
      const { lastResponse: _fetched, ...fetchedBody } = await stripe.charges.retrieve(charge.id);
      expect(fetchedBody).toEqual(createdBody);
    });

    it('charges a customer that has no source as tok_visa', async () => {
      const c = await stripe.customers.create({ email: 'ann@example.com' });
      const charge = await stripe.charges.create({ amount: 1500, currency: 'eur', customer: c.id });
      expect(charge).toMatchObject({ amount: 1500, currency: 'eur', customer: c.id, status: 'succeeded', paid: true, captured: true });
      expect(charge.payment_method_details?.card).toMatchObject({ brand: 'visa', last4: '4242' });
      expect((await stripe.charges.retrieve(charge.id)).customer).toBe(c.id);
    });

    it("updates a charge's description and merges its metadata through the SDK", async () => {
      const charge = await stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_visa', description: 'old', metadata: { a: '1', b: '2' } });
      const updated = await stripe.charges.update(charge.id, { description: 'new', metadata: { a: '', c: '3' } });
      expect(updated).toMatchObject({ id: charge.id, description: 'new', metadata: { b: '2', c: '3' }, amount: 1000 });
      expect(updated.metadata).not.toHaveProperty('a');

      const fetched = await stripe.charges.retrieve(charge.id);
      expect(fetched).toMatchObject({ description: 'new', metadata: { b: '2', c: '3' } });
      expect(fetched.metadata).not.toHaveProperty('a');
    });

    it('authorises with capture: false and then captures part of the amount, refunding the rest', async () => {
      const charge = await stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_visa', capture: false });
      expect(charge).toMatchObject({ status: 'succeeded', paid: true, captured: false, amount: 1000, amount_captured: 0, amount_refunded: 0 });

      const captured = await stripe.charges.capture(charge.id, { amount: 600 });
      expect(captured).toMatchObject({ id: charge.id, captured: true, amount: 1000, amount_captured: 600, amount_refunded: 400 });

      const fetched = await stripe.charges.retrieve(charge.id);
      expect(fetched).toMatchObject({ captured: true, amount_captured: 600, amount_refunded: 400 });
    });

    it('refuses a second capture with StripeInvalidRequestError charge_already_captured', async () => {
      const charge = await stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_visa', capture: false });
      await stripe.charges.capture(charge.id);

      const error = await rejectionOf(stripe.charges.capture(charge.id, { amount: 500 }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
      expect(error).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError', code: 'charge_already_captured' });

      const fetched = await stripe.charges.retrieve(charge.id);
      expect(fetched).toMatchObject({ captured: true, amount_captured: 1000, amount_refunded: 0 });
    });

    it('lists only the charges of the customer asked for, newest first', async () => {
      const ann = await stripe.customers.create({ name: 'Ann' });
      const bob = await stripe.customers.create({ name: 'Bob' });
      const annCharges: string[] = [];
      for (let i = 0; i < 3; i++) {
        annCharges.push((await stripe.charges.create({ amount: 1000 + i, currency: 'usd', customer: ann.id })).id);
        await stripe.charges.create({ amount: 2000 + i, currency: 'usd', customer: bob.id });
      }
      await stripe.charges.create({ amount: 3000, currency: 'usd', source: 'tok_visa' });

      const list = await stripe.charges.list({ customer: ann.id });
      expect(list).toMatchObject({ object: 'list', url: '/v1/charges', has_more: false });
      expect(list.data.map((c) => c.id)).toEqual([...annCharges].reverse());
      expect(list.data.every((c) => c.customer === ann.id)).toBe(true);
    });

    it('expands the customer of a retrieved charge into the customer object', async () => {
      const c = await stripe.customers.create({ email: 'ann@example.com', name: 'Ann' });
      const charge = await stripe.charges.create({ amount: 1000, currency: 'usd', customer: c.id });

      const plain = await stripe.charges.retrieve(charge.id);
      expect(plain.customer).toBe(c.id);

      const expanded = await stripe.charges.retrieve(charge.id, { expand: ['customer'] });
      expect(expanded.customer).toMatchObject({ id: c.id, object: 'customer', email: 'ann@example.com', name: 'Ann' });
    });
  });

  describe('declines', () => {
    it('throws a StripeCardError for a declined card, naming the failed charge it stored', async () => {
      const error = await rejectionOf(stripe.charges.create({ amount: 1000, currency: 'usd', source: 'tok_chargeDeclined' }));
      expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
      expect(error).toMatchObject({ type: 'StripeCardError', rawType: 'card_error', statusCode: 402, code: 'card_declined', decline_code: 'generic_decline' });

      const chargeId = (error.raw as { charge?: unknown }).charge;
      expect(chargeId).toEqual(expect.stringMatching(/^ch_/));
      expect(error.charge).toBe(chargeId);

      const charge = await stripe.charges.retrieve(chargeId as string);
      expect(charge).toMatchObject({
        id: chargeId,
        status: 'failed',
        paid: false,
        captured: false,
        amount: 1000,
        amount_captured: 0,
        failure_code: 'card_declined',
      });
    });
  });
});
