import Stripe from 'stripe';
import { KEY } from './helpers';
import { useStripeApp } from './stripe-helpers';

/**
 * The stripe SDK's auto-pagination over oncepay's lists, as CONTRACT.md promises it works: every
 * object exactly once, in order, through deletes as it walks, and within a `created` range.
 * Retries are off, so every call is exactly one request.
 */
describe('the stripe SDK walking lists of oncepay (auto-pagination)', () => {
  const useStripe = useStripeApp();
  let stripe: Stripe;
  beforeAll(() => {
    stripe = useStripe.client(KEY);
  });

  /** Counts the SDK's requests by method and path, to prove a walk took more than one page. */
  function countRequests(sdk: Stripe): Map<string, number> {
    const counts = new Map<string, number>();
    sdk.on('request', (event: { method: string; path: string }) => {
      const route = `${event.method} ${event.path.split('?')[0]}`;
      counts.set(route, (counts.get(route) ?? 0) + 1);
    });
    return counts;
  }

  it('walks 25 customers over pages of 10 with for await, each exactly once, newest first', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push((await stripe.customers.create({ name: `c${i}` })).id);

    const requests = countRequests(stripe);
    const seen: string[] = [];
    for await (const c of stripe.customers.list({ limit: 10 })) seen.push(c.id);

    expect(seen).toEqual([...ids].reverse());
    expect(requests.get('GET /v1/customers')).toBe(3);
  });

  it('walks on when the client deletes each customer as it comes, the last of every page included', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 25; i++) ids.push((await stripe.customers.create({ name: `c${i}` })).id);

    // A cleanup job: each customer is deleted as soon as it is seen, so every next page starts
    // after a customer that no longer exists.
    const seen: string[] = [];
    for await (const c of stripe.customers.list({ limit: 10 })) {
      seen.push(c.id);
      await stripe.customers.del(c.id);
    }

    expect(seen).toEqual([...ids].reverse());
    expect((await stripe.customers.list()).data).toEqual([]);
  });

  it('pages backwards with ending_before from a customer deleted since', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await stripe.customers.create({ name: `c${i}` })).id);
    await stripe.customers.del(ids[2]);
    const page = await stripe.customers.list({ ending_before: ids[2], limit: 10 });
    expect(page.data.map((c) => c.id)).toEqual([ids[4], ids[3]]);
    const older = await stripe.customers.list({ starting_after: ids[2], limit: 10 });
    expect(older.data.map((c) => c.id)).toEqual([ids[1], ids[0]]);
  });

  it('walks only the charges created in a range, sent by the SDK as created[gte] and created[lt]', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await stripe.charges.create({ amount: 100 + i, currency: 'usd', source: 'tok_visa' })).id);
    // The first two a day earlier, the rest in the second 1 700 000 000 + i.
    for (const [i, id] of ids.entries()) {
      await useStripe.t.dataSource.query('UPDATE charges SET created = to_timestamp($1) WHERE id = $2', [1_700_000_000 + i - (i < 2 ? 86_400 : 0), id]);
    }
    const requests = countRequests(stripe);
    const walked = await stripe.charges.list({ limit: 2, created: { gte: 1_700_000_000, lt: 1_700_000_006 } }).autoPagingToArray({ limit: 100 });
    expect(walked.map((c) => c.id)).toEqual([ids[5], ids[4], ids[3], ids[2]]);
    expect(walked.map((c) => c.created)).toEqual([1_700_000_005, 1_700_000_004, 1_700_000_003, 1_700_000_002]);
    expect(requests.get('GET /v1/charges')).toBe(2);
    expect((await stripe.customers.list({ created: 1_700_000_000 })).data).toEqual([]);
  });

  it('collects every charge with autoPagingToArray over pages of 3', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 8; i++) ids.push((await stripe.charges.create({ amount: 100 + i, currency: 'usd', source: 'tok_visa' })).id);

    const requests = countRequests(stripe);
    const all = await stripe.charges.list({ limit: 3 }).autoPagingToArray({ limit: 100 });

    expect(all.map((c) => c.id)).toEqual([...ids].reverse());
    expect(requests.get('GET /v1/charges')).toBe(3);
  });
});
