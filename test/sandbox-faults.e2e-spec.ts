import { get, KEY, OTHER_KEY, post } from './helpers';
import { arm, CHARGE, committed, listFaults, t, useSandboxApp } from './sandbox-helpers';

/**
 * The sandbox control plane of CONTRACT §6, against the real app and PostgreSQL: arming and
 * disarming faults (`/_sandbox/faults`), and which requests an armed fault matches. What each
 * fault leaves behind is in `sandbox-fault-effects`; the request log and the reset in `sandbox-log`.
 */

useSandboxApp();

describe('arming faults (POST/GET/DELETE /_sandbox/faults)', () => {
  it('arms a fault from form parameters and describes it', async () => {
    const res = await post(t, '/_sandbox/faults', { fault: 'delay', method: 'POST', path: '/v1/charges', times: 3, delay_ms: 250 }).expect(200);
    expect(res.headers['request-id']).toMatch(/^req_/);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^flt_[0-9A-Za-z]+$/),
      object: 'sandbox.fault',
      fault: 'delay',
      method: 'POST',
      path: '/v1/charges',
      times: 3,
      remaining: 3,
      delay_ms: 250,
    });
  });

  it('arms a fault from JSON, with times defaulting to 1 and a prefix path kept with its *', async () => {
    const res = await t.http().post('/_sandbox/faults').auth(KEY, '').send({ fault: 'hold', path: '/v1/*', delay_ms: 300 }).expect(200);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^flt_/),
      object: 'sandbox.fault',
      fault: 'hold',
      method: null,
      path: '/v1/*',
      times: 1,
      remaining: 1,
      delay_ms: 300,
    });
  });

  it('lists the armed faults of the caller only', async () => {
    const a = await arm({ fault: 'rate_limit', path: '/v1/customers', times: 2 });
    const b = await arm({ fault: 'error_before_execute', method: 'GET' });
    await arm({ fault: 'delay' }, OTHER_KEY);

    const list = await listFaults();
    expect(list).toMatchObject({ object: 'list', url: '/_sandbox/faults', has_more: false });
    expect(list.data).toHaveLength(2);
    expect(list.data).toEqual(expect.arrayContaining([a, b]));
  });

  it('takes no Idempotency-Key and no Sandbox-Fault on its own calls: arming twice arms two faults, and a fault header is ignored', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await post(t, '/_sandbox/faults', { fault: 'rate_limit' }).set('Idempotency-Key', 'k-arm').set('Sandbox-Fault', 'bogus').expect(200);
      expect(res.headers['idempotent-replayed']).toBeUndefined();
    }
    expect((await listFaults()).data).toHaveLength(2);
    await t.http().delete('/_sandbox/data').auth(KEY, '').set('Sandbox-Fault', 'error_before_execute').expect(200);
    expect((await listFaults()).data).toEqual([]);
  });

  it('disarms a fault with DELETE, after which it no longer fires', async () => {
    const fault = await arm({ fault: 'error_before_execute', path: '/v1/customers' });
    const res = await t.http().delete(`/_sandbox/faults/${fault.id}`).auth(KEY, '').expect(200);
    expect(res.body).toEqual({ id: fault.id, object: 'sandbox.fault', deleted: true });

    expect((await listFaults()).data).toEqual([]);
    await post(t, '/v1/customers', { email: 'a@example.com' }).expect(200);
    await t.http().delete(`/_sandbox/faults/${fault.id}`).auth(KEY, '').expect(404);
  });

  it('answers 404 to disarming a fault that has fired all its times, as the list no longer shows it', async () => {
    const spent = await arm({ fault: 'rate_limit', path: '/v1/customers', times: 2 });
    const unfired = await arm({ fault: 'rate_limit', path: '/v1/charges' });
    await post(t, '/v1/customers', { name: 'first' }).expect(429);
    await post(t, '/v1/customers', { name: 'second' }).expect(429);
    expect((await listFaults()).data.map((f: { id: string }) => f.id)).toEqual([unfired.id]);

    const res = await t.http().delete(`/_sandbox/faults/${spent.id}`).auth(KEY, '').expect(404);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', code: 'resource_missing', param: 'id' });
    await t.http().delete(`/_sandbox/faults/${unfired.id}`).auth(KEY, '').expect(200);
  });

  it.each([
    ['no fault', {}, 'fault'],
    ['an unknown fault', { fault: 'explode' }, 'fault'],
    ['a bad method', { fault: 'delay', method: 'PATCH' }, 'method'],
    ['a path without a leading /', { fault: 'delay', path: 'v1/charges' }, 'path'],
    ['a path outside /v1, where faults never act', { fault: 'delay', path: '/_sandbox/faults' }, 'path'],
    ['a prefix outside /v1', { fault: 'delay', path: '/health*' }, 'path'],
    ['a path with a query string, which no request path has', { fault: 'delay', path: '/v1/charges?expand[]=customer' }, 'path'],
    ['a path with a .. segment', { fault: 'delay', path: '/v1/../_sandbox/data' }, 'path'],
    ['an exact . segment', { fault: 'delay', path: '/v1/charges/.' }, 'path'],
    ['a trailing /, which no route has', { fault: 'delay', path: '/v1/customers/' }, 'path'],
    ['an empty segment', { fault: 'delay', path: '/v1//customers' }, 'path'],
    ['a broken percent-escape, refused before faults run', { fault: 'delay', path: '/v1/customers/%zz' }, 'path'],
    ['a dot segment spelled in escapes', { fault: 'delay', path: '/v1/%2e%2e/charges' }, 'path'],
    ['escapes of bytes that are not UTF-8', { fault: 'delay', path: '/v1/customers/%C0%AF' }, 'path'],
    ['a prefix ending in a byte that starts no character', { fault: 'delay', path: '/v1/customers/%FF*' }, 'path'],
    ['a prefix ending in the start of an overlong character', { fault: 'delay', path: '/v1/customers/%E0%80*' }, 'path'],
    ['an escaped * in a prefix', { fault: 'delay', path: '/v1/charges%2A*' }, 'path'],
    ['an exact path ending in an escaped *, which would read as a prefix', { fault: 'delay', path: '/v1/customers/%2A' }, 'path'],
    ['times 0', { fault: 'delay', times: 0 }, 'times'],
    ['delay_ms -1', { fault: 'delay', delay_ms: -1 }, 'delay_ms'],
    ['delay_ms 999999', { fault: 'delay', delay_ms: 999999 }, 'delay_ms'],
    ['an unknown parameter', { fault: 'delay', colour: 'red' }, 'colour'],
  ])('refuses %s with 400 naming the param, arming nothing', async (_name, params, param) => {
    for (const send of [
      () => post(t, '/_sandbox/faults', params),
      () => t.http().post('/_sandbox/faults').auth(KEY, '').send(params),
    ]) {
      const res = await send();
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param });
    }
    expect(await committed('sandbox_faults')).toBe(0);
  });

  it("answers 404 for another account's fault id and leaves that fault armed", async () => {
    const theirs = await arm({ fault: 'error_before_execute' }, OTHER_KEY);
    const res = await t.http().delete(`/_sandbox/faults/${theirs.id}`).auth(KEY, '').expect(404);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', code: 'resource_missing' });
    expect((await listFaults(OTHER_KEY)).data).toEqual([theirs]);
    await post(t, '/v1/customers', {}, OTHER_KEY).expect(500);
  });
});

describe('which requests a fault matches', () => {
  it('fires only on the armed method', async () => {
    await arm({ fault: 'error_before_execute', method: 'GET' });
    await post(t, '/v1/customers', {}).expect(200);
    const res = await get(t, '/v1/customers').expect(500);
    expect(res.body.error.type).toBe('api_error');
    await get(t, '/v1/customers').expect(200);
  });

  it('fires on no HEAD request, and a HEAD counts no fault down', async () => {
    const armed = await arm({ fault: 'error_before_execute', times: 2 });
    await t.http().head('/v1/customers').auth(KEY, '').expect(200);
    expect((await listFaults()).data).toEqual([{ ...armed, remaining: 2 }]);
    await get(t, '/v1/customers').expect(500);
  });

  it('fires only on the exact path', async () => {
    await arm({ fault: 'error_before_execute', path: '/v1/customers' });
    const { body: charge } = await post(t, '/v1/charges', CHARGE).expect(200);
    await get(t, `/v1/charges/${charge.id}`).expect(200);
    // A longer path under the armed one is not the armed path.
    const missing = await get(t, '/v1/customers/cus_missing').expect(404);
    expect(missing.body.error.code).toBe('resource_missing');
    await post(t, '/v1/customers', {}).expect(500);
    await post(t, '/v1/customers', {}).expect(200);
  });

  it('matches a path however its escapes spell it, and shows the path in one spelling', async () => {
    const fault = await arm({ fault: 'rate_limit', path: '/v1/%63ustomers', times: 2 });
    expect(fault.path).toBe('/v1/customers');
    await post(t, '/v1/customers', {}).expect(429);
    await post(t, '/v1/cust%6fmers', {}).expect(429);
    await post(t, '/v1/customers', {}).expect(200);
  });

  it('fires a prefix that ends inside a character on the paths that finish it, however both are spelled', async () => {
    const fault = await arm({ fault: 'rate_limit', method: 'GET', path: '/v1/%63ustomers/caf%c3*' });
    expect(fault.path).toBe('/v1/customers/caf%C3*');
    await get(t, '/v1/customers/caf%C3%A9').expect(429);
  });

  it('arms a path written with characters a request escapes, and fires on the escaped request', async () => {
    const fault = await arm({ fault: 'rate_limit', path: '/v1/customers/cus_café' });
    expect(fault.path).toBe('/v1/customers/cus_caf%C3%A9');
    await get(t, '/v1/customers/cus_caf%c3%a9').expect(429);
  });

  it('fires on every path under a prefix ending in *', async () => {
    await arm({ fault: 'error_before_execute', path: '/v1/charges*', times: 2 });
    await post(t, '/v1/customers', {}).expect(200);
    await get(t, '/v1/customers').expect(200);
    await get(t, '/v1/charges/ch_anything').expect(500);
    await post(t, '/v1/charges', CHARGE).expect(500);
    expect((await listFaults()).data).toEqual([]);
  });

  it('fires exactly `times` times, then stops', async () => {
    const fault = await arm({ fault: 'rate_limit', path: '/v1/customers', times: 2 });
    await post(t, '/v1/customers', {}).expect(429);
    expect((await listFaults()).data).toEqual([{ ...fault, remaining: 1 }]);
    await post(t, '/v1/customers', {}).expect(429);
    await post(t, '/v1/customers', {}).expect(200);
    await post(t, '/v1/customers', {}).expect(200);
    expect((await listFaults()).data).toEqual([]);
    expect(await committed('customers')).toBe(2);
  });

  it('fires two overlapping faults exactly their times among many requests at once, and keeps no row of a spent fault', async () => {
    for (let round = 0; round < 10; round++) {
      await arm({ fault: 'rate_limit', path: '/v1/customers', times: 3 });
      await arm({ fault: 'rate_limit', path: '/v1/*', times: 2 });
      const statuses = await Promise.all(Array.from({ length: 24 }, () => post(t, '/v1/customers', {}).then((res) => res.status)));
      expect({ round, limited: statuses.filter((s) => s === 429).length, created: statuses.filter((s) => s === 200).length }).toEqual({ round, limited: 5, created: 19 });
      // A spent fault leaves nothing behind for later requests' lookups to read.
      expect(await committed('sandbox_faults')).toBe(0);
    }
    expect(await committed('customers')).toBe(190);
  });

  it("never touches another account's requests", async () => {
    const fault = await arm({ fault: 'error_before_execute' });
    await post(t, '/v1/customers', {}, OTHER_KEY).expect(200);
    await post(t, '/v1/charges', CHARGE, OTHER_KEY).expect(200);
    expect((await listFaults()).data).toEqual([fault]);
    await post(t, '/v1/customers', {}).expect(500);
  });
});
