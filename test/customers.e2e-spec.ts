import { bootApp, get, KEY, OTHER_KEY, post, TestApp, truncateAll } from './helpers';

describe('customers', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(() => t.app.close());
  beforeEach(() => truncateAll(t.dataSource));

  it('creates a customer from a form body and retrieves it', async () => {
    const created = await post(t, '/v1/customers', { email: 'ann@example.com', name: 'Ann', metadata: { order: '42' } }).expect(200);
    expect(created.body).toMatchObject({ object: 'customer', email: 'ann@example.com', name: 'Ann', metadata: { order: '42' }, livemode: false });
    expect(created.body.id).toMatch(/^cus_[0-9A-Za-z]{24}$/);
    expect(created.headers['request-id']).toMatch(/^req_/);

    const fetched = await get(t, `/v1/customers/${created.body.id}`).expect(200);
    expect(fetched.body).toEqual(created.body);
  });

  it('parses a JSON body to the same parameters as a form body', async () => {
    const res = await t.http().post('/v1/customers').auth(KEY, '').send({ email: 'j@example.com', balance: -500, metadata: { a: 'b' } }).expect(200);
    expect(res.body).toMatchObject({ email: 'j@example.com', balance: -500, metadata: { a: 'b' } });
  });

  it('stores a JSON number digit for digit, and its form spelling is the same request under one key', async () => {
    const json = '{"metadata":{"order":123456789012345678,"ratio":2.50}}';
    const created = await t.http().post('/v1/customers').auth(KEY, '').set('Idempotency-Key', 'k-digits').type('json').send(json).expect(200);
    expect(created.body.metadata).toEqual({ order: '123456789012345678', ratio: '2.5' });
    const retry = await post(t, '/v1/customers', { metadata: { order: '123456789012345678', ratio: '2.5' } }).set('Idempotency-Key', 'k-digits').expect(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    // A double cannot tell this number from the first; the digits can.
    const other = await t.http().post('/v1/customers').auth(KEY, '').set('Idempotency-Key', 'k-digits').type('json').send('{"metadata":{"order":123456789012345680,"ratio":2.5}}');
    expect(other.status).toBe(409);
  });

  it('decodes a body in the charset its Content-Type names: Latin-1, UTF-16, and UTF-8 by any name', async () => {
    const bodies: [string, Buffer][] = [
      ['application/x-www-form-urlencoded; charset=iso-8859-1', Buffer.from('name=café', 'latin1')],
      ['application/json; charset=utf-16le', Buffer.from('{"name":"café"}', 'utf16le')],
      ['application/x-www-form-urlencoded; charset=utf_8', Buffer.from('name=café', 'utf8')],
    ];
    for (const [contentType, body] of bodies) {
      // superagent would serialize a Buffer as it does an object, for a form or JSON type.
      const res = await t.http().post('/v1/customers').auth(KEY, '').set('Content-Type', contentType).serialize((bytes) => bytes).send(body);
      expect({ contentType, status: res.status, name: res.body.name }).toEqual({ contentType, status: 200, name: 'café' });
    }
  });

  it('keeps metadata keys named like built-in methods, in form and JSON, on create and update', async () => {
    const builtIns = { toString: 't', valueOf: 'v', hasOwnProperty: 'h' };
    const created = await post(t, '/v1/customers', { metadata: builtIns }).expect(200);
    expect(created.body.metadata).toEqual(builtIns);
    const updated = await t.http().post(`/v1/customers/${created.body.id}`).auth(KEY, '').send({ metadata: { toString: '', isPrototypeOf: 'i' } }).expect(200);
    const { toString: _removed, ...kept } = builtIns;
    expect(updated.body.metadata).toEqual({ ...kept, isPrototypeOf: 'i' });
    expect((await get(t, `/v1/customers/${created.body.id}`).expect(200)).body.metadata).toEqual(updated.body.metadata);
    const charge = await post(t, '/v1/charges', { amount: 500, currency: 'usd', source: 'tok_visa', metadata: builtIns }).expect(200);
    expect(charge.body.metadata).toEqual(builtIns);
  });

  it('accepts bearer and basic authentication alike', async () => {
    await t.http().get('/v1/customers').set('Authorization', `Bearer ${KEY}`).expect(200);
    await t.http().get('/v1/customers').set('Authorization', `Basic ${Buffer.from(`${KEY}:`).toString('base64')}`).expect(200);
  });

  it('counts metadata lengths in characters, an emoji as one', async () => {
    const key = '😀'.repeat(40);
    const value = '😀'.repeat(500);
    const created = await post(t, '/v1/customers', { metadata: { [key]: value } }).expect(200);
    expect(created.body.metadata).toEqual({ [key]: value });
    const tooLong = await post(t, '/v1/customers', { metadata: { [key + 'x']: 'v' } }).expect(400);
    expect(tooLong.body.error.param).toBe('metadata');
  });

  it('counts text fields in code points, as metadata: an emoji as one, a variation selector as one more', async () => {
    const { body: atLimit } = await post(t, '/v1/customers', { name: '😀'.repeat(256), description: '😀'.repeat(5000) }).expect(200);
    expect([...atLimit.name]).toHaveLength(256);
    // ☺️ is two code points, U+263A and the variation selector U+FE0F: 256 of them are 512.
    const smiles = await post(t, '/v1/customers', { name: '\u263A\uFE0F'.repeat(256) }).expect(400);
    expect(smiles.body.error).toMatchObject({ param: 'name', message: 'Invalid name: must be at most 256 characters long.' });
    const selectors = await post(t, '/v1/charges', { amount: 2000, currency: 'usd', source: 'tok_visa', description: 'x\uFE0F'.repeat(2501) }).expect(400);
    expect(selectors.body.error.param).toBe('description');
  });

  it('counts only metadata keys with a value against the limit of 50: an empty one sets nothing', async () => {
    const fifty = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`k${i}`, 'v']));
    const created = await post(t, '/v1/customers', { metadata: { ...fifty, unused: '' } }).expect(200);
    expect(Object.keys(created.body.metadata)).toHaveLength(50);
    const updated = await post(t, `/v1/customers/${created.body.id}`, { metadata: { k0: '', k1: '', replaced: 'v' } }).expect(200);
    expect(Object.keys(updated.body.metadata)).toHaveLength(49);
    const overflow = await post(t, `/v1/customers/${created.body.id}`, { metadata: { extra1: 'v', extra2: 'v' } }).expect(400);
    expect(overflow.body.error.param).toBe('metadata');
  });

  it('updates fields, merges metadata and removes a key sent empty', async () => {
    const { body: c } = await post(t, '/v1/customers', { name: 'Ann', phone: '+1 555', metadata: { a: '1', b: '2' } });
    const { body } = await post(t, `/v1/customers/${c.id}`, { name: 'Bea', phone: '', metadata: { a: '', c: '3' } }).expect(200);
    expect(body).toMatchObject({ name: 'Bea', phone: null, metadata: { b: '2', c: '3' } });
    expect((await get(t, `/v1/customers/${c.id}`)).body).toEqual(body);
  });

  it("deletes a customer: a retrieve answers Stripe's deleted stub, and an update, a second delete, a new charge or a list no longer finds it", async () => {
    const { body: c } = await post(t, '/v1/customers', { name: 'Ann' });
    const res = await t.http().delete(`/v1/customers/${c.id}`).auth(KEY, '').expect(200);
    expect(res.body).toEqual({ id: c.id, object: 'customer', deleted: true });
    expect((await get(t, `/v1/customers/${c.id}`).expect(200)).body).toEqual({ id: c.id, object: 'customer', deleted: true });
    const update = await post(t, `/v1/customers/${c.id}`, { name: 'Bea' }).expect(404);
    expect(update.body.error).toMatchObject({ type: 'invalid_request_error', code: 'resource_missing', param: 'id' });
    await t.http().delete(`/v1/customers/${c.id}`).auth(KEY, '').expect(404);
    const charge = await post(t, '/v1/charges', { amount: 2000, currency: 'usd', customer: c.id }).expect(404);
    expect(charge.body.error).toMatchObject({ code: 'resource_missing', param: 'customer' });
    expect((await get(t, '/v1/customers')).body.data).toEqual([]);
    // Another account learns nothing: the id is as unknown to it as any other.
    expect((await get(t, `/v1/customers/${c.id}`, {}, OTHER_KEY).expect(404)).body.error.code).toBe('resource_missing');
  });

  it('answers 404 for a customer id that never existed, linking the code as Stripe does', async () => {
    const missing = await get(t, '/v1/customers/cus_000000000000000000000000').expect(404);
    expect(missing.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'resource_missing',
      param: 'id',
      doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
    });
  });

  it("answers 404 for another account's customer", async () => {
    const { body: c } = await post(t, '/v1/customers', { name: 'Ann' });
    const res = await get(t, `/v1/customers/${c.id}`, {}, OTHER_KEY).expect(404);
    expect(res.body.error.code).toBe('resource_missing');
    await post(t, `/v1/customers/${c.id}`, { name: 'Mallory' }, OTHER_KEY).expect(404);
    await t.http().delete(`/v1/customers/${c.id}`).auth(OTHER_KEY, '').expect(404);
    expect((await get(t, '/v1/customers', {}, OTHER_KEY)).body.data).toEqual([]);
    expect((await get(t, `/v1/customers/${c.id}`)).body.name).toBe('Ann');
  });

  it("expands a customer's lists, empty in oncepay, and its links, which stay null, on every endpoint that answers one", async () => {
    const emptyList = (id: string, field: string) => ({ object: 'list', data: [], has_more: false, url: `/v1/customers/${id}/${field}` });
    const created = await post(t, '/v1/customers', { name: 'Ann', expand: ['sources', 'default_source'] }).expect(200);
    const { id } = created.body;
    expect(created.body).toMatchObject({ sources: emptyList(id, 'sources'), default_source: null });
    expect(created.body).not.toHaveProperty('tax_ids');

    const fetched = await get(t, `/v1/customers/${id}`, { expand: ['tax_ids', 'subscriptions', 'invoice_settings.default_payment_method', 'test_clock'] }).expect(200);
    expect(fetched.body).toMatchObject({ tax_ids: emptyList(id, 'tax_ids'), subscriptions: emptyList(id, 'subscriptions'), test_clock: null });
    expect(fetched.body.invoice_settings.default_payment_method).toBeNull();
    // Without expand, none of the lists is there, as in Stripe's answer.
    expect(Object.keys((await get(t, `/v1/customers/${id}`).expect(200)).body)).not.toEqual(expect.arrayContaining(['sources']));

    const updated = await post(t, `/v1/customers/${id}`, { name: 'Bea', expand: ['subscriptions'] }).expect(200);
    expect(updated.body).toMatchObject({ name: 'Bea', subscriptions: emptyList(id, 'subscriptions') });
    const listed = await get(t, '/v1/customers', { expand: ['data.sources'] }).expect(200);
    expect(listed.body.data).toEqual([expect.objectContaining({ id, sources: emptyList(id, 'sources') })]);

    // Fields Stripe cannot expand, or that oncepay does not model, are refused by name.
    for (const [path, expand] of [[`/v1/customers/${id}`, ['cash_balance']], ['/v1/customers', ['sources']]] as const) {
      const refused = await get(t, path, { expand }).expect(400);
      expect(refused.body.error).toMatchObject({ type: 'invalid_request_error', param: 'expand' });
    }
  });

  describe('lists', () => {
    it('lists newest first and pages with starting_after and ending_before', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) ids.push((await post(t, '/v1/customers', { name: `c${i}` })).body.id);
      const newestFirst = [...ids].reverse();

      const first = await get(t, '/v1/customers', { limit: 3 }).expect(200);
      expect(first.body).toMatchObject({ object: 'list', url: '/v1/customers', has_more: true });
      expect(first.body.data.map((c: { id: string }) => c.id)).toEqual(newestFirst.slice(0, 3));

      const second = await get(t, '/v1/customers', { limit: 3, starting_after: newestFirst[2] });
      expect(second.body.data.map((c: { id: string }) => c.id)).toEqual(newestFirst.slice(3, 6));
      expect(second.body.has_more).toBe(true);

      const last = await get(t, '/v1/customers', { limit: 3, starting_after: newestFirst[5] });
      expect(last.body.data.map((c: { id: string }) => c.id)).toEqual(newestFirst.slice(6));
      expect(last.body.has_more).toBe(false);

      const back = await get(t, '/v1/customers', { limit: 2, ending_before: newestFirst[3] });
      expect(back.body.data.map((c: { id: string }) => c.id)).toEqual(newestFirst.slice(1, 3));
      expect(back.body.has_more).toBe(true);
    });

    it('keeps a stable order when many customers share one created second', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 25; i++) ids.push((await post(t, '/v1/customers', {})).body.id);
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const { body } = await get(t, '/v1/customers', { limit: 4, ...(cursor && { starting_after: cursor }) });
        seen.push(...body.data.map((c: { id: string }) => c.id));
        cursor = body.has_more ? body.data[body.data.length - 1].id : undefined;
      } while (cursor);
      expect(seen).toEqual([...ids].reverse());
    });

    it('filters by email and defaults to 10 per page', async () => {
      for (let i = 0; i < 12; i++) await post(t, '/v1/customers', { email: i % 4 === 0 ? 'x@example.com' : `y${i}@example.com` });
      const all = await get(t, '/v1/customers');
      expect(all.body.data).toHaveLength(10);
      expect(all.body.has_more).toBe(true);
      const filtered = await get(t, '/v1/customers', { email: 'x@example.com' });
      expect(filtered.body.data).toHaveLength(3);
      expect(filtered.body.data.every((c: { email: string }) => c.email === 'x@example.com')).toBe(true);
      // An empty filter is one not sent, as an empty parameter is everywhere else.
      expect((await get(t, '/v1/customers', { email: '' }).expect(200)).body.data).toEqual(all.body.data);
    });

    it('filters by created: one second, or a range of gt, gte, lt and lte, in Unix seconds', async () => {
      // Five customers, dated by hand within three seconds: two share second 1 700 000 000.
      const instants = ['2023-11-14T22:13:19.999Z', '2023-11-14T22:13:20.000Z', '2023-11-14T22:13:20.999Z', '2023-11-14T22:13:21.500Z', '2023-11-14T22:13:22.000Z'];
      const ids: string[] = [];
      for (const instant of instants) {
        const { id } = (await post(t, '/v1/customers', {}).expect(200)).body;
        await t.dataSource.query('UPDATE customers SET created = $1 WHERE id = $2', [instant, id]);
        ids.push(id);
      }
      const listed = async (query: Record<string, unknown>) =>
        (await get(t, '/v1/customers', query).expect(200)).body.data.map((c: { id: string; created: number }) => ids.indexOf(c.id));

      expect(await listed({ created: 1_700_000_000 })).toEqual([2, 1]);
      expect(await listed({ created: { gte: 1_700_000_000 } })).toEqual([4, 3, 2, 1]);
      expect(await listed({ created: { gt: 1_700_000_000 } })).toEqual([4, 3]);
      expect(await listed({ created: { lt: 1_700_000_000 } })).toEqual([0]);
      expect(await listed({ created: { lte: 1_700_000_000 } })).toEqual([2, 1, 0]);
      expect(await listed({ created: { gt: 1_699_999_999, lt: 1_700_000_002 } })).toEqual([3, 2, 1]);
      expect(await listed({ created: { gt: 1_700_000_001, lt: 1_700_000_001 } })).toEqual([]);
      // Bounds past any date either side filter nothing out, and are no error.
      expect(await listed({ created: { gte: -99_999_999_999_999, lt: 999_999_999_999_999 } })).toEqual([4, 3, 2, 1, 0]);
      // The range and the cursors together: a page, and the next, within the range.
      expect(await listed({ created: { gte: 1_700_000_000 }, limit: 2 })).toEqual([4, 3]);
      expect(await listed({ created: { gte: 1_700_000_000 }, limit: 2, starting_after: ids[3] })).toEqual([2, 1]);
      expect(await listed({ created: '' })).toEqual([4, 3, 2, 1, 0]);
      // Each customer shows the second it was filtered by.
      const [shown] = (await get(t, '/v1/customers', { created: 1_700_000_001 }).expect(200)).body.data;
      expect(shown).toMatchObject({ id: ids[3], created: 1_700_000_001 });
    });

    it("refuses a wrong type, a balance out of range and both cursors in the API's words, not the validator's", async () => {
      const refusal = async (res: Promise<{ body: { error: unknown } }>) => (await res).body.error;
      expect(await refusal(get(t, '/v1/customers', { starting_after: ['x'] }).expect(400))).toMatchObject({
        param: 'starting_after',
        message: 'Invalid starting_after: must be a string.',
      });
      expect(await refusal(post(t, '/v1/customers', { balance: 99_999_999_999 }).expect(400))).toMatchObject({
        param: 'balance',
        message: 'Invalid balance: must be at most 2147483647.',
      });
      expect(await refusal(get(t, '/v1/customers?created[after]=x').expect(400))).toEqual({
        type: 'invalid_request_error',
        param: 'created',
        message: 'Invalid created: after is not a bound; use gt, gte, lt, lte.',
      });
      expect(await refusal(get(t, '/v1/customers?created[gte]=soon').expect(400))).toMatchObject({
        param: 'created',
        code: 'parameter_invalid_integer',
        message: 'Invalid integer: created[gte] must be a whole number of Unix seconds, of at most 15 digits.',
      });
      expect(await refusal(get(t, '/v1/customers', { starting_after: 'cus_a', ending_before: 'cus_b' }).expect(400))).toMatchObject({
        param: 'ending_before',
        message: 'Received both starting_after and ending_before parameters. Please pass in only one.',
      });
    });

    it('takes limit, starting_after and ending_before sent empty as not sent', async () => {
      for (let i = 0; i < 12; i++) await post(t, '/v1/customers', { name: `c${i}` });
      const all = (await get(t, '/v1/customers').expect(200)).body;
      for (const params of [{ limit: '' }, { starting_after: '' }, { ending_before: '' }, { limit: '', starting_after: '', ending_before: '' }]) {
        expect((await get(t, '/v1/customers', params).expect(200)).body).toEqual(all);
      }
      // An empty cursor does not count as one of the two that may not be sent together.
      const after = all.data[2].id;
      expect((await get(t, '/v1/customers', { starting_after: after, ending_before: '' }).expect(200)).body.data[0].id).toBe(all.data[3].id);
    });
  });
});
