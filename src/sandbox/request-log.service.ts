import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable, Logger } from '@nestjs/common';
import { Interval } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Request, Response } from 'express';
import type { DataSource } from 'typeorm';
import { API_PREFIX } from '../common/api-prefix';
import { apiKeyFrom } from '../common/auth.guard';
import { ApiError, IdempotencyError } from '../common/errors';
import type { ObjectKind } from '../common/find-owned';
import { accountIdForKey } from '../common/ids';
import { listPage, ListParamsDto } from '../common/list';
import { echoedIdempotencyKey } from '../common/headers';
import { getContext } from '../common/request-context';
import { RequestRecorder } from '../common/request-recorder';
import { insertRows } from '../database/insert-rows';
import { purgeRows } from '../database/purge-rows';
import { BatchedWriter } from './batched-writer';
import { LoggedRequest, RequestOutcome } from './logged-request.entity';
import { REQUEST_LOG_MAX_BATCH, REQUEST_LOG_PURGE_BATCH, REQUEST_LOG_PURGE_INTERVAL_MS, REQUEST_LOG_RETENTION_HOURS } from './sandbox.constants';

/** A log line's id is its request's `Request-Id`, so a list cursor names a request. */
const REQUEST_KIND: ObjectKind = { name: 'request', prefix: 'req' };

/**
 * What became of a request, from what the client was sent: a fault overrides everything; a
 * replay is marked by its header; idempotency conflicts by their code; otherwise it executed if it
 * succeeded or ended in the endpoint's own outcome (a decline), and was rejected if refused.
 */
export function outcomeOf(res: Response, status: number | null, error: unknown, fault: string | undefined): RequestOutcome {
  if (fault) return 'faulted';
  if (res.getHeader('Idempotent-Replayed') === 'true') return 'replayed';
  if (error instanceof IdempotencyError) return error.details.code === 'idempotency_key_in_use' ? 'key_in_use' : 'key_reused';
  if (status !== null && status < 400) return 'executed';
  return error instanceof ApiError && error.isOutcome ? 'executed' : 'rejected';
}

/** The per-account request log of CONTRACT §6. */
@Injectable()
export class RequestLogService implements RequestRecorder {
  private readonly logger = new Logger('RequestLog');
  /**
   * Lines are written in batches, outside any request's transaction: a line must be kept even when
   * its request's writes roll back. Batching makes the log cost a fraction of a round trip per
   * request on a busy server, rather than an INSERT and a commit of its own.
   */
  private readonly lines: BatchedWriter<Partial<LoggedRequest>>;

  constructor(
    private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>,
    @InjectDataSource() dataSource: DataSource,
  ) {
    const repo = dataSource.getRepository(LoggedRequest);
    this.lines = new BatchedWriter(
      (rows) => insertRows(repo, rows),
      (error, rows) => this.logger.warn(`could not log ${rows.length} request(s): ${String(error)}`),
      REQUEST_LOG_MAX_BATCH,
    );
  }

  private get repo() {
    return this.txHost.tx.getRepository(LoggedRequest);
  }

  /**
   * Writes the request's line before its answer is sent, so a client that reads the log right
   * after an answer finds it there. A request refused before authentication has no account yet;
   * its key is read here if it is well formed, and otherwise the request is not logged (there is
   * no account to log it under). A failure to log never changes the answer.
   */
  async record(req: Request, res: Response, status: number | null, error?: unknown): Promise<void> {
    // Only API requests are logged; the control plane's own calls are not.
    if (!req.path.startsWith(API_PREFIX)) return;
    const context = getContext(req);
    let account = context.account;
    if (!account) {
      try {
        account = accountIdForKey(apiKeyFrom(req));
      } catch {
        return;
      }
    }
    // The key as the answer echoed it: none for a key sent twice, which Node joins into a key the
    // client never sent, or for one it cannot echo (see `echoedIdempotencyKey`).
    const key = echoedIdempotencyKey(req);
    await this.lines.write({
      id: context.requestId,
      account,
      method: req.method,
      path: req.path,
      idempotencyKey: key ?? null,
      status,
      outcome: outcomeOf(res, status, error, context.fault),
      fault: context.fault ?? null,
      created: new Date(),
    });
  }

  /** Deletes lines older than the retention; every process runs it, harmlessly at once. */
  @Interval(REQUEST_LOG_PURGE_INTERVAL_MS)
  async purge(): Promise<number> {
    try {
      // Rows another transaction holds (a sandbox reset deleting them) are skipped (see `purgeRows`).
      // Whether a line goes at exactly 24 h or a moment later matters to no one: nothing reads its
      // age but this purge. (The idempotency purge's `<=` must match the claim's test; this has no
      // twin to match.)
      const expired = 'created < now() - make_interval(hours => :hours)';
      return await purgeRows(this.repo, expired, 'created', { hours: REQUEST_LOG_RETENTION_HOURS }, REQUEST_LOG_PURGE_BATCH);
    } catch (error) {
      this.logger.warn(`purging the request log failed: ${String(error)}`);
      return 0;
    }
  }

  list(account: string, params: ListParamsDto) {
    return listPage(this.repo, { account }, params, REQUEST_KIND);
  }
}
