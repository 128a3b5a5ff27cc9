import { InvalidRequestError } from '../common/errors';
import { answering, CHARGE, db, keys, PATH, rejection, rowId, send, txHost, useFakeCollaborators } from './idempotency.interceptor.fakes';

/**
 * Which requests the interceptor takes up, with its collaborators faked: anything but a POST under
 * `/v1` passes straight through, a POST without a key runs once in a transaction of its own, and a
 * key that is not 1 to 255 printable ASCII characters is refused before any lock is tried. What
 * happens to a valid key is in `idempotency.interceptor.keyed.spec.ts`.
 */

useFakeCollaborators();

describe('IdempotencyInterceptor', () => {
  it.each([
    ['GET', PATH],
    ['DELETE', '/v1/customers/cus_1'],
    ['POST', '/health'],
  ])('lets %s %s pass straight through, ignoring even an invalid key', async (method, path) => {
    const handler = answering(CHARGE);
    const { answer, headers } = send(handler, { method, path, key: '' });
    await expect(answer).resolves.toEqual(CHARGE);
    expect(handler.handle).toHaveBeenCalledTimes(1);
    expect(txHost.withTransaction).not.toHaveBeenCalled();
    expect(keys.claim).not.toHaveBeenCalled();
    expect(keys.find).not.toHaveBeenCalled();
    expect(keys.save).not.toHaveBeenCalled();
    expect(headers.size).toBe(0);
  });

  it('runs a POST without a key once, in a transaction, and saves nothing', async () => {
    const handler = answering(CHARGE);
    await expect(send(handler).answer).resolves.toEqual(CHARGE);
    expect(handler.handle).toHaveBeenCalledTimes(1);
    expect(db.log).toEqual(['account-lock@1', 'handler@1', 'commit@1']);
    expect(keys.save).not.toHaveBeenCalled();
    expect(db.committed.size).toBe(0);
  });

  it.each([
    ['256 characters', 'k'.repeat(256)],
    ['empty', ''],
    ['a newline', 'abc\ndef'],
    ['a tab', 'abc\tdef'],
    ['DEL', 'abc\x7f'],
    ['a non-ASCII letter', 'clé'],
  ])('refuses a key that is %s with 400 before trying the lock', async (_what, key) => {
    const handler = answering(CHARGE);
    const error = await rejection(send(handler, { key }).answer);
    expect(error).toBeInstanceOf(InvalidRequestError);
    expect(error).toMatchObject({ status: 400, details: { code: 'idempotency_key_invalid', param: 'Idempotency-Key' } });
    expect(keys.claim).not.toHaveBeenCalled();
    expect(keys.find).not.toHaveBeenCalled();
    expect(handler.handle).not.toHaveBeenCalled();
  });

  it('accepts a key of 255 printable characters, space and tilde included', async () => {
    const key = Array.from({ length: 255 }, (_, i) => String.fromCharCode(0x20 + (i % 95))).join('');
    const { answer } = send(answering(CHARGE), { key });
    await expect(answer).resolves.toEqual(CHARGE);
    expect(db.committed.has(rowId('acct_1', key))).toBe(true);
  });
});
