import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  ApiError,
  DatabaseUnavailableError,
  InternalApiError,
  InvalidRequestError,
  LockTimeoutError,
  ReplayedError,
} from './errors';
import { errorCode, LOCK_NOT_AVAILABLE } from '../database/database-errors';
import { RequestRecorder } from './request-recorder';

/**
 * PostgreSQL's SQLSTATE for a table that does not exist. oncepay's queries name only tables its
 * migrations made, so this means the database was emptied or recreated under the running server.
 */
const UNDEFINED_TABLE = '42P01';

/**
 * PostgreSQL and driver error codes that mean "the database is not there right now", not "this
 * query is wrong": connection refused or reset, the server shutting down or starting up
 * (SQLSTATE class 57P), connection failures (class 08), a new connection refused because the
 * database or the role is gone (3D000, 28000, 28P01: dropped or changed under a running server),
 * and oncepay's tables gone (42P01: the database recreated empty; a restart migrates it again).
 */
const DATABASE_DOWN_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', '57P01', '57P02', '57P03', '3D000', '28000', '28P01', UNDEFINED_TABLE]);
const DATABASE_DOWN_MESSAGES = [/Connection terminated/i, /timeout exceeded when trying to connect/i, /Client has encountered a connection error/i];
/**
 * TypeORM's error for a statement sent on a connection it has already let go, which it does when
 * the connection broke in the middle of a transaction (a held request whose backend was killed).
 */
const RELEASED_CONNECTION = 'QueryRunnerProviderAlreadyReleasedError';

export function isDatabaseDown(error: unknown): boolean {
  const sqlState = errorCode(error);
  const message = String((error as { message?: unknown } | null)?.message ?? '');
  const name = String((error as { name?: unknown } | null)?.name ?? '');
  return (
    DATABASE_DOWN_CODES.has(sqlState) ||
    sqlState.startsWith('08') ||
    name === RELEASED_CONNECTION ||
    DATABASE_DOWN_MESSAGES.some((re) => re.test(message))
  );
}

/**
 * Turns every error into an `ApiError`: oncepay's own pass through as they are; Nest's and
 * Express's HTTP errors (unknown route, body too large) keep their status; an unavailable
 * database is a 503; anything else is logged here in full and answered as a bare 500, so that no
 * stack trace, SQL or internal name ever reaches a client.
 */
export function toApiError(error: unknown, req: Pick<Request, 'method' | 'path'>, logger: Logger): ApiError {
  if (error instanceof ApiError) return error;
  if (error instanceof HttpException) {
    const status = error.getStatus();
    if (status === 404) {
      return new InvalidRequestError(`Unrecognized request URL (${req.method}: ${req.path}).`, {}, 404);
    }
    if (status < 500) return new InvalidRequestError(error.message, {}, status);
  }
  const httpError = error as { status?: number; type?: string; expose?: boolean };
  if (httpError?.type === 'entity.too.large') {
    return new InvalidRequestError('The request body is larger than 1 MB.', {}, 413);
  }
  if (httpError?.expose && typeof httpError.status === 'number' && httpError.status < 500) {
    return new InvalidRequestError('The request body could not be read.', {}, httpError.status);
  }
  // A lock wait that timed out ended the statement and so the request's transaction, which rolled
  // back: nothing was changed and nothing was saved under the key, so a retry may succeed.
  if (errorCode(error) === LOCK_NOT_AVAILABLE) return new LockTimeoutError();
  if (isDatabaseDown(error)) {
    logger.warn(`database unavailable: ${String((error as { message?: unknown }).message)}`);
    return new DatabaseUnavailableError();
  }
  logger.error(error instanceof Error ? (error.stack ?? error.message) : String(error));
  return new InternalApiError();
}

@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly logger = new Logger('ErrorFilter');

  constructor(private readonly requestLog: RequestRecorder) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const res = http.getResponse<Response>();
    // Answering must never take the server down: a failure here would otherwise be an unhandled
    // rejection, which ends the process. It is logged, and the client gets a bare 500.
    this.respond(exception, http.getRequest<Request>(), res).catch((failure: unknown) => {
      this.logger.error(`answering an error failed: ${failure instanceof Error ? (failure.stack ?? failure.message) : String(failure)}`);
      if (res.headersSent) res.end();
      else res.status(500).json(new InternalApiError().toEnvelope());
    });
  }

  /**
   * Logs the request in the sandbox's request log first, so the line exists once the answer does.
   * A request whose client has gone is logged too, with the answer it would have had, as a success
   * is; one whose answer had begun when the error came was logged by the path that began it.
   */
  private async respond(exception: unknown, req: Request, res: Response): Promise<void> {
    const error = toApiError(exception, req, this.logger);
    if (res.headersSent) {
      res.end();
      return;
    }
    await this.requestLog.record(req, res, error.status, error);
    if (res.destroyed) return;
    // A replay sets these headers before its answer is sent; if an error replaces that answer (a
    // sandbox fault such as error_after_commit on a replayed request), the error is not a replay.
    if (!(error instanceof ReplayedError)) {
      res.removeHeader('Idempotent-Replayed');
      res.removeHeader('Original-Request');
    }
    res.status(error.status).set(error.headers).json(error.toEnvelope());
  }
}
