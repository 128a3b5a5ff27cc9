import 'reflect-metadata';
import type { TransactionHost } from '@nestjs-cls/transactional';
import type { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import type { CallHandler } from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants';
import type { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import type { Request } from 'express';
import { lastValueFrom, of, throwError } from 'rxjs';
import { QueryFailedError } from 'typeorm';
import type { AppConfig } from '../common/config';
import { CardError, IdempotencyError, InvalidRequestError, ReplayedError } from '../common/errors';
import type { Params } from '../common/params';
import { setContext } from '../common/request-context';
import { requestFingerprint } from './fingerprint';
import type { IdempotencyKey } from './idempotency-key.entity';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import type { FoundKey, IdempotencyService, NewKey } from './idempotency.service';

const TTL = 86_400;
const PATH = '/v1/charges';
const PARAMS: Params = { amount: '2000', currency: 'usd' };
const CHARGE = { id: 'ch_1', object: 'charge', amount: 2000, currency: 'usd', paid: true };

/** The route's handler, marked as `@HttpCode(200)` marks it. */
const create = function create() {};
Reflect.defineMetadata(HTTP_CODE_METADATA, 200, create);

const rowId = (account: string, key: string) => `${account}\n${key}`;

/**
 * An in-memory stand-in for PostgreSQL: rows written in a transaction become visible to others
 * only when it commits, and vanish with its locks when it rolls back. `log` records each step
 * with the transaction it ran in (`-` for none), so a test can read the order of events.
 */
class FakeDatabase {
  committed = new Map<string, FoundKey>();
  /** Locks held by another transaction, in this process or another one. */
  heldElsewhere = new Set<string>();
  log: string[] = [];
  private working: Map<string, FoundKey> | null = null;
  private tx = 0;

  get rows() {
    return this.working ?? this.committed;
  }
  get current() {
    return this.working ? String(this.tx) : '-';
  }
  record(event: string) {
    this.log.push(`${event}@${this.current}`);
  }
  insert(row: Omit<FoundKey, 'id' | 'createdAt'>) {
    this.committed.set(rowId(row.account, row.key), { ...row, id: String(this.committed.size + 1), createdAt: new Date() });
  }
  async withTransaction<R>(fn: () => Promise<R>): Promise<R> {
    if (this.working) throw new Error('the fake does not nest transactions');
    this.working = new Map(this.committed);
    this.tx += 1;
    try {
      const result = await fn();
      this.record('commit');
      this.committed = this.working;
      return result;
    } catch (error) {
      this.record('rollback');
      throw error;
    } finally {
      this.working = null;
    }
  }
}

const uniqueViolation = () =>
  new QueryFailedError('INSERT INTO "idempotency_keys" …', [], Object.assign(new Error('duplicate key value'), { code: '23505' }));

let db: FakeDatabase;
let keys: { [K in 'tryLock' | 'find' | 'remove' | 'save']: jest.Mock };
let txHost: { withTransaction: jest.Mock };

function interceptor(mismatchStatus: 409 | 400 | 422 = 409) {
  const values: Partial<AppConfig> = { IDEMPOTENCY_MISMATCH_STATUS: mismatchStatus, IDEMPOTENCY_KEY_TTL: TTL };
  const config = { get: jest.fn((name: keyof AppConfig) => values[name]) };
  return new IdempotencyInterceptor(
    keys as unknown as IdempotencyService,
    txHost as unknown as TransactionHost<TransactionalAdapterTypeOrm>,
    new Reflector(),
    config as unknown as ConfigService<AppConfig, true>,
  );
}

beforeEach(() => {
  db = new FakeDatabase();
  keys = {
    tryLock: jest.fn(async (account: string, key: string) => {
      db.record('lock');
      return !db.heldElsewhere.has(rowId(account, key));
    }),
    find: jest.fn(async (account: string, key: string, _ttl: number) => {
      db.record('find');
      return db.rows.get(rowId(account, key)) ?? null;
    }),
    remove: jest.fn(async (row: IdempotencyKey) => {
      db.record('remove');
      db.rows.delete(rowId(row.account, row.key));
    }),
    save: jest.fn(async (row: NewKey) => {
      db.record('save');
      if (db.rows.has(rowId(row.account, row.key))) throw uniqueViolation();
      db.rows.set(rowId(row.account, row.key), { ...row, id: 'new', createdAt: new Date(), expired: false });
    }),
  };
  // withTransaction(fn) or withTransaction(options, fn), as @nestjs-cls/transactional accepts.
  txHost = {
    withTransaction: jest.fn((...args: unknown[]) => db.withTransaction(args[args.length - 1] as () => Promise<unknown>)),
  };
});

const answering = (body: unknown) => ({
  handle: jest.fn(() => {
    db.record('handler');
    return of(body);
  }),
});
const failing = (error: Error) => ({
  handle: jest.fn(() => {
    db.record('handler');
    return throwError(() => error);
  }),
});

interface Call {
  method?: string;
  path?: string;
  key?: string;
  body?: Params;
  account?: string;
}

/** Sends one request through the interceptor; returns its answer and the headers it set. */
function send(handler: CallHandler, call: Call = {}, subject = interceptor()) {
  const { method = 'POST', path = PATH, key, body = PARAMS, account = 'acct_1' } = call;
  const req = { method, path, headers: key === undefined ? {} : { 'idempotency-key': key }, body } as unknown as Request;
  setContext(req, { requestId: 'req_1', account });
  const headers = new Map<string, string>();
  const res = { setHeader: jest.fn((name: string, value: string) => headers.set(name.toLowerCase(), value)) };
  const context = new ExecutionContextHost([req, res], class ChargesController {}, create);
  return { answer: lastValueFrom(subject.intercept(context, handler)), headers };
}

async function rejection(answer: Promise<unknown>): Promise<unknown> {
  try {
    await answer;
  } catch (error) {
    return error;
  }
  throw new Error('expected the request to be refused, but it was answered');
}

const fingerprint = requestFingerprint('POST', PATH, PARAMS);
const stored = (over: Partial<FoundKey> = {}) => ({
  account: 'acct_1', key: 'k1', fingerprint, method: 'POST', path: PATH, statusCode: 200,
  responseBody: JSON.stringify(CHARGE), requestId: 'req_first', expired: false, ...over,
});

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
    expect(keys.tryLock).not.toHaveBeenCalled();
    expect(keys.find).not.toHaveBeenCalled();
    expect(keys.save).not.toHaveBeenCalled();
    expect(headers.size).toBe(0);
  });

  it('runs a POST without a key once, in a transaction, and saves nothing', async () => {
    const handler = answering(CHARGE);
    await expect(send(handler).answer).resolves.toEqual(CHARGE);
    expect(handler.handle).toHaveBeenCalledTimes(1);
    expect(db.log).toEqual(['handler@1', 'commit@1']);
    expect(keys.save).not.toHaveBeenCalled();
    expect(db.committed.size).toBe(0);
  });

  it('executes the first request with a key and saves its answer in the same transaction', async () => {
    const handler = answering(CHARGE);
    const { answer, headers } = send(handler, { key: 'k1' });
    await expect(answer).resolves.toEqual(CHARGE);
    expect(handler.handle).toHaveBeenCalledTimes(1);
    expect(db.log).toEqual(['find@-', 'lock@1', 'find@1', 'handler@1', 'save@1', 'commit@1']);
    expect(keys.find).toHaveBeenCalledWith('acct_1', 'k1', TTL);
    expect(keys.save).toHaveBeenCalledWith({
      account: 'acct_1', key: 'k1', fingerprint, method: 'POST', path: PATH,
      statusCode: 200, responseBody: JSON.stringify(CHARGE), requestId: 'req_1',
    });
    expect(db.committed.get(rowId('acct_1', 'k1'))?.responseBody).toBe(JSON.stringify(CHARGE));
    expect(headers.get('idempotency-key')).toBe('k1');
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
    expect(keys.tryLock).toHaveBeenCalledTimes(1);
    expect(keys.find).toHaveBeenCalledTimes(2);
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
    expect(keys.tryLock).not.toHaveBeenCalled();
    expect(keys.find).not.toHaveBeenCalled();
    expect(handler.handle).not.toHaveBeenCalled();
  });

  it('accepts a key of 255 printable characters, space and tilde included', async () => {
    const key = Array.from({ length: 255 }, (_, i) => String.fromCharCode(0x20 + (i % 95))).join('');
    const { answer, headers } = send(answering(CHARGE), { key });
    await expect(answer).resolves.toEqual(CHARGE);
    expect(db.committed.has(rowId('acct_1', key))).toBe(true);
    expect(headers.get('idempotency-key')).toBe(key);
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
});
