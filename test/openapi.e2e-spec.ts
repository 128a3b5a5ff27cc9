import Ajv from 'ajv';
import { bootApp, get, KEY, post, TestApp } from './helpers';

/** The parts of an OpenAPI 3 document these tests read. */
interface Schema {
  $ref?: string;
  type?: string;
  required?: string[];
  enum?: string[];
  properties?: Record<string, Schema>;
  allOf?: Schema[];
  oneOf?: Schema[];
}
interface Operation {
  parameters?: { name: string; in: string; schema?: Schema; style?: string; explode?: boolean }[];
  requestBody?: { content: Record<string, { schema: Schema; encoding?: Record<string, { style?: string; explode?: boolean }> }> };
  responses: Record<string, { description: string; content?: Record<string, { schema: Schema }>; headers?: Record<string, unknown> }>;
  security?: Record<string, string[]>[];
}
interface OpenApiDocument {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, { type: string; scheme?: string }> };
}

const ERROR_SCHEMA_REF = '#/components/schemas/ErrorEnvelope';
/** The schemas of answers, read off the views' output; the others describe what requests send. */
const RESPONSE_SCHEMAS = ['Customer', 'DeletedCustomer', 'Charge', 'CustomerList', 'ChargeList'];

describe('OpenAPI documentation', () => {
  let t: TestApp;
  let doc: OpenApiDocument;

  beforeAll(async () => {
    t = await bootApp();
    const res = await t.http().get('/docs-json').expect(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    doc = res.body as OpenApiDocument;
  });

  afterAll(async () => {
    await t.app.close();
  });

  const operation = (path: string, method: string): Operation => {
    const op = doc.paths[path]?.[method];
    if (!op) throw new Error(`no ${method.toUpperCase()} ${path} in the document`);
    return op;
  };
  const resolve = (schema: Schema): Schema => (schema.$ref ? doc.components.schemas[schema.$ref.split('/').pop()!] : schema);

  it('serves an OpenAPI 3 document with every public path', () => {
    expect(doc.openapi).toMatch(/^3\./);
    for (const path of [
      '/v1/customers',
      '/v1/customers/{id}',
      '/v1/charges',
      '/v1/charges/{id}',
      '/v1/charges/{id}/capture',
      '/_sandbox/faults',
      '/_sandbox/requests',
      '/_sandbox/data',
      '/health',
    ]) {
      expect(Object.keys(doc.paths)).toContain(path);
    }
  });

  it('declares the Idempotency-Key header on every POST under /v1, and nowhere else', () => {
    const posts = Object.entries(doc.paths).filter(([path, ops]) => path.startsWith('/v1/') && ops.post);
    expect(posts.length).toBe(5);
    for (const [path, ops] of posts) {
      const header = ops.post.parameters?.find((p) => p.in === 'header' && p.name === 'Idempotency-Key');
      expect({ path, maxLength: (header?.schema as { maxLength?: number } | undefined)?.maxLength }).toEqual({ path, maxLength: 255 });
      expect(Object.keys(ops.post.responses['200'].headers ?? {})).toEqual(
        expect.arrayContaining(['Idempotent-Replayed', 'Original-Request']),
      );
    }
    const keyOn = (op: Operation) => op.parameters?.some((p) => p.name === 'Idempotency-Key') ?? false;
    expect(keyOn(operation('/v1/charges', 'get'))).toBe(false);
    expect(keyOn(operation('/_sandbox/faults', 'post'))).toBe(false);
  });

  it('declares the Sandbox-Fault header on /v1 requests', () => {
    for (const [path, method] of [['/v1/charges', 'post'], ['/v1/customers/{id}', 'get'], ['/v1/customers/{id}', 'delete']]) {
      expect(operation(path, method).parameters?.map((p) => p.name)).toContain('Sandbox-Fault');
    }
  });

  it('documents the 402 decline and the 409 key conflicts of charge creation with the error envelope', () => {
    const create = operation('/v1/charges', 'post');
    for (const status of ['402', '409']) {
      expect(create.responses[status]?.content?.['application/json']?.schema.$ref).toBe(ERROR_SCHEMA_REF);
    }
    expect(create.responses['409'].description).toMatch(/idempotency_key_reused/);
    expect(create.responses['409'].description).toMatch(/idempotency_key_in_use/);
    expect(Object.keys(create.responses['409'].headers ?? {})).toEqual(expect.arrayContaining(['Stripe-Should-Retry', 'Retry-After']));
  });

  it('answers every error of every operation with the one error envelope', () => {
    let errors = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [status, response] of Object.entries(op.responses)) {
          if (Number(status) < 400) continue;
          errors += 1;
          expect({ path, method, status, ref: response.content?.['application/json']?.schema.$ref }).toEqual({
            path,
            method,
            status,
            ref: ERROR_SCHEMA_REF,
          });
        }
      }
    }
    expect(errors).toBeGreaterThan(20);
    const envelope = doc.components.schemas.ErrorEnvelope;
    expect(envelope.required).toEqual(['error']);
    const error = resolve(envelope.properties!.error.allOf?.[0] ?? envelope.properties!.error);
    expect(error.properties?.type.enum).toEqual(expect.arrayContaining(['invalid_request_error', 'card_error', 'idempotency_error']));
    expect(Object.keys(error.properties ?? {})).toEqual(expect.arrayContaining(['code', 'message', 'param', 'decline_code', 'charge']));
  });

  it('offers bearer and basic authentication on the API, and none on /health', () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.basic).toMatchObject({ type: 'http', scheme: 'basic' });
    for (const [path, method] of [['/v1/charges', 'post'], ['/_sandbox/data', 'delete']]) {
      expect(operation(path, method).security).toEqual(expect.arrayContaining([{ bearer: [] }, { basic: [] }]));
    }
    expect(operation('/health', 'get').security).toBeUndefined();
  });

  it('describes the charge body: amount and currency required, currencies listed, form or JSON', () => {
    const body = operation('/v1/charges', 'post').requestBody!;
    expect(Object.keys(body.content).sort()).toEqual(['application/json', 'application/x-www-form-urlencoded']);
    const schema = resolve(body.content['application/json'].schema);
    expect(schema.required).toEqual(expect.arrayContaining(['amount', 'currency']));
    expect(schema.required).not.toContain('source');
    expect(schema.properties!.amount.type).toBe('integer');
    expect(schema.properties!.currency.enum).toEqual(expect.arrayContaining(['usd', 'eur', 'jpy']));
  });

  it('gives every parameter and body property a type: only metadata is an object, and created may be one', () => {
    const untyped: string[] = [];
    const requestSchemas = Object.entries(doc.components.schemas).filter(([name]) => !RESPONSE_SCHEMAS.includes(name));
    for (const [name, schema] of requestSchemas) {
      for (const [property, value] of Object.entries(schema.properties ?? {})) {
        const typed = value.$ref !== undefined || (value.type !== undefined && (value.type !== 'object' || property === 'metadata'));
        if (!typed) untyped.push(`${name}.${property}`);
      }
    }
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        for (const parameter of operation.parameters ?? []) {
          const schema = parameter.schema ?? {};
          // `created` is a number or a hash of bounds, each of them typed.
          const created = parameter.name === 'created' && schema.oneOf?.every((one) => one.type === 'integer' || (one.type === 'object' && one.properties));
          if (!created && (schema.type === undefined || schema.type === 'object')) untyped.push(`${method} ${path} ${parameter.name}`);
        }
      }
    }
    expect(untyped).toEqual([]);
  });

  it('tells clients to send lists and hashes in bracket notation, in query strings and form bodies, as the API reads them', () => {
    const brackets = { style: 'deepObject', explode: true };
    for (const path of ['/v1/charges', '/v1/charges/{id}']) {
      expect(operation(path, 'get').parameters?.find((p) => p.name === 'expand')).toMatchObject(brackets);
    }
    for (const path of ['/v1/charges', '/v1/customers', '/_sandbox/requests']) {
      expect(operation(path, 'get').parameters?.find((p) => p.name === 'created')).toMatchObject(brackets);
    }
    const encoding = (path: string) => operation(path, 'post').requestBody!.content['application/x-www-form-urlencoded'].encoding;
    expect(encoding('/v1/charges')).toEqual({ expand: brackets, metadata: brackets });
    expect(encoding('/v1/customers')).toEqual({ expand: brackets, metadata: brackets });
    expect(encoding('/v1/charges/{id}/capture')).toEqual({ expand: brackets });
  });

  it('lists the refusals of a body as a whole, 413 and 415, on every POST', () => {
    const posts = Object.entries(doc.paths).filter(([, ops]) => ops.post);
    expect(posts.length).toBe(6);
    for (const [path, ops] of posts) {
      expect({ path, statuses: Object.keys(ops.post.responses) }).toEqual({ path, statuses: expect.arrayContaining(['413', '415']) });
    }
  });

  it('describes the body of every customer and charge answer, each of which fits its schema', async () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addSchema({ $id: 'oncepay', components: { schemas: doc.components.schemas } });
    const fits = (name: string, body: unknown) => {
      const validate = ajv.getSchema(`oncepay#/components/schemas/${name}`)!;
      return validate(body) ? [] : (validate.errors ?? []).map((e) => `${name}${e.instancePath} ${e.message}`);
    };
    const bodyOf = (path: string, method: string, status = '200') =>
      operation(path, method).responses[status].content?.['application/json']?.schema.$ref?.split('/').pop();

    expect([bodyOf('/v1/charges', 'post'), bodyOf('/v1/charges/{id}/capture', 'post'), bodyOf('/v1/charges', 'get')]).toEqual(['Charge', 'Charge', 'ChargeList']);
    expect([bodyOf('/v1/customers', 'post'), bodyOf('/v1/customers/{id}', 'delete'), bodyOf('/v1/customers', 'get')]).toEqual(['Customer', 'DeletedCustomer', 'CustomerList']);

    const { body: customer } = await post(t, '/v1/customers', { email: 'c@example.com', name: 'C', metadata: { a: '1' } }).expect(200);
    const { body: bare } = await post(t, '/v1/customers', {}).expect(200);
    const { body: expanded } = await post(t, '/v1/charges', { amount: 900, currency: 'eur', customer: customer.id, expand: ['customer'] }).expect(200);
    const { body: authorised } = await post(t, '/v1/charges', { amount: 900, currency: 'usd', source: 'tok_amex', capture: false }).expect(200);
    const { body: captured } = await post(t, `/v1/charges/${authorised.id}/capture`, { amount: 600 }).expect(200);
    const declined = await post(t, '/v1/charges', { amount: 900, currency: 'usd', source: 'tok_chargeDeclinedIncorrectCvc' }).expect(402);
    const { body: failed } = await get(t, `/v1/charges/${declined.body.error.charge}`).expect(200);
    const { body: charges } = await get(t, '/v1/charges?expand[]=data.customer').expect(200);
    const { body: customers } = await get(t, '/v1/customers').expect(200);
    const { body: withLists } = await get(t, `/v1/customers/${customer.id}?expand[]=sources&expand[]=tax_ids&expand[]=subscriptions`).expect(200);
    const { body: deleted } = await t.http().delete(`/v1/customers/${bare.id}`).auth(KEY, '').expect(200);

    expect([
      ...fits('Customer', customer),
      ...fits('Customer', bare),
      ...fits('Customer', withLists),
      ...[expanded, authorised, captured, failed].flatMap((charge) => fits('Charge', charge)),
      ...fits('ChargeList', charges),
      ...fits('CustomerList', customers),
      ...fits('DeletedCustomer', deleted),
    ]).toEqual([]);
    // The schema is not so loose that anything fits it.
    expect(fits('Charge', { ...captured, amount: '900' })).toEqual(['Charge/amount must be integer']);
  });

  it('lists the sandbox faults as an enum', () => {
    const schema = resolve(operation('/_sandbox/faults', 'post').requestBody!.content['application/json'].schema);
    expect(schema.required).toEqual(['fault']);
    expect(schema.properties!.fault.enum).toEqual(expect.arrayContaining(['drop_after_commit', 'hold', 'rate_limit']));
  });

  it('serves Swagger UI at /docs, with its scripts and stylesheets', async () => {
    const res = await t.http().get('/docs').expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    const assets = [...res.text.matchAll(/(?:src|href)="([^"]+\.(?:js|css))"/g)].map((m) => new URL(m[1], 'http://oncepay/docs').pathname);
    expect(assets).toEqual(expect.arrayContaining(['/docs/swagger-ui-bundle.js', '/docs/swagger-ui-init.js', '/docs/swagger-ui.css']));
    for (const asset of assets) {
      const loaded = await t.http().get(asset);
      expect({ asset, status: loaded.status, type: loaded.headers['content-type'] }).toEqual({
        asset,
        status: 200,
        type: expect.stringMatching(asset.endsWith('.css') ? /^text\/css/ : /javascript/),
      });
    }
  });
});
