import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { Request, Response } from 'express';
import {
  ApiError,
  DatabaseUnavailableError,
  InternalApiError,
  InvalidRequestError,
  LockTimeoutError,
  PayloadTooLargeError,
  ReplayedError,
} from './errors';
import { DEADLOCK_DETECTED, errorCode, isDatabaseDown, LOCK_NOT_AVAILABLE } from '../database/database-errors';
import { RequestRecorder } from './request-recorder';

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
  if (httpError?.type === 'entity.too.large') return new PayloadTooLargeError();
  if (httpError?.expose && typeof httpError.status === 'number' && httpError.status < 500) {
    // body-parser names each of its own errors by a `type` (`request.aborted`, …), and the request
    // middleware words the ones it passes on without (see `bodyReadError`); the others that get
    // here are serve-static's, for the playground's and the OpenAPI page's files (416 for a Range
    // past the end), whose message is the status's own phrase and safe to show, as `expose` says.
    const message = typeof httpError.type === 'string' ? 'The request body could not be read.' : `${(error as Error).message}.`;
    return new InvalidRequestError(message, {}, httpError.status);
  }
  // A lock wait that timed out, or that PostgreSQL ended to break a deadlock, ended the statement
  // and so the request's transaction, which rolled back: nothing was changed and nothing was saved
  // under the key, so a retry may succeed.
  if ([LOCK_NOT_AVAILABLE, DEADLOCK_DETECTED].includes(errorCode(error))) return new LockTimeoutError();
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
    // Set, not left to `json`, which keeps a type already set: serve-static sets its file's type
    // (text/css) before it finds it cannot serve the Range asked for.
    res.status(error.status).set(error.headers).type('application/json').json(error.toEnvelope());
  }
}
