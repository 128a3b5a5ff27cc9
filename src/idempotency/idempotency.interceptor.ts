import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { CallHandler, ExecutionContext, HttpStatus, Injectable, NestInterceptor } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { from, lastValueFrom, Observable } from 'rxjs';
import { API_PREFIX } from '../common/api-prefix';
import type { AppConfig } from '../common/config';
import { ApiError, ReplayedError } from '../common/errors';
import type { Params } from '../common/params';
import { getContext } from '../common/request-context';
import { routeSuccessStatus } from '../common/route-status';
import { lockAccountForWrite } from '../database/account-lock';
import { errorCode, UNIQUE_VIOLATION, violatedConstraint } from '../database/database-errors';
import { requestFingerprint } from './fingerprint';
import { KEY_UNIQUE } from './idempotency.constants';
import { keyInUseError, keyProblem, keyReusedError } from './idempotency.errors';
import { FoundKey, IdempotencyService } from './idempotency.service';

/** What the endpoint produced: a body to send, or an outcome error to throw after the commit. */
type Outcome = { body: unknown } | { error: ApiError };

/**
 * The one place that opens a transaction for the API, for every POST under `/v1` (only the
 * sandbox's reset, outside `/v1`, opens one of its own), and the implementation of CONTRACT §5.
 * Read it top to bottom as the table:
 *
 * - no key: the endpoint runs in a transaction of its own;
 * - a key with a saved record: the record is answered (replay) or refused (mismatch), and
 *   nothing executes;
 * - a key without a record: the key's lock is tried in a new transaction (in use → 409 at once),
 *   the endpoint runs inside that same transaction, and its answer is saved in it, so the record
 *   commits with the endpoint's writes or, on any failure, neither does.
 *
 * The services take part through `nestjs-cls`: `withTransaction` puts the transaction's entity
 * manager in request-scoped storage, and every service reads `txHost.tx`, so they run in this
 * transaction without knowing about it, and without a manager threaded through every call.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly mismatchStatus: number;
  private readonly ttlSeconds: number;

  constructor(
    private readonly keys: IdempotencyService,
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    private readonly reflector: Reflector,
    config: ConfigService<AppConfig, true>,
  ) {
    this.mismatchStatus = config.get('IDEMPOTENCY_MISMATCH_STATUS', { infer: true });
    this.ttlSeconds = config.get('IDEMPOTENCY_KEY_TTL', { infer: true });
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    if (req.method !== 'POST' || !req.path.startsWith(API_PREFIX)) return next.handle();
    const res = context.switchToHttp().getResponse<Response>();
    return from(this.handlePost(req, res, next, routeSuccessStatus(this.reflector, context)));
  }

  private async handlePost(req: Request, res: Response, next: CallHandler, successStatus: number): Promise<unknown> {
    const header = req.headers['idempotency-key'];
    const context = getContext(req);
    // Nest runs guards before interceptors, and AuthGuard, on every route this interceptor serves,
    // has set the account or refused the request.
    const account = context.account!;
    // Every write transaction holds its account's lock shared, before its first write, so that a
    // sandbox reset lands wholly before or after it (see `lockAccountForWrite`).
    if (header === undefined) {
      return this.finish(
        await this.txHost.withTransaction(async () => {
          await lockAccountForWrite(this.txHost.tx, account);
          return this.run(next);
        }),
      );
    }

    // The key is echoed by the request middleware, on every POST answer, refusals included (but
    // not a key sent twice: see `echoedIdempotencyKey`).
    const problem = keyProblem(req);
    if (problem) throw problem;
    // `keyProblem` has found the header a string (see there).
    const key = header as string;
    const fingerprint = requestFingerprint(req.method, req.path, req.body as Params);

    // Fast path, outside any transaction: a committed record never changes, so if one is here
    // it can be answered without taking the lock. (If it is expired, the locked path below
    // deletes it under the lock.)
    const saved = await this.keys.find(account, key, this.ttlSeconds);
    if (saved && !saved.expired) return this.answerFromRecord(saved, fingerprint, res);

    // A `hold` fault waits once the key is locked (see below).
    const held = context.whileKeyLocked;
    let outcome: Outcome | FoundKey;
    try {
      outcome = await this.txHost.withTransaction(async (): Promise<Outcome | FoundKey> => {
        // The key's lock, and under it a fresh look at the record: a request that held the lock
        // until just now has committed its record, and we replay it instead of executing a
        // second time (see `IdempotencyService.claim`). The account's lock comes with it, unless
        // the request is to be held.
        const claim = await this.keys.claim(account, key, this.ttlSeconds, held === undefined);
        if (!claim.locked) throw keyInUseError();
        const { record } = claim;
        if (record && !record.expired) return record;
        // A `hold` fault waits here, holding only the key's lock: a concurrent retry gets
        // idempotency_key_in_use, and nothing else waits for this request, not even a reset of
        // the account (see FaultInterceptor). It takes the account's lock once the hold is over.
        if (held) {
          await held();
          await lockAccountForWrite(this.txHost.tx, account);
        }
        // An expired record is removed under the key's lock, so that the new one can be saved; the
        // new one is kept at least as long as the old was to be (see `IdempotencyService.remove`).
        const keepUntil = record ? await this.keys.remove(record) : null;
        const saveAnswer = (responseBody: string, statusCode: number) =>
          this.keys.save(
            { account, key, fingerprint, method: req.method, path: req.path, statusCode, responseBody, requestId: context.requestId },
            this.ttlSeconds,
            keepUntil,
          );
        return this.run(next, saveAnswer, successStatus);
      });
    } catch (error) {
      // The unique constraint on (account, key) is the backstop: should two transactions ever
      // both try to save a record for one key, PostgreSQL rejects the second insert and its
      // whole transaction — the endpoint's writes included — rolls back. That request did not
      // happen; the client retries and gets the replay. Only that constraint means so: a unique
      // violation anywhere else is an error of its own, and not one a retry would cure.
      if (errorCode(error) === UNIQUE_VIOLATION && violatedConstraint(error) === KEY_UNIQUE) throw keyInUseError();
      throw error;
    }
    if ('fingerprint' in outcome) return this.answerFromRecord(outcome, fingerprint, res);
    return this.finish(outcome);
  }

  /**
   * Runs the endpoint inside the caller's transaction and, with `save`, saves its answer in the
   * same one. A success and an outcome error (a decline, a missing customer) return normally, so
   * the transaction commits: the failed charge must exist, and a retry must get the same error.
   * Any other error — a refusal by validation, a database failure — propagates out of
   * `withTransaction`, which rolls everything back, record included, so a retry executes afresh.
   */
  private async run(next: CallHandler, save?: (body: string, status: number) => Promise<void>, successStatus = HttpStatus.OK): Promise<Outcome> {
    try {
      const body = await lastValueFrom(next.handle());
      await save?.(JSON.stringify(body), successStatus);
      return { body };
    } catch (error) {
      if (!(error instanceof ApiError && error.isOutcome)) throw error;
      // The save runs in the same transaction, which is still usable: an outcome is decided by
      // statements that succeeded (a read that found no customer, a row already captured, a failed
      // charge inserted), never by one that failed, after which PostgreSQL would refuse every
      // further statement. So a database error must never be turned into an outcome error.
      await save?.(JSON.stringify(error.toEnvelope()), error.status);
      return { error };
    }
  }

  /** After the commit: send the body, or throw the outcome error to the exception filter. */
  private finish(outcome: Outcome): unknown {
    if ('error' in outcome) throw outcome.error;
    return outcome.body;
  }

  /**
   * A saved record answers a request with the same fingerprint: the stored status and body, with
   * `Idempotent-Replayed` and the first request's id. Any other request with the key is refused.
   */
  private answerFromRecord(record: FoundKey, fingerprint: string, res: Response): unknown {
    if (record.fingerprint !== fingerprint) throw keyReusedError(record.key, this.mismatchStatus);
    res.setHeader('Idempotent-Replayed', 'true');
    res.setHeader('Original-Request', record.requestId);
    // The stored text came from JSON.stringify, so parsing it here and letting Nest stringify it
    // again sends the same bytes; the status is the route's own, the same as the first time.
    if (record.statusCode < 400) return JSON.parse(record.responseBody);
    throw new ReplayedError(record.statusCode, record.responseBody);
  }
}
