import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { BEARER, CHARGE, CHARGE_OK, CUSTOMER, FORM_TYPE, JSON_TYPE, Row, ROWS, SEEDED_AMOUNT } from './bad-input-rows';
import { bootApp, form, get, post, rowCounts, TestApp, truncateAll } from './helpers';

/**
 * CONTRACT §7: every malformed, oversized, wrongly typed or hostile input gets a 4xx in the one
 * error envelope, with `param` naming the field where there is one, and changes nothing. Each row
 * is one request; the test checks the answer and then that no table gained or lost a row and that
 * the seeded customer and charge read back exactly as before.
 *
 * `param` policy: a field refused by validation is named by its top-level name (`metadata`); a
 * parameter refused by the parser is named by its bracket path (`metadata[a][a]…`), so the JSON
 * and form encodings of one request get the same answer. A path id that does not exist is named
 * `id`, as Stripe names it.
 *
 * The rows are in bad-input-rows.ts.
 */

/** No stack trace, SQL, driver or framework name may reach a client (CONTRACT §2). */
const LEAK = /QueryFailedError|TypeORM|node_modules|\.ts:\d+|\bat \S+ \(|\b(SELECT|INSERT|UPDATE) .*\b(FROM|INTO|SET)\b|strictDepth|RangeError/;

describe('bad input (CONTRACT §7)', () => {
  let t: TestApp;
  let ids: { customer: string; charge: string };

  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(() => t.app.close());

  beforeEach(async () => {
    await truncateAll(t.dataSource);
    const customer = await post(t, '/v1/customers', { name: 'Seed', email: 'seed@example.com', metadata: { plan: 'gold' } }).expect(200);
    const created = await post(t, '/v1/charges', {
      amount: SEEDED_AMOUNT,
      currency: 'usd',
      source: 'tok_visa',
      capture: 'false',
      customer: customer.body.id,
      description: 'seed charge',
      metadata: { order: '1' },
    }).expect(200);
    expect(created.body.captured).toBe(false);
    ids = { customer: customer.body.id, charge: created.body.id };
  });

  const fill = (text: string) => text.split(CUSTOMER).join(ids.customer).split(CHARGE).join(ids.charge);

  function send(row: Row) {
    let req = t.http()[row.method](fill(row.path));
    const auth = row.auth === undefined ? BEARER : row.auth;
    // Node's http client sends a header whose value is a list as one header line per element.
    if (auth !== null) req = req.set('Authorization', auth as string);
    if (Buffer.isBuffer(row.body)) {
      // superagent would serialize a Buffer as it does an object, for a form or JSON type.
      req = req.set('Content-Type', row.contentType ?? FORM_TYPE).serialize((bytes) => bytes).send(row.body);
    } else if (row.body !== undefined) {
      const contentType = row.contentType ?? FORM_TYPE;
      const text =
        typeof row.body === 'string' ? row.body : contentType === JSON_TYPE ? JSON.stringify(row.body) : form(row.body);
      req = req.set('Content-Type', contentType).send(fill(text));
    }
    return req;
  }

  /** The seeded objects as a client reads them. */
  async function seeded() {
    const [customer, charge] = await Promise.all([get(t, `/v1/customers/${ids.customer}`), get(t, `/v1/charges/${ids.charge}`)]);
    return { customer: [customer.status, customer.body], charge: [charge.status, charge.body] };
  }

  it.each(ROWS)('refuses $name with $status', async (row) => {
    const objectsBefore = await seeded();
    const countsBefore = await rowCounts(t.dataSource);

    const res = await send(row);

    const error = (res.body?.error ?? {}) as Record<string, unknown>;
    const message = typeof error.message === 'string' ? error.message : '';
    expect({
      status: res.status,
      requestId: res.headers['request-id'],
      contentType: res.headers['content-type'],
      envelopeKeys: Object.keys(res.body ?? {}),
      type: error.type,
      message: error.message,
      param: 'param' in error ? error.param : '(absent)',
      code: row.code === undefined ? undefined : error.code,
      leaks: LEAK.test(message),
    }).toEqual({
      status: row.status,
      requestId: expect.stringMatching(/^req_[0-9A-Za-z]+$/),
      contentType: expect.stringMatching(/^application\/json/),
      envelopeKeys: ['error'],
      type: row.type,
      message: expect.stringMatching(/\S/),
      param: row.param ?? '(absent)',
      code: row.code,
      leaks: false,
    });

    expect(await rowCounts(t.dataSource)).toEqual(countsBefore);
    expect(await seeded()).toEqual(objectsBefore);
  });

  /** POSTs a charge's JSON, compressed by `compress`, with this Content-Encoding. */
  const compressedCharge = (encoding: string, compress: (bytes: Buffer) => Buffer, charge: object = CHARGE_OK) =>
    t
      .http()
      .post('/v1/charges')
      .set('Authorization', BEARER)
      .set('Content-Type', JSON_TYPE)
      .set('Content-Encoding', encoding)
      .serialize((bytes) => bytes)
      .send(compress(Buffer.from(JSON.stringify(charge))));

  it.each([
    ['gzip', gzipSync],
    ['deflate', deflateSync],
    ['br', brotliCompressSync],
  ])('reads a body sent with Content-Encoding %s', async (encoding, compress) => {
    const res = await compressedCharge(encoding, compress, { ...CHARGE_OK, description: `sent as ${encoding}` }).expect(200);
    expect(res.body).toMatchObject({ object: 'charge', description: `sent as ${encoding}` });
  });

  it.each(['gzip', 'deflate', 'br'])('refuses a body that is not %s data, as its Content-Encoding says, with a 400 in its own words', async (encoding) => {
    const countsBefore = await rowCounts(t.dataSource);
    const res = await compressedCharge(encoding, (bytes) => bytes).expect(400);
    // Not zlib's words ("incorrect header check", "unexpected end of file").
    expect(res.body.error).toEqual({
      type: 'invalid_request_error',
      message: `The request body is not valid "${encoding}" data, as its Content-Encoding says it is.`,
    });
    expect(await rowCounts(t.dataSource)).toEqual(countsBefore);
  });

  it('takes an empty body as no parameters, whatever Content-Encoding it names', async () => {
    const res = await t.http().post('/v1/customers').set('Authorization', BEARER).set('Content-Encoding', 'gzip').set('Content-Type', JSON_TYPE).send('').expect(200);
    expect(res.body).toMatchObject({ object: 'customer', name: null });
  });

  it('refuses a Content-Encoding it cannot read with a 415 that names those it can', async () => {
    const res = await compressedCharge('compress', (bytes) => bytes).expect(415);
    expect(res.body.error.message).toBe('Unsupported Content-Encoding "compress": send the body as identity, gzip, deflate or br.');
  });

  it('names a long unknown parameter in full in param, and cut short in the message', async () => {
    const name = `x${'y'.repeat(100_000)}`;
    const { body } = await post(t, '/v1/customers', { name: 'Ann', [name]: '1' }).expect(400);
    expect(body.error).toMatchObject({ code: 'parameter_unknown', param: name });
    expect(body.error.message).toBe(`Received unknown parameter: ${name.slice(0, 80)}…`);
  });

  it('stores SQL in a free-text field verbatim, and the tables survive it', async () => {
    const hostile = "'; DROP TABLE charges; --";
    const countsBefore = await rowCounts(t.dataSource);

    const created = await post(t, '/v1/charges', { ...CHARGE_OK, description: hostile, metadata: { note: "1' OR '1'='1" } }).expect(200);
    expect(created.body).toMatchObject({ description: hostile, metadata: { note: "1' OR '1'='1" } });

    const fetched = await get(t, `/v1/charges/${created.body.id}`).expect(200);
    expect(fetched.body.description).toBe(hostile);
    expect(fetched.body.metadata).toEqual({ note: "1' OR '1'='1" });

    const tables: { tablename: string }[] = await t.dataSource.query(
      `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename IN ('charges', 'customers')`,
    );
    expect(tables.map((r) => r.tablename).sort()).toEqual(['charges', 'customers']);
    expect(await rowCounts(t.dataSource)).toEqual({ ...countsBefore, charges: countsBefore.charges + 1 });
    expect((await get(t, `/v1/charges/${ids.charge}`)).body.description).toBe('seed charge');
  });
});
