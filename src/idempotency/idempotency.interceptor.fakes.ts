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
import type { Params } from '../common/params';
import { setContext } from '../common/request-context';
import { requestFingerprint } from './fingerprint';
import { IdempotencyInterceptor } from './idempotency.interceptor';
import type { FoundKey, IdempotencyService, NewKey } from './idempotency.service';

/**
 * The interceptor's collaborators faked for its unit specs (`idempotency.interceptor.*.spec.ts`):
 * an in-memory database behind `IdempotencyService` and the transaction host, handlers that answer
 * or fail, and `send`, which puts one request through the interceptor as Nest would.
 */

export const TTL = 86_400;
export const PATH = '/v1/charges';
const PARAMS: Params = { amount: '2000', currency: 'usd' };
export const CHARGE = { id: 'ch_1', object: 'charge', amount: 2000, currency: 'usd', paid: true };

/** The route's handler, marked as `@HttpCode(200)` marks it. */
const create = function create() {};
Reflect.defineMetadata(HTTP_CODE_METADATA, 200, create);

export const rowId = (account: string, key: string) => `${account}\n${key}`;

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

/** A unique violation as TypeORM reports pg's, by default of the idempotency keys' own constraint. */
export const uniqueViolation = (constraint = 'idempotency_keys_account_key_unique') =>
  new QueryFailedError('INSERT INTO …', [], Object.assign(new Error('duplicate key value'), { code: '23505', constraint }));

/** The fakes of the test running now, set afresh before each test by `useFakeCollaborators`. */
export let db: FakeDatabase;
export let keys: { [K in 'claim' | 'find' | 'remove' | 'save']: jest.Mock };
export let txHost: { withTransaction: jest.Mock; tx: { query: jest.Mock } };

/** Builds the interceptor on the fakes, with the mismatch status a deployment may configure. */
export function interceptor(mismatchStatus: 409 | 400 | 422 = 409) {
  const values: Partial<AppConfig> = { IDEMPOTENCY_MISMATCH_STATUS: mismatchStatus, IDEMPOTENCY_KEY_TTL: TTL };
  const config = { get: jest.fn((name: keyof AppConfig) => values[name]) };
  return new IdempotencyInterceptor(
    keys as unknown as IdempotencyService,
    txHost as unknown as TransactionHost<TransactionalAdapterTypeOrm>,
    new Reflector(),
    config as unknown as ConfigService<AppConfig, true>,
  );
}

/** Gives each test of the calling spec file an empty fake database and fresh collaborators. */
export function useFakeCollaborators(): void {
  beforeEach(() => {
    db = new FakeDatabase();
    keys = {
      claim: jest.fn(async (account: string, key: string, _ttl: number, forWrite: boolean) => {
        db.record(forWrite ? 'claim+account-lock' : 'claim');
        if (db.heldElsewhere.has(rowId(account, key))) return { locked: false };
        return { locked: true, record: db.rows.get(rowId(account, key)) ?? null };
      }),
      find: jest.fn(async (account: string, key: string, _ttl: number) => {
        db.record('find');
        return db.rows.get(rowId(account, key)) ?? null;
      }),
      remove: jest.fn(async (row: FoundKey) => {
        db.record('remove');
        db.rows.delete(rowId(row.account, row.key));
        return null;
      }),
      save: jest.fn(async (row: NewKey, _ttl: number, _keepUntil: Date | null) => {
        db.record('save');
        if (db.rows.has(rowId(row.account, row.key))) throw uniqueViolation();
        db.rows.set(rowId(row.account, row.key), { ...row, id: 'new', createdAt: new Date(), expired: false });
      }),
    };
    // withTransaction(fn) or withTransaction(options, fn), as @nestjs-cls/transactional accepts.
    txHost = {
      withTransaction: jest.fn((...args: unknown[]) => db.withTransaction(args[args.length - 1] as () => Promise<unknown>)),
      // The one statement the interceptor sends itself: the account's lock (`lockAccountForWrite`).
      // Any other is logged by its text, so that a test sees it.
      tx: { query: jest.fn(async (sql: string) => db.record(sql === 'SELECT account_write_lock($1)' ? 'account-lock' : sql)) },
    };
  });
}

export const answering = (body: unknown) => ({
  handle: jest.fn(() => {
    db.record('handler');
    return of(body);
  }),
});
export const failing = (error: Error) => ({
  handle: jest.fn(() => {
    db.record('handler');
    return throwError(() => error);
  }),
});

export interface Call {
  method?: string;
  path?: string;
  key?: string;
  body?: Params;
  account?: string;
  /** Whether the fault `hold` applies, as FaultInterceptor marks it on the request's context. */
  held?: boolean;
}

/** Sends one request through the interceptor; returns its answer and the headers it set. */
export function send(handler: CallHandler, call: Call = {}, subject = interceptor()) {
  const { method = 'POST', path = PATH, key, body = PARAMS, account = 'acct_1', held = false } = call;
  const headers = key === undefined ? {} : { 'idempotency-key': key };
  // `rawHeaders` as Node gives it: names and values in turn, as they were sent.
  const req = { method, path, headers, rawHeaders: Object.entries(headers).flat(), body } as unknown as Request;
  setContext(req, { requestId: 'req_1', account, whileKeyLocked: held ? async () => db.record('hold') : undefined });
  const sentHeaders = new Map<string, string>();
  const res = { setHeader: jest.fn((name: string, value: string) => sentHeaders.set(name.toLowerCase(), value)) };
  const context = new ExecutionContextHost([req, res], class ChargesController {}, create);
  return { answer: lastValueFrom(subject.intercept(context, handler)), headers: sentHeaders };
}

export async function rejection(answer: Promise<unknown>): Promise<unknown> {
  try {
    await answer;
  } catch (error) {
    return error;
  }
  throw new Error('expected the request to be refused, but it was answered');
}

export const fingerprint = requestFingerprint('POST', PATH, PARAMS);
export const stored = (over: Partial<FoundKey> = {}) => ({
  account: 'acct_1', key: 'k1', fingerprint, method: 'POST', path: PATH, statusCode: 200,
  responseBody: JSON.stringify(CHARGE), requestId: 'req_first', expired: false, ...over,
});
