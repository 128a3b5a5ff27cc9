import { MAX_BODY_BYTES } from '../src/common/params';
import { form, KEY } from './helpers';

/**
 * The requests of the bad-input suite (bad-input.e2e-spec.ts), one row each, with the answer each
 * must get. Most add one fault to an otherwise valid request, which without it would succeed.
 */

/** Placeholders a row may put in its path or body; replaced by the ids seeded for each test. */
export const CUSTOMER = 'SEEDED_CUSTOMER';
export const CHARGE = 'SEEDED_CHARGE';

/** What the seeded charge was authorised for; a capture above it must be refused. */
export const SEEDED_AMOUNT = 2000;

export const JSON_TYPE = 'application/json';
export const FORM_TYPE = 'application/x-www-form-urlencoded';
export const BEARER = `Bearer ${KEY}`;
const basic = (user: string) => `Basic ${Buffer.from(`${user}:`).toString('base64')}`;
/**
 * Base64 of `text` with the last character before the padding moved to its neighbour in the
 * alphabet: that sets bits past the last byte, which decoders ignore, so it decodes to the same
 * bytes but is not RFC 4648's canonical spelling. `text` must not be a multiple of 3 bytes long.
 */
function nonCanonicalBase64(text: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
  const canonical = Buffer.from(text).toString('base64');
  const at = canonical.indexOf('=') - 1;
  return canonical.slice(0, at) + alphabet[alphabet.indexOf(canonical[at]) + 1] + canonical.slice(at + 1);
}

export interface Row {
  name: string;
  method: 'get' | 'post' | 'delete';
  path: string;
  /**
   * The Authorization header, or a list of them sent as separate headers; `null` sends none.
   * Defaults to the test key as a bearer token.
   */
  auth?: string | string[] | null;
  /** Defaults to form encoding when there is a body. */
  contentType?: string;
  /**
   * A string is sent as UTF-8 and a Buffer byte for byte; an object is form-encoded, or JSON when
   * contentType says so.
   */
  body?: string | Buffer | object;
  status: number;
  type: string;
  /** The exact `error.param`; undefined means the envelope must carry no `param` at all. */
  param: string | undefined;
  /** When given, the exact `error.code`. */
  code?: string;
}

/** A valid charge, to which each row adds one fault: without the fault it would be created. */
export const CHARGE_OK = { amount: 2000, currency: 'usd', source: 'tok_visa' };
const charge = (overrides: object, drop: string[] = []) => {
  const params: Record<string, unknown> = { ...CHARGE_OK, ...overrides };
  for (const key of drop) delete params[key];
  return params;
};

const manyKeys = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, 'v']));
const DEPTH = 10_000;
const deepJson = `{"metadata":${'{"a":'.repeat(DEPTH)}"x"${'}'.repeat(DEPTH + 1)}`;
const deepForm = `metadata${'[a]'.repeat(DEPTH)}=x`;
/** A parameter nested too deeply is named by its top-level name, in form and JSON alike. */
const DEPTH_PARAM = 'metadata';

const SQL_ID = encodeURIComponent("cus_1' OR '1'='1");

export const ROWS: Row[] = [
  // The body itself.
  { name: 'broken JSON', method: 'post', path: '/v1/charges', contentType: JSON_TYPE, body: '{"amount": 2000, "currency": "usd",', status: 400, type: 'invalid_request_error', param: undefined },
  { name: 'a JSON array at the top level', method: 'post', path: '/v1/charges', contentType: JSON_TYPE, body: JSON.stringify([CHARGE_OK]), status: 400, type: 'invalid_request_error', param: undefined },
  { name: 'a JSON string at the top level', method: 'post', path: '/v1/customers', contentType: JSON_TYPE, body: '"hello"', status: 400, type: 'invalid_request_error', param: undefined },
  { name: 'a text/plain body (415)', method: 'post', path: '/v1/charges', contentType: 'text/plain', body: form(CHARGE_OK), status: 415, type: 'invalid_request_error', param: undefined },
  { name: 'a body over 1 MB (413)', method: 'post', path: '/v1/customers', body: `name=${'a'.repeat(MAX_BODY_BYTES)}`, status: 413, type: 'invalid_request_error', param: undefined },
  { name: 'JSON nested 10 000 levels deep', method: 'post', path: '/v1/customers', contentType: JSON_TYPE, body: deepJson, status: 400, type: 'invalid_request_error', param: DEPTH_PARAM },
  { name: 'a form parameter nested 10 000 levels deep', method: 'post', path: '/v1/customers', body: deepForm, status: 400, type: 'invalid_request_error', param: DEPTH_PARAM },
  { name: '1 001 parameters at the top level', method: 'post', path: '/v1/customers', body: Array.from({ length: 1001 }, (_, i) => `p${i}=v`).join('&'), status: 400, type: 'invalid_request_error', param: undefined },
  { name: 'a name of 200 000 opening brackets', method: 'post', path: '/v1/customers', body: `a${'['.repeat(200_000)}=1`, status: 400, type: 'invalid_request_error', param: 'a' },
  { name: '20 000 list indices sent in reverse', method: 'post', path: '/v1/customers', body: Array.from({ length: 20_000 }, (_, i) => `a[${19_999 - i}]=v`).join('&'), status: 400, type: 'invalid_request_error', param: 'a' },
  { name: "an unknown parameter 'foo'", method: 'post', path: '/v1/customers', body: { name: 'Ann', foo: 'bar' }, status: 400, type: 'invalid_request_error', param: 'foo', code: 'parameter_unknown' },
  { name: "an unknown parameter named like a built-in property ('constructor')", method: 'post', path: '/v1/customers', body: { name: 'Ann', constructor: '1' }, status: 400, type: 'invalid_request_error', param: 'constructor', code: 'parameter_unknown' },
  { name: "an unknown parameter 'toString' on a charge (JSON)", method: 'post', path: '/v1/charges', contentType: JSON_TYPE, body: charge({ toString: 'x' }), status: 400, type: 'invalid_request_error', param: 'toString', code: 'parameter_unknown' },
  { name: "an unknown parameter 'prototype'", method: 'post', path: '/v1/customers', body: { name: 'Ann', prototype: '1' }, status: 400, type: 'invalid_request_error', param: 'prototype' },
  { name: "an unknown query parameter 'hasOwnProperty'", method: 'get', path: '/v1/charges?hasOwnProperty=1', status: 400, type: 'invalid_request_error', param: 'hasOwnProperty' },
  // Endpoints that take no parameters refuse any, as Stripe's do: a DELETE with a stray query
  // parameter must not delete, and a sandbox reset must not erase.
  { name: 'expanding a field a customer cannot expand', method: 'get', path: `/v1/customers/${CUSTOMER}?${form({ expand: ['cash_balance'] })}`, status: 400, type: 'invalid_request_error', param: 'expand' },
  { name: 'a query parameter on a customer delete', method: 'delete', path: `/v1/customers/${CUSTOMER}?foo=1`, status: 400, type: 'invalid_request_error', param: 'foo', code: 'parameter_unknown' },
  { name: 'a fault armed without its fault', method: 'post', path: '/_sandbox/faults', body: { times: '2' }, status: 400, type: 'invalid_request_error', param: 'fault', code: 'parameter_missing' },
  { name: 'a delay_ms for a fault that acts at once', method: 'post', path: '/_sandbox/faults', body: { fault: 'error_after_commit', delay_ms: '500' }, status: 400, type: 'invalid_request_error', param: 'delay_ms' },
  { name: 'a malformed delay_ms for a fault that acts at once', method: 'post', path: '/_sandbox/faults', contentType: JSON_TYPE, body: { fault: 'rate_limit', delay_ms: 'soon' }, status: 400, type: 'invalid_request_error', param: 'delay_ms', code: 'parameter_invalid_integer' },
  { name: 'a query parameter on the fault list', method: 'get', path: '/_sandbox/faults?limit=5', status: 400, type: 'invalid_request_error', param: 'limit' },
  { name: 'a query parameter on a fault disarm', method: 'delete', path: '/_sandbox/faults/flt_none?foo=1', status: 400, type: 'invalid_request_error', param: 'foo' },
  { name: 'a query parameter on the sandbox reset', method: 'delete', path: '/_sandbox/data?confirm=yes', status: 400, type: 'invalid_request_error', param: 'confirm' },

  // amount
  { name: 'a negative amount', method: 'post', path: '/v1/charges', body: charge({ amount: '-100' }), status: 400, type: 'invalid_request_error', param: 'amount' },
  { name: 'a zero amount', method: 'post', path: '/v1/charges', body: charge({ amount: '0' }), status: 400, type: 'invalid_request_error', param: 'amount' },
  { name: "a fractional amount in a form ('20.5')", method: 'post', path: '/v1/charges', body: charge({ amount: '20.5' }), status: 400, type: 'invalid_request_error', param: 'amount' },
  { name: 'a fractional amount in JSON that a double would round to whole (1999.99999999999999)', method: 'post', path: '/v1/charges', contentType: JSON_TYPE, body: '{"amount":1999.99999999999999,"currency":"usd","source":"tok_visa"}', status: 400, type: 'invalid_request_error', param: 'amount' },
  { name: 'a JSON key written twice with different values', method: 'post', path: '/v1/charges', contentType: JSON_TYPE, body: '{"amount":2000,"amount":5000,"currency":"usd","source":"tok_visa"}', status: 400, type: 'invalid_request_error', param: undefined },
  { name: 'a fractional amount in JSON (20.5)', method: 'post', path: '/v1/charges', contentType: JSON_TYPE, body: charge({ amount: 20.5 }), status: 400, type: 'invalid_request_error', param: 'amount', code: 'parameter_invalid_integer' },
  { name: "amount 'abc'", method: 'post', path: '/v1/charges', body: charge({ amount: 'abc' }), status: 400, type: 'invalid_request_error', param: 'amount' },
  { name: "amount in exponent notation ('1e3')", method: 'post', path: '/v1/charges', body: charge({ amount: '1e3' }), status: 400, type: 'invalid_request_error', param: 'amount' },
  { name: 'an amount of twenty digits', method: 'post', path: '/v1/charges', body: charge({ amount: '99999999999999999999' }), status: 400, type: 'invalid_request_error', param: 'amount' },
  { name: 'an amount sent as an array', method: 'post', path: '/v1/charges', body: charge({ amount: ['2000'] }), status: 400, type: 'invalid_request_error', param: 'amount' },
  { name: 'an amount below the usd minimum (49)', method: 'post', path: '/v1/charges', body: charge({ amount: 49 }), status: 400, type: 'invalid_request_error', param: 'amount', code: 'amount_too_small' },
  { name: 'an amount above 99999999', method: 'post', path: '/v1/charges', body: charge({ amount: 100_000_000 }), status: 400, type: 'invalid_request_error', param: 'amount', code: 'amount_too_large' },
  { name: 'a missing amount', method: 'post', path: '/v1/charges', body: charge({}, ['amount']), status: 400, type: 'invalid_request_error', param: 'amount', code: 'parameter_missing' },

  // currency
  { name: 'a missing currency', method: 'post', path: '/v1/charges', body: charge({}, ['currency']), status: 400, type: 'invalid_request_error', param: 'currency', code: 'parameter_missing' },
  { name: "an unknown currency 'xyz'", method: 'post', path: '/v1/charges', body: charge({ currency: 'xyz' }), status: 400, type: 'invalid_request_error', param: 'currency' },
  { name: "an upper-case currency 'USD'", method: 'post', path: '/v1/charges', body: charge({ currency: 'USD' }), status: 400, type: 'invalid_request_error', param: 'currency' },

  // source and customer
  { name: 'neither source nor customer', method: 'post', path: '/v1/charges', body: charge({}, ['source']), status: 400, type: 'invalid_request_error', param: 'source' },
  { name: 'an unknown source token', method: 'post', path: '/v1/charges', body: charge({ source: 'tok_nonsense' }), status: 400, type: 'invalid_request_error', param: 'source' },
  { name: 'a customer that does not exist (404)', method: 'post', path: '/v1/charges', body: charge({ customer: 'cus_doesnotexist000000000000' }), status: 404, type: 'invalid_request_error', param: 'customer', code: 'resource_missing' },

  // capture
  { name: "capture 'maybe'", method: 'post', path: '/v1/charges', body: charge({ capture: 'maybe' }), status: 400, type: 'invalid_request_error', param: 'capture' },
  { name: 'capturing more than the authorised amount', method: 'post', path: `/v1/charges/${CHARGE}/capture`, body: { amount: SEEDED_AMOUNT + 1 }, status: 400, type: 'invalid_request_error', param: 'amount' },
  { name: "capturing less than the currency's minimum", method: 'post', path: `/v1/charges/${CHARGE}/capture`, body: { amount: 49 }, status: 400, type: 'invalid_request_error', param: 'amount', code: 'amount_too_small' },
  { name: 'capturing a zero amount', method: 'post', path: `/v1/charges/${CHARGE}/capture`, body: { amount: 0 }, status: 400, type: 'invalid_request_error', param: 'amount', code: 'amount_too_small' },
  { name: 'capturing a negative amount', method: 'post', path: `/v1/charges/${CHARGE}/capture`, body: { amount: -100 }, status: 400, type: 'invalid_request_error', param: 'amount', code: 'amount_too_small' },
  { name: "capturing amount 'abc'", method: 'post', path: `/v1/charges/${CHARGE}/capture`, body: { amount: 'abc' }, status: 400, type: 'invalid_request_error', param: 'amount' },

  // expand
  { name: 'expanding something not expandable on a charge update', method: 'post', path: `/v1/charges/${CHARGE}`, body: { description: 'changed', expand: ['balance_transaction'] }, status: 400, type: 'invalid_request_error', param: 'expand' },
  { name: 'expanding something not expandable on a charge create', method: 'post', path: '/v1/charges', body: charge({ expand: ['invoice'] }), status: 400, type: 'invalid_request_error', param: 'expand' },
  { name: "expanding 'customer' on a charge list (only data.customer is)", method: 'get', path: `/v1/charges?${form({ expand: ['customer'] })}`, status: 400, type: 'invalid_request_error', param: 'expand' },

  // metadata
  { name: 'metadata with 10 000 keys', method: 'post', path: '/v1/customers', body: { metadata: manyKeys(10_000) }, status: 400, type: 'invalid_request_error', param: 'metadata' },
  { name: 'metadata with 51 keys on an update', method: 'post', path: `/v1/customers/${CUSTOMER}`, body: { name: 'changed', metadata: manyKeys(51) }, status: 400, type: 'invalid_request_error', param: 'metadata' },
  { name: 'a metadata key of 41 characters', method: 'post', path: '/v1/charges', body: charge({ metadata: { ['k'.repeat(41)]: 'v' } }), status: 400, type: 'invalid_request_error', param: 'metadata' },
  { name: 'a metadata key of 300 characters', method: 'post', path: `/v1/charges/${CHARGE}`, body: { description: 'changed', metadata: { ['k'.repeat(300)]: 'v' } }, status: 400, type: 'invalid_request_error', param: 'metadata' },
  { name: 'a metadata value of 501 characters', method: 'post', path: '/v1/customers', body: { metadata: { order: 'v'.repeat(501) } }, status: 400, type: 'invalid_request_error', param: 'metadata' },
  { name: 'a metadata key with square brackets (JSON)', method: 'post', path: '/v1/customers', contentType: JSON_TYPE, body: { metadata: { 'a[b]': 'x' } }, status: 400, type: 'invalid_request_error', param: 'metadata' },
  { name: 'a metadata key of one bracket (JSON)', method: 'post', path: `/v1/charges/${CHARGE}`, contentType: JSON_TYPE, body: { metadata: { ']': 'x' } }, status: 400, type: 'invalid_request_error', param: 'metadata' },
  { name: 'a metadata key with square brackets (form)', method: 'post', path: '/v1/customers', body: 'metadata[a[b]]=x', status: 400, type: 'invalid_request_error', param: 'metadata' },
  { name: 'metadata sent bare twice (form), which would read as keys "0" and "1"', method: 'post', path: `/v1/customers/${CUSTOMER}`, body: 'name=changed&metadata=a&metadata=b', status: 400, type: 'invalid_request_error', param: 'metadata' },
  { name: 'expand written both with [] and with an index', method: 'post', path: '/v1/charges', body: `${form(CHARGE_OK)}&expand[1]=customer&expand[]=customer`, status: 400, type: 'invalid_request_error', param: 'expand' },
  { name: 'expand[][]=customer', method: 'post', path: '/v1/charges', body: `${form(CHARGE_OK)}&expand[][]=customer`, status: 400, type: 'invalid_request_error', param: 'expand' },
  { name: 'metadata as a plain string', method: 'post', path: '/v1/customers', body: { metadata: 'hello' }, status: 400, type: 'invalid_request_error', param: 'metadata' },
  { name: 'metadata with a nested object (form)', method: 'post', path: `/v1/customers/${CUSTOMER}`, body: { name: 'changed', metadata: { a: { b: 'c' } } }, status: 400, type: 'invalid_request_error', param: 'metadata' },
  { name: 'metadata with a nested object (JSON)', method: 'post', path: '/v1/charges', contentType: JSON_TYPE, body: charge({ metadata: { a: { b: 'c' } } }), status: 400, type: 'invalid_request_error', param: 'metadata' },
  { name: 'metadata with an array value (JSON)', method: 'post', path: '/v1/customers', contentType: JSON_TYPE, body: { metadata: { a: ['b'] } }, status: 400, type: 'invalid_request_error', param: 'metadata' },

  // NUL bytes
  { name: 'a NUL byte in description (form %00)', method: 'post', path: '/v1/charges', body: `${form(CHARGE_OK)}&description=a%00b`, status: 400, type: 'invalid_request_error', param: 'description' },
  { name: 'a NUL byte in description (JSON \\u0000)', method: 'post', path: `/v1/customers/${CUSTOMER}`, contentType: JSON_TYPE, body: { name: 'changed', description: 'a\u0000b' }, status: 400, type: 'invalid_request_error', param: 'description' },
  { name: 'metadata sent emptied, then with a key (metadata=&metadata[c]=3)', method: 'post', path: `/v1/customers/${CUSTOMER}`, body: 'name=changed&metadata=&metadata[c]=3', status: 400, type: 'invalid_request_error', param: 'metadata' },
  { name: 'metadata sent with a key, then emptied (metadata[c]=3&metadata=)', method: 'post', path: `/v1/customers/${CUSTOMER}`, body: 'name=changed&metadata[c]=3&metadata=', status: 400, type: 'invalid_request_error', param: 'metadata' },
  { name: 'a metadata key sent as a value and with keys of its own', method: 'post', path: `/v1/customers/${CUSTOMER}`, body: 'name=changed&metadata[a]=1&metadata[a][b]=2', status: 400, type: 'invalid_request_error', param: 'metadata[a]' },
  { name: 'a NUL byte in a metadata key', method: 'post', path: `/v1/customers/${CUSTOMER}`, body: 'name=changed&metadata[or%00der]=1', status: 400, type: 'invalid_request_error', param: 'metadata[or\u0000der]' },
  { name: 'a NUL byte in a metadata value', method: 'post', path: '/v1/charges', contentType: JSON_TYPE, body: charge({ metadata: { order: '4\u00002' } }), status: 400, type: 'invalid_request_error', param: 'metadata[order]' },
  // Text that is not UTF-8: a percent-escape that is broken or encodes another charset, or raw
  // bytes that are not UTF-8. Kept undecoded or turned into U+FFFD, it would be stored unlike
  // what was sent.
  { name: 'a broken percent-escape in a form value', method: 'post', path: '/v1/customers', body: 'name=caf%C3%A9%zz', status: 400, type: 'invalid_request_error', param: 'name' },
  { name: 'a Latin-1 percent-escape in a metadata value', method: 'post', path: '/v1/customers', body: 'metadata[city]=Z%FCrich', status: 400, type: 'invalid_request_error', param: 'metadata[city]' },
  { name: 'a broken percent-escape in a form name', method: 'post', path: '/v1/customers', body: 'metadata[caf%]=1', status: 400, type: 'invalid_request_error', param: undefined },
  { name: 'a Latin-1 percent-escape in a query parameter', method: 'get', path: '/v1/customers?email=caf%E9@example.com', status: 400, type: 'invalid_request_error', param: 'email' },
  { name: 'a JSON body with bytes that are not UTF-8', method: 'post', path: '/v1/customers', contentType: JSON_TYPE, body: Buffer.concat([Buffer.from('{"name":"caf'), Buffer.from([0xe9]), Buffer.from('"}')]), status: 400, type: 'invalid_request_error', param: undefined },
  { name: 'a form body with bytes that are not UTF-8, charset named', method: 'post', path: '/v1/customers', contentType: `${FORM_TYPE}; charset=utf-8`, body: Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3d, 0xff, 0xfe]), status: 400, type: 'invalid_request_error', param: undefined },
  { name: 'a balance of -0', method: 'post', path: '/v1/customers', body: { balance: '-0' }, status: 400, type: 'invalid_request_error', param: 'balance' },
  { name: 'bytes that are not UTF-8, under another name of UTF-8 (utf_8)', method: 'post', path: '/v1/customers', contentType: `${FORM_TYPE}; charset=utf_8`, body: Buffer.from([0x6e, 0x61, 0x6d, 0x65, 0x3d, 0x78, 0xff]), status: 400, type: 'invalid_request_error', param: undefined },
  { name: 'bytes over 0x7F under charset=us-ascii', method: 'post', path: '/v1/customers', contentType: `${JSON_TYPE}; charset=us-ascii`, body: Buffer.from('{"name":"café"}', 'utf8'), status: 400, type: 'invalid_request_error', param: undefined },
  { name: 'a charset no decoder knows', method: 'post', path: '/v1/customers', contentType: `${FORM_TYPE}; charset=klingon`, body: 'name=x', status: 415, type: 'invalid_request_error', param: undefined },
  { name: 'bytes that are not UTF-16, under charset=utf-16le', method: 'post', path: '/v1/customers', contentType: `${JSON_TYPE}; charset=utf-16le`, body: Buffer.concat([Buffer.from('{"name":"', 'utf16le'), Buffer.from([0x00, 0xd8]), Buffer.from('"}', 'utf16le')]), status: 400, type: 'invalid_request_error', param: undefined },
  { name: 'an amount with a leading zero', method: 'post', path: '/v1/charges', body: charge({ amount: '02000' }), status: 400, type: 'invalid_request_error', param: 'amount' },
  { name: 'a NUL byte in a query parameter', method: 'get', path: '/v1/customers?email=%00', status: 400, type: 'invalid_request_error', param: 'email' },
  // Lone UTF-16 surrogates, which JSON can write (\ud800) but no text can hold.
  { name: 'a lone surrogate in an email (JSON \\ud800)', method: 'post', path: '/v1/customers', contentType: JSON_TYPE, body: { email: 'a\ud800@b.com' }, status: 400, type: 'invalid_request_error', param: 'email' },
  { name: 'a lone surrogate in a name on an update', method: 'post', path: `/v1/customers/${CUSTOMER}`, contentType: JSON_TYPE, body: { name: 'x\udc00' }, status: 400, type: 'invalid_request_error', param: 'name' },
  { name: 'a lone surrogate as a metadata key', method: 'post', path: '/v1/charges', contentType: JSON_TYPE, body: charge({ metadata: { '\ud800': 'x' } }), status: 400, type: 'invalid_request_error', param: 'metadata[\ud800]' },
  { name: 'a lone surrogate in a metadata value on a charge update', method: 'post', path: `/v1/charges/${CHARGE}`, contentType: JSON_TYPE, body: { metadata: { order: '\ud800' } }, status: 400, type: 'invalid_request_error', param: 'metadata[order]' },
  { name: 'a lone surrogate in receipt_email', method: 'post', path: '/v1/charges', contentType: JSON_TYPE, body: charge({ receipt_email: '\ud800@b.com' }), status: 400, type: 'invalid_request_error', param: 'receipt_email' },
  // Prototype keys: refused by name in every encoding, never dropped
  { name: 'a __proto__ metadata key (JSON)', method: 'post', path: `/v1/customers/${CUSTOMER}`, contentType: JSON_TYPE, body: '{"name":"changed","metadata":{"__proto__":{"x":"1"}}}', status: 400, type: 'invalid_request_error', param: 'metadata[__proto__]' },
  { name: 'a constructor metadata key (form)', method: 'post', path: `/v1/customers/${CUSTOMER}`, body: 'name=changed&metadata[constructor]=1', status: 400, type: 'invalid_request_error', param: 'metadata[constructor]' },
  { name: 'a prototype metadata key (JSON)', method: 'post', path: '/v1/charges', contentType: JSON_TYPE, body: charge({ metadata: { prototype: 'x' } }), status: 400, type: 'invalid_request_error', param: 'metadata[prototype]' },
  { name: 'a __proto__ metadata key (form)', method: 'post', path: `/v1/customers/${CUSTOMER}`, body: 'name=changed&metadata[__proto__][x]=1', status: 400, type: 'invalid_request_error', param: 'metadata[__proto__]' },
  { name: 'a top-level __proto__ parameter (form, percent-encoded)', method: 'post', path: '/v1/charges', body: `${form(CHARGE_OK)}&%5F%5Fproto%5F%5F[x]=1`, status: 400, type: 'invalid_request_error', param: '__proto__', code: 'parameter_unknown' },
  { name: 'a top-level __proto__ parameter (JSON)', method: 'post', path: '/v1/charges', contentType: JSON_TYPE, body: '{"amount":2000,"currency":"usd","source":"tok_visa","__proto__":{"x":"1"}}', status: 400, type: 'invalid_request_error', param: '__proto__', code: 'parameter_unknown' },
  { name: 'a prototype parameter (form)', method: 'post', path: '/v1/customers', body: 'name=Ann&prototype=1', status: 400, type: 'invalid_request_error', param: 'prototype', code: 'parameter_unknown' },
  { name: 'a __proto__ query parameter', method: 'get', path: '/v1/customers?__proto__[limit]=1', status: 400, type: 'invalid_request_error', param: '__proto__', code: 'parameter_unknown' },
  { name: 'a NUL byte in a path id', method: 'get', path: '/v1/customers/cus_%00', status: 404, type: 'invalid_request_error', param: 'id', code: 'resource_missing' },

  // lists
  { name: 'a list of 101 elements (form, expand[] repeated)', method: 'post', path: '/v1/charges', body: `${form(CHARGE_OK)}&${'expand[]=customer&'.repeat(101)}`, status: 400, type: 'invalid_request_error', param: 'expand' },
  { name: 'a list index of 100 (form)', method: 'post', path: '/v1/charges', body: `${form(CHARGE_OK)}&expand[100]=customer`, status: 400, type: 'invalid_request_error', param: 'expand' },
  { name: 'a list of 101 elements (JSON)', method: 'post', path: '/v1/charges', contentType: JSON_TYPE, body: charge({ expand: Array(101).fill('customer') }), status: 400, type: 'invalid_request_error', param: 'expand' },
  { name: 'limit=0', method: 'get', path: '/v1/customers?limit=0', status: 400, type: 'invalid_request_error', param: 'limit' },
  { name: 'limit=101', method: 'get', path: '/v1/customers?limit=101', status: 400, type: 'invalid_request_error', param: 'limit' },
  { name: 'limit=abc', method: 'get', path: '/v1/charges?limit=abc', status: 400, type: 'invalid_request_error', param: 'limit' },
  { name: 'a charge id as a customer list cursor', method: 'get', path: `/v1/customers?starting_after=${CHARGE}`, status: 400, type: 'invalid_request_error', param: 'starting_after', code: 'resource_missing' },
  { name: 'a 300-character list cursor', method: 'get', path: `/v1/charges?ending_before=ch_${'a'.repeat(300)}`, status: 400, type: 'invalid_request_error', param: 'ending_before', code: 'resource_missing' },
  { name: 'a request log cursor of SQL', method: 'get', path: `/_sandbox/requests?starting_after=${encodeURIComponent("req_x' OR '1'='1")}`, status: 400, type: 'invalid_request_error', param: 'starting_after', code: 'resource_missing' },
  { name: 'created=abc on a list', method: 'get', path: '/v1/charges?created=abc', status: 400, type: 'invalid_request_error', param: 'created', code: 'parameter_invalid_integer' },
  { name: 'created[after]=1, not a bound', method: 'get', path: '/v1/customers?created[after]=1', status: 400, type: 'invalid_request_error', param: 'created' },
  { name: 'created[gt]=1.5', method: 'get', path: '/v1/charges?created[gt]=1.5', status: 400, type: 'invalid_request_error', param: 'created', code: 'parameter_invalid_integer' },
  { name: 'created[lt] of 16 digits', method: 'get', path: '/v1/charges?created[lt]=9999999999999999', status: 400, type: 'invalid_request_error', param: 'created', code: 'parameter_invalid_integer' },
  { name: 'created[gte][x]=1', method: 'get', path: '/_sandbox/requests?created[gte][x]=1', status: 400, type: 'invalid_request_error', param: 'created' },
  { name: 'created[]=1, a list', method: 'get', path: '/v1/charges?created[]=1', status: 400, type: 'invalid_request_error', param: 'created' },
  { name: 'starting_after and ending_before together', method: 'get', path: `/v1/charges?starting_after=${CHARGE}&ending_before=${CHARGE}`, status: 400, type: 'invalid_request_error', param: 'ending_before' },

  // customers
  { name: "customer email 'not-an-email'", method: 'post', path: '/v1/customers', body: { email: 'not-an-email' }, status: 400, type: 'invalid_request_error', param: 'email' },
  { name: "customer email 'not-an-email' on an update", method: 'post', path: `/v1/customers/${CUSTOMER}`, body: { name: 'changed', email: 'not-an-email' }, status: 400, type: 'invalid_request_error', param: 'email', code: 'email_invalid' },
  { name: "customer balance '1.5'", method: 'post', path: `/v1/customers/${CUSTOMER}`, body: { name: 'changed', balance: '1.5' }, status: 400, type: 'invalid_request_error', param: 'balance' },

  // SQL in formatted fields: refused by their format, never reaching a query as text.
  { name: 'SQL in currency', method: 'post', path: '/v1/charges', body: charge({ currency: "usd'; DROP TABLE charges; --" }), status: 400, type: 'invalid_request_error', param: 'currency' },
  { name: 'SQL in a path id (404)', method: 'get', path: `/v1/customers/${SQL_ID}`, status: 404, type: 'invalid_request_error', param: 'id', code: 'resource_missing' },
  { name: 'SQL in a path id on an update (404)', method: 'post', path: `/v1/customers/${SQL_ID}`, body: { name: 'Mallory' }, status: 404, type: 'invalid_request_error', param: 'id', code: 'resource_missing' },
  { name: 'SQL in limit', method: 'get', path: `/v1/customers?${form({ limit: '1;DROP TABLE customers' })}`, status: 400, type: 'invalid_request_error', param: 'limit' },
  { name: 'SQL in email', method: 'post', path: '/v1/customers', body: { email: "x@y.z' OR 1=1 --" }, status: 400, type: 'invalid_request_error', param: 'email', code: 'email_invalid' },

  // Authentication: each would otherwise create a customer.
  { name: 'no Authorization header', method: 'post', path: '/v1/customers', auth: null, body: { name: 'Ann' }, status: 401, type: 'invalid_request_error', param: undefined },
  { name: 'a publishable key (Bearer pk_test_abc)', method: 'post', path: '/v1/customers', auth: 'Bearer pk_test_abc', body: { name: 'Ann' }, status: 401, type: 'invalid_request_error', param: undefined },
  { name: 'Basic with garbage', method: 'post', path: '/v1/customers', auth: 'Basic !!!not*base64%%%', body: { name: 'Ann' }, status: 401, type: 'invalid_request_error', param: undefined },
  { name: 'an empty Bearer', method: 'post', path: '/v1/customers', auth: 'Bearer ', body: { name: 'Ann' }, status: 401, type: 'invalid_request_error', param: undefined },
  { name: 'two Authorization headers, each with a key', method: 'post', path: '/v1/customers', auth: [BEARER, 'Bearer sk_test_someone_else'], body: { name: 'Ann' }, status: 401, type: 'invalid_request_error', param: undefined },
  { name: 'two Authorization headers on a GET', method: 'get', path: `/v1/customers/${CUSTOMER}`, auth: [BEARER, BEARER], status: 401, type: 'invalid_request_error', param: undefined },
  { name: 'Basic with base64 broken by other characters', method: 'post', path: '/v1/customers', auth: `Basic ${Buffer.from(`${KEY}:`).toString('base64').replace(/^(..)/, '$1!')}`, body: { name: 'Ann' }, status: 401, type: 'invalid_request_error', param: undefined },
  { name: 'Basic with base64 whose unused bits are set (not canonical)', method: 'post', path: '/v1/customers', auth: `Basic ${nonCanonicalBase64(`${KEY}:`)}`, body: { name: 'Ann' }, status: 401, type: 'invalid_request_error', param: undefined },
  { name: 'Basic with base64 followed by more', method: 'post', path: '/v1/customers', auth: `Basic ${Buffer.from(`${KEY}:`).toString('base64')}x`, body: { name: 'Ann' }, status: 401, type: 'invalid_request_error', param: undefined },
  { name: 'a Bearer key followed by more', method: 'post', path: '/v1/customers', auth: `${BEARER} extra`, body: { name: 'Ann' }, status: 401, type: 'invalid_request_error', param: undefined },
  { name: 'no key and broken JSON: the key is answered first', method: 'post', path: '/v1/customers', auth: null, contentType: JSON_TYPE, body: '{"name":', status: 401, type: 'invalid_request_error', param: undefined },
  { name: 'no key and an unsupported Content-Type: the key is answered first', method: 'post', path: '/v1/charges', auth: null, contentType: 'text/plain', body: 'amount=1', status: 401, type: 'invalid_request_error', param: undefined },
  { name: 'a key with a NUL byte', method: 'post', path: '/v1/customers', auth: basic('sk_test_abc\u0000def'), body: { name: 'Ann' }, status: 401, type: 'invalid_request_error', param: undefined },

  // Routes.
  { name: 'a path id with broken percent-encoding (GET)', method: 'get', path: '/v1/customers/%zz', status: 400, type: 'invalid_request_error', param: undefined },
  { name: 'a path id with broken percent-encoding (POST)', method: 'post', path: '/v1/charges/%zz/capture', body: { amount: 100 }, status: 400, type: 'invalid_request_error', param: undefined },
  { name: 'a path id that is not UTF-8 (DELETE)', method: 'delete', path: '/v1/customers/%ff%fe', status: 400, type: 'invalid_request_error', param: undefined },
  { name: 'a path id ending in a lone %', method: 'post', path: '/v1/customers/a%', body: { name: 'Mallory' }, status: 400, type: 'invalid_request_error', param: undefined },
  { name: 'a query parameter without a name on an endpoint that takes none', method: 'delete', path: '/_sandbox/data?=1', status: 400, type: 'invalid_request_error', param: undefined },
  { name: 'an unknown route with broken percent-encoding', method: 'get', path: '/v1/%zz', status: 400, type: 'invalid_request_error', param: undefined },
  // Another spelling of a route is not that route: each would otherwise create a charge outside
  // the idempotency layer, which knows `/v1/` as it is spelled.
  { name: 'an upper-case /V1 prefix', method: 'post', path: '/V1/charges', body: CHARGE_OK, status: 404, type: 'invalid_request_error', param: undefined },
  { name: 'an upper-case resource name', method: 'post', path: '/v1/CHARGES', body: CHARGE_OK, status: 404, type: 'invalid_request_error', param: undefined },
  { name: 'a trailing slash', method: 'post', path: '/v1/charges/', body: CHARGE_OK, status: 404, type: 'invalid_request_error', param: undefined },
  { name: 'an unknown route (GET)', method: 'get', path: '/v1/nothing', status: 404, type: 'invalid_request_error', param: undefined },
  { name: 'broken JSON posted to /health, which takes no POST', method: 'post', path: '/health', auth: null, contentType: JSON_TYPE, body: '{bad', status: 404, type: 'invalid_request_error', param: undefined },
  { name: 'a text/plain body posted outside the API, without a key', method: 'post', path: '/nowhere', auth: null, contentType: 'text/plain', body: 'x', status: 404, type: 'invalid_request_error', param: undefined },
  { name: "Stripe's customer search, which oncepay does not have, without a key", method: 'get', path: '/v1/customers/search?query=x', auth: null, status: 404, type: 'invalid_request_error', param: undefined },
  { name: "a POST to Stripe's charge search, not an update of a charge named search", method: 'post', path: '/v1/charges/search', body: { description: 'x' }, status: 404, type: 'invalid_request_error', param: undefined },
  { name: 'an unknown route (POST)', method: 'post', path: `/v1/charges/${CHARGE}/refund`, body: { amount: 100 }, status: 404, type: 'invalid_request_error', param: undefined },
];
