import { CardError, IdempotencyError, InvalidRequestError, ReplayedError } from '../common/errors';
import {
  answering,
  CHARGE,
  db,
  failing,
  fingerprint,
  interceptor,
  keys,
  PATH,
  rejection,
  rowId,
  send,
  stored,
  TTL,
  uniqueViolation,
  useFakeCollaborators,
} from './idempotency.interceptor.fakes';

/**
 * The key path of CONTRACT §5 through the interceptor, with its collaborators faked: the first
 * request with a key executes and saves its answer in its own transaction; a reuse replays it, or
 * is refused when its parameters or endpoint differ; a key held by another request is answered
 * `key_in_use` at once; an expired key starts afresh; an outcome error is saved but a refusal is
 * not. Which requests reach this path is in `idempotency.interceptor.scope.spec.ts`.
 */

useFakeCollaborators();

describe('IdempotencyInterceptor', () => {
  it('executes the first request with a key and saves its answer in the same transaction', async () => {
    const handler = answering(CHARGE);
    const { answer, headers } = send(handler, { key: 'k1' });
    await expect(answer).resolves.toEqual(CHARGE);
    expect(handler.handle).toHaveBeenCalledTimes(1);
    expect(db.log).toEqual(['find@-', 'claim+account-lock@1', 'handler@1', 'save@1', 'commit@1']);
    expect(keys.find).toHaveBeenCalledWith('acct_1', 'k1', TTL);
    expect(keys.save).toHaveBeenCalledWith({
      account: 'acct_1', key: 'k1', fingerprint, method: 'POST', path: PATH,
      statusCode: 200, responseBody: JSON.stringify(CHARGE), requestId: 'req_1',
    }, TTL, null);
    expect(db.committed.get(rowId('acct_1', 'k1'))?.responseBody).toBe(JSON.stringify(CHARGE));
    expect(headers.has('idempotent-replayed')).toBe(false);
  });

  it('replays the stored response for a reused key without calling the handler', async () => {
    db.insert(stored());
    const handler = answering({ id: 'ch_2' });
    const { answer, headers } = send(handler, { key: 'k1', body: { currency: 'usd', amount: '2000' } });
    const body = await answer;
    expect(JSON.stringify(body)).toBe(JSON.stringify(CHARGE));
    expect(handler.handle).not.toHaveBeenCalled();
    expect(keys.save).not.toHaveBeenCalled();
    expect(headers.get('idempotent-replayed')).toBe('true');
    expect(headers.get('original-request')).toBe('req_first');
  });

  it('replays a stored 402 as the same error, envelope byte for byte', async () => {
    const envelope = new CardError('Your card was declined.', { code: 'card_declined', decline_code: 'generic_decline', charge: 'ch_1' }).toEnvelope();
    db.insert(stored({ statusCode: 402, responseBody: JSON.stringify(envelope) }));
    const handler = answering(CHARGE);
    const { answer, headers } = send(handler, { key: 'k1' });
    const error = await rejection(answer);
    expect(error).toBeInstanceOf(ReplayedError);
    expect((error as ReplayedError).status).toBe(402);
    expect((error as ReplayedError).toEnvelope()).toEqual(envelope);
    expect(JSON.stringify((error as ReplayedError).toEnvelope())).toBe(JSON.stringify(envelope));
    expect(handler.handle).not.toHaveBeenCalled();
    expect(headers.get('idempotent-replayed')).toBe('true');
    expect(headers.get('original-request')).toBe('req_first');
  });

  it.each([409, 400, 422] as const)('refuses a key reused with other parameters with the configured status %i', async (status) => {
    db.insert(stored());
    const handler = answering(CHARGE);
    const error = await rejection(send(handler, { key: 'k1', body: { amount: '2001', currency: 'usd' } }, interceptor(status)).answer);
    expect(error).toBeInstanceOf(IdempotencyError);
    expect(error).toMatchObject({ status, type: 'idempotency_error', details: { code: 'idempotency_key_reused' } });
    expect((error as IdempotencyError).headers['Stripe-Should-Retry']).toBe('false');
    expect(handler.handle).not.toHaveBeenCalled();
    expect(keys.save).not.toHaveBeenCalled();
  });

  it('refuses a key reused on another endpoint with the same parameters', async () => {
    db.insert(stored());
    const handler = answering(CHARGE);
    const error = await rejection(send(handler, { key: 'k1', path: '/v1/customers' }).answer);
    expect(error).toMatchObject({ status: 409, details: { code: 'idempotency_key_reused' } });
    expect(handler.handle).not.toHaveBeenCalled();
  });

  it('takes the account lock after a hold, so a reset never waits for a held request', async () => {
    const { answer } = send(answering(CHARGE), { key: 'k1', held: true });
    await expect(answer).resolves.toEqual(CHARGE);
    expect(db.log).toEqual(['find@-', 'claim@1', 'hold@1', 'account-lock@1', 'handler@1', 'save@1', 'commit@1']);
  });

  it('answers 409 key_in_use at once while another request holds the key', async () => {
    db.heldElsewhere.add(rowId('acct_1', 'k1'));
    const handler = answering(CHARGE);
    const error = await rejection(send(handler, { key: 'k1' }).answer);
    expect(error).toBeInstanceOf(IdempotencyError);
    expect(error).toMatchObject({ status: 409, type: 'idempotency_error', details: { code: 'idempotency_key_in_use' } });
    expect((error as IdempotencyError).headers).toEqual({ 'Stripe-Should-Retry': 'true', 'Retry-After': '1' });
    expect(handler.handle).not.toHaveBeenCalled();
    expect(keys.save).not.toHaveBeenCalled();
    expect(db.committed.size).toBe(0);
  });

  it('replays a record that committed just before the lock was taken', async () => {
    db.insert(stored());
    keys.find.mockResolvedValueOnce(null); // the fast path ran before the first request committed
    const handler = answering({ id: 'ch_2' });
    const { answer, headers } = send(handler, { key: 'k1' });
    await expect(answer).resolves.toEqual(CHARGE);
    expect(keys.find).toHaveBeenCalledTimes(1);
    expect(keys.claim).toHaveBeenCalledTimes(1);
    expect(handler.handle).not.toHaveBeenCalled();
    expect(keys.save).not.toHaveBeenCalled();
    expect(headers.get('idempotent-replayed')).toBe('true');
  });

  it('treats an expired key as new: removes its record and executes afresh', async () => {
    db.insert(stored({ expired: true, fingerprint: 'f'.repeat(64), responseBody: '{"id":"ch_old"}' }));
    const handler = answering(CHARGE);
    const { answer, headers } = send(handler, { key: 'k1' });
    await expect(answer).resolves.toEqual(CHARGE);
    expect(keys.remove).toHaveBeenCalledWith(expect.objectContaining({ key: 'k1', responseBody: '{"id":"ch_old"}' }));
    expect(handler.handle).toHaveBeenCalledTimes(1);
    expect(db.committed.get(rowId('acct_1', 'k1'))).toMatchObject({ fingerprint, responseBody: JSON.stringify(CHARGE), requestId: 'req_1' });
    expect(headers.has('idempotent-replayed')).toBe(false);
  });

  it('keeps keys apart per account', async () => {
    db.insert(stored({ account: 'acct_2' }));
    const handler = answering({ id: 'ch_2' });
    await expect(send(handler, { key: 'k1' }).answer).resolves.toEqual({ id: 'ch_2' });
    expect(handler.handle).toHaveBeenCalledTimes(1);
  });

  it('saves an outcome error (a decline) with its status and envelope, then throws it', async () => {
    const decline = new CardError('Your card was declined.', { code: 'card_declined', decline_code: 'generic_decline', charge: 'ch_1' });
    const handler = failing(decline);
    await expect(send(handler, { key: 'k1' }).answer).rejects.toBe(decline);
    expect(db.log.at(-1)).toBe('commit@1');
    expect(db.committed.get(rowId('acct_1', 'k1'))).toMatchObject({
      statusCode: 402, responseBody: JSON.stringify(decline.toEnvelope()), requestId: 'req_1',
    });
  });

  it('does not save a refusal, so a corrected retry with the same key executes', async () => {
    const refusal = new InvalidRequestError('Missing required param: amount.', { param: 'amount' });
    await expect(send(failing(refusal), { key: 'k1' }).answer).rejects.toBe(refusal);
    expect(db.log.at(-1)).toBe('rollback@1');
    expect(db.committed.size).toBe(0);

    const retry = answering(CHARGE);
    await expect(send(retry, { key: 'k1' }).answer).resolves.toEqual(CHARGE);
    expect(retry.handle).toHaveBeenCalledTimes(1);
  });

  it('answers key_in_use and rolls back when the unique constraint rejects the save', async () => {
    keys.save.mockRejectedValueOnce(uniqueViolation());
    const handler = answering(CHARGE);
    const error = await rejection(send(handler, { key: 'k1' }).answer);
    expect(error).toBeInstanceOf(IdempotencyError);
    expect(error).toMatchObject({ status: 409, details: { code: 'idempotency_key_in_use' } });
    expect((error as IdempotencyError).headers).toEqual({ 'Stripe-Should-Retry': 'true', 'Retry-After': '1' });
    expect(db.log.at(-1)).toBe('rollback@1');
    expect(db.committed.size).toBe(0);
  });

  it('passes on a unique violation of another constraint, which a retry would not cure, and rolls back', async () => {
    const violation = uniqueViolation('customers_pkey');
    const error = await rejection(send(failing(violation), { key: 'k1' }).answer);
    expect(error).toBe(violation);
    expect(db.log.at(-1)).toBe('rollback@1');
    expect(db.committed.size).toBe(0);
  });
});
