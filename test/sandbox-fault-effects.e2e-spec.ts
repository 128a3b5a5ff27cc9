import { setTimeout as sleep } from 'node:timers/promises';
import Stripe from 'stripe';
import { KEY } from './helpers';
import {
  arm,
  CHARGE,
  committed,
  DECLINED,
  DELAY_MS,
  expectExecuted,
  fetchPost,
  HOLD_MS,
  keyed,
  LogEntry,
  observer,
  port,
  requestLog,
  track,
  untilHeld,
  useSandboxApp,
  waitFor,
} from './sandbox-helpers';

/**
 * The sandbox's faults of CONTRACT §6 at work, against the real app and PostgreSQL: what each fault
 * leaves behind (the table's "what the server keeps"), the `Sandbox-Fault` header that applies one
 * to a single request, and the stripe SDK's retries through faults. `observer` (see
 * `sandbox-helpers`) tells committed rows from rows still in flight without timing.
 */

useSandboxApp();

describe('what each fault leaves behind (CONTRACT §6)', () => {
  it('drop_after_commit: closes the connection, keeps the charge and its record, and the retry replays it', async () => {
    await arm({ fault: 'drop_after_commit', path: '/v1/charges' });
    await expect(fetchPost('/v1/charges', CHARGE, { 'Idempotency-Key': 'k-drop-after' })).rejects.toThrow(/fetch failed/);

    const charges: { id: string }[] = (await observer.query(`SELECT id FROM charges`)).rows;
    expect(charges).toHaveLength(1);
    const { rows: records } = await observer.query(`SELECT key, status_code FROM idempotency_keys`);
    expect(records).toEqual([{ key: 'k-drop-after', status_code: 200 }]);

    const retry = await keyed('/v1/charges', 'k-drop-after', CHARGE).expect(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe(charges[0].id);
    expect(await committed('charges')).toBe(1);
  });

  it('drop_before_execute: closes the connection, writes nothing, and the retry executes', async () => {
    await arm({ fault: 'drop_before_execute', path: '/v1/charges' });
    await expect(fetchPost('/v1/charges', CHARGE, { 'Idempotency-Key': 'k-drop-before' })).rejects.toThrow(/fetch failed/);
    expect(await committed('charges')).toBe(0);
    expect(await committed('idempotency_keys')).toBe(0);

    expectExecuted(await keyed('/v1/charges', 'k-drop-before', CHARGE));
    expect(await committed('charges')).toBe(1);
  });

  it('error_after_commit: answers 500, keeps the charge and its real result, and the retry replays the 200', async () => {
    await arm({ fault: 'error_after_commit' });
    const res = await keyed('/v1/charges', 'k-error-after', CHARGE).expect(500);
    expect(res.body.error).toMatchObject({ type: 'api_error' });

    const { rows: charges } = await observer.query(`SELECT id, status FROM charges`);
    expect(charges).toEqual([{ id: expect.stringMatching(/^ch_/), status: 'succeeded' }]);
    const { rows: records } = await observer.query(`SELECT key, status_code FROM idempotency_keys`);
    expect(records).toEqual([{ key: 'k-error-after', status_code: 200 }]);

    const retry = await keyed('/v1/charges', 'k-error-after', CHARGE).expect(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body).toMatchObject({ id: charges[0].id, status: 'succeeded', paid: true });
    expect(await committed('charges')).toBe(1);
  });

  it('error_after_commit on a declined card: the retry replays the real 402 naming the failed charge', async () => {
    await arm({ fault: 'error_after_commit' });
    const res = await keyed('/v1/charges', 'k-error-declined', DECLINED).expect(500);
    expect(res.body.error).toMatchObject({ type: 'api_error' });

    const { rows: charges } = await observer.query(`SELECT id, status FROM charges`);
    expect(charges).toEqual([{ id: expect.stringMatching(/^ch_/), status: 'failed' }]);
    const { rows: records } = await observer.query(`SELECT key, status_code FROM idempotency_keys`);
    expect(records).toEqual([{ key: 'k-error-declined', status_code: 402 }]);

    const retry = await keyed('/v1/charges', 'k-error-declined', DECLINED).expect(402);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.error).toMatchObject({ type: 'card_error', code: 'card_declined', charge: charges[0].id });
    expect(await committed('charges')).toBe(1);
  });

  it('error_before_execute: answers 500, writes nothing, and the retry executes', async () => {
    await arm({ fault: 'error_before_execute' });
    const res = await keyed('/v1/charges', 'k-error-before', CHARGE).expect(500);
    expect(res.body.error).toMatchObject({ type: 'api_error' });
    expect(await committed('charges')).toBe(0);
    expect(await committed('idempotency_keys')).toBe(0);

    expectExecuted(await keyed('/v1/charges', 'k-error-before', CHARGE));
    expect(await committed('charges')).toBe(1);
  });

  it('delay: commits the charge before the delayed answer arrives', async () => {
    await arm({ fault: 'delay', path: '/v1/charges', delay_ms: DELAY_MS });
    const response = track(keyed('/v1/charges', 'k-delay', CHARGE));

    await waitFor('the delayed charge to be committed', async () => (await committed('charges')) > 0);
    expect(response.settled).toBe(false);
    expect(await committed('idempotency_keys')).toBe(1);
    // Committed, not merely written: a retry during the delay already gets the replay.
    const { rows } = await observer.query(`SELECT id FROM charges`);
    const retry = await keyed('/v1/charges', 'k-delay', CHARGE).expect(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe(rows[0].id);
    expect(response.settled).toBe(false);

    const res = await response.result;
    expectExecuted(res);
    expect(res.body.id).toBe(rows[0].id);
    expect(await committed('charges')).toBe(1);
  });

  it('hold: keeps the request in flight with its key locked, so a concurrent retry gets key_in_use', async () => {
    await arm({ fault: 'hold', path: '/v1/charges', delay_ms: HOLD_MS });
    const first = track(keyed('/v1/charges', 'k-hold', CHARGE));
    await untilHeld();

    // The held request has not run its endpoint yet: there is no charge and no record.
    expect(await committed('charges')).toBe(0);
    expect(await committed('idempotency_keys')).toBe(0);
    const concurrent = await keyed('/v1/charges', 'k-hold', CHARGE);
    expect(concurrent.status).toBe(409);
    expect(concurrent.body.error).toMatchObject({ type: 'idempotency_error', code: 'idempotency_key_in_use' });
    expect(first.settled).toBe(false);

    const done = await first.result;
    expectExecuted(done);
    const retry = await keyed('/v1/charges', 'k-hold', CHARGE).expect(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe(done.body.id);
    expect(await committed('charges')).toBe(1);
  });

  it('rate_limit: answers 429 rate_limit, writes nothing, and the retry executes', async () => {
    await arm({ fault: 'rate_limit' });
    const res = await keyed('/v1/charges', 'k-rate', CHARGE).expect(429);
    expect(res.body.error).toMatchObject({ code: 'rate_limit' });
    expect(res.headers['stripe-should-retry']).toBe('true');
    expect(await committed('charges')).toBe(0);
    expect(await committed('idempotency_keys')).toBe(0);

    expectExecuted(await keyed('/v1/charges', 'k-rate', CHARGE));
    expect(await committed('charges')).toBe(1);
  });
});

describe('the Sandbox-Fault header', () => {
  it('applies hold to a replay too: the stored answer comes, delay_ms late', async () => {
    const first = await keyed('/v1/charges', 'k-held-replay', CHARGE).expect(200);
    const replay = track(keyed('/v1/charges', 'k-held-replay', CHARGE).set('Sandbox-Fault', `hold; delay_ms=${HOLD_MS}`));
    // Half the hold has passed, however slow the machine: the server cannot have answered yet.
    await sleep(HOLD_MS / 2);
    expect(replay.settled).toBe(false);
    const res = await replay.result;
    expect(res.status).toBe(200);
    expect(res.headers['idempotent-replayed']).toBe('true');
    expect(res.body.id).toBe(first.body.id);
    expect(await committed('charges')).toBe(1);
  });

  it('refuses a held POST whose Idempotency-Key is malformed at once, without waiting out its hold', async () => {
    // A hold three times longer than this test may take: a refusal that waited it out fails it.
    const res = await keyed('/v1/charges', 'k'.repeat(256), CHARGE).set('Sandbox-Fault', 'hold; delay_ms=60000');
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ code: 'idempotency_key_invalid', param: 'Idempotency-Key' });
    expect(await committed('charges')).toBe(0);
  }, 20_000);

  it('answers error_after_commit on a replay as a plain 500, without the replay headers', async () => {
    const first = await keyed('/v1/charges', 'k-replayed-error', CHARGE).expect(200);
    const res = await keyed('/v1/charges', 'k-replayed-error', CHARGE).set('Sandbox-Fault', 'error_after_commit').expect(500);
    expect(res.body.error).toMatchObject({ type: 'api_error' });
    expect(res.headers['idempotent-replayed']).toBeUndefined();
    expect(res.headers['original-request']).toBeUndefined();
    // The fault replaced only that answer: the key still replays the charge.
    const retry = await keyed('/v1/charges', 'k-replayed-error', CHARGE).expect(200);
    expect(retry.headers['original-request']).toBe(first.headers['request-id']);
    expect(retry.body.id).toBe(first.body.id);
  });

  it('applies error_after_commit to that one request', async () => {
    const res = await keyed('/v1/charges', 'k-header-error', CHARGE).set('Sandbox-Fault', 'error_after_commit').expect(500);
    expect(res.body.error).toMatchObject({ type: 'api_error' });
    const { rows: charges } = await observer.query(`SELECT id FROM charges`);
    expect(charges).toHaveLength(1);

    const retry = await keyed('/v1/charges', 'k-header-error', CHARGE).expect(200);
    expect(retry.headers['idempotent-replayed']).toBe('true');
    expect(retry.body.id).toBe(charges[0].id);
    expectExecuted(await keyed('/v1/charges', 'k-header-next', CHARGE));
  });

  it('applies hold with its delay_ms: a concurrent retry gets key_in_use, then the first answers 200', async () => {
    const first = track(keyed('/v1/charges', 'k-header-hold', CHARGE).set('Sandbox-Fault', 'hold; delay_ms=500'));
    await untilHeld();
    const concurrent = await keyed('/v1/charges', 'k-header-hold', CHARGE);
    expect(concurrent.status).toBe(409);
    expect(concurrent.body.error.code).toBe('idempotency_key_in_use');

    expectExecuted(await first.result);
    expect(await committed('charges')).toBe(1);
  });

  it.each(['explode', 'hold; delay_ms=soon', 'delay; delay_ms=999999', 'drop_after_commit; delay_ms=500'])(
    "refuses Sandbox-Fault '%s' with 400 param Sandbox-Fault, writing nothing",
    async (value) => {
      const res = await keyed('/v1/charges', 'k-header-bad', CHARGE).set('Sandbox-Fault', value);
      expect(res.status).toBe(400);
      expect(res.body.error).toMatchObject({ type: 'invalid_request_error', param: 'Sandbox-Fault' });
      expect(await committed('charges')).toBe(0);
      expect(await committed('idempotency_keys')).toBe(0);

      expectExecuted(await keyed('/v1/charges', 'k-header-bad', CHARGE));
    },
  );
});

describe('the stripe SDK retrying through faults', () => {
  const stripe = () => new Stripe(KEY, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 3 });

  /** The charge in the database, and the log of the SDK's attempts, newest first. */
  async function afterCall(): Promise<{ chargeIds: string[]; log: LogEntry[] }> {
    const { rows } = await observer.query(`SELECT id FROM charges`);
    return { chargeIds: rows.map((r: { id: string }) => r.id), log: (await requestLog()).data };
  }

  it('drop_after_commit: the retry with the generated key is a replay, and one charge exists', async () => {
    await arm({ fault: 'drop_after_commit', path: '/v1/charges' });
    const charge = await stripe().charges.create(CHARGE);

    expect(charge.lastResponse.headers['idempotent-replayed']).toBe('true');
    const { chargeIds, log } = await afterCall();
    expect(chargeIds).toEqual([charge.id]);
    const key = charge.lastResponse.idempotencyKey;
    expect(key).toMatch(/^stripe-node-retry-/);
    expect(log.map((e) => [e.outcome, e.status, e.fault, e.idempotency_key])).toEqual([
      ['replayed', 200, null, key],
      ['faulted', null, 'drop_after_commit', key],
    ]);
  });

  it('error_after_commit: the retry replays the real result, and one charge exists', async () => {
    await arm({ fault: 'error_after_commit', path: '/v1/charges' });
    const charge = await stripe().charges.create(CHARGE);

    expect(charge.lastResponse.headers['idempotent-replayed']).toBe('true');
    const { chargeIds, log } = await afterCall();
    expect(chargeIds).toEqual([charge.id]);
    expect(log.map((e) => [e.outcome, e.status, e.fault])).toEqual([
      ['replayed', 200, null],
      ['faulted', 500, 'error_after_commit'],
    ]);
  });

  it('rate_limit: the SDK follows Stripe-Should-Retry, the retry executes, and one charge exists', async () => {
    await arm({ fault: 'rate_limit', path: '/v1/charges' });
    const charge = await stripe().charges.create(CHARGE);

    expect(charge.lastResponse.headers).not.toHaveProperty('idempotent-replayed');
    const { chargeIds, log } = await afterCall();
    expect(chargeIds).toEqual([charge.id]);
    expect(log.map((e) => [e.outcome, e.status, e.fault])).toEqual([
      ['executed', 200, null],
      ['faulted', 429, 'rate_limit'],
    ]);
  });
});
