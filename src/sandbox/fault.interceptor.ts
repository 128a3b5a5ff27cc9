import { BeforeApplicationShutdown, CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { from, lastValueFrom, mergeMap, NEVER, Observable, of } from 'rxjs';
import { API_PREFIX } from '../common/api-prefix';
import { InternalApiError, RateLimitError, ShuttingDownError } from '../common/errors';
import { getContext } from '../common/request-context';
import { HOLD_CONNECTIONS } from '../database/data-source';
import { routeSuccessStatus } from '../common/route-status';
import { keyProblem } from '../idempotency/idempotency.errors';
import { AppliedFault, parseFaultHeader } from './faults';
import { RequestLogService } from './request-log.service';
import { SandboxService } from './sandbox.service';

/** Marks a request whose connection was closed on purpose: nothing is to be sent. */
const DROPPED = Symbol('dropped');
type Settled = { value: unknown } | { error: unknown };

/**
 * Applies sandbox faults to `/v1` requests and writes their line in the request log. It is the
 * outermost interceptor, registered before the idempotency interceptor, so "before execute" here
 * means before the key is looked up or any transaction begins, and "after commit" means after the
 * idempotency interceptor's transaction has committed. Errors are logged by the exception filter.
 */
@Injectable()
export class FaultInterceptor implements NestInterceptor, BeforeApplicationShutdown {
  /** Keyed requests of this process now held open, each with its transaction, by the fault `hold`. */
  private held = 0;
  /** Aborted when the application begins to shut down, which ends every fault's wait (`wait`). */
  private readonly shutdown = new AbortController();

  constructor(
    private readonly sandbox: SandboxService,
    private readonly requestLog: RequestLogService,
    private readonly reflector: Reflector,
  ) {
    // Each wait listens on the signal while it waits, and stops when it ends. Node warns of a leak
    // past 10 listeners, on stderr, outside the JSON log; many waits at once are the sandbox's
    // ordinary use, so there is no limit to warn at.
    setMaxListeners(0, this.shutdown.signal);
  }

  /**
   * Nest calls this on shutdown before it closes the HTTP server, which then waits for the requests
   * in flight: without it, a request held or delayed for up to a minute would keep the process
   * past its shutdown timeout, killed with its embedded PostgreSQL left running.
   */
  beforeApplicationShutdown(): void {
    this.shutdown.abort();
  }

  /**
   * Waits a fault's `delay_ms`, or less if the server shuts down meanwhile (at once, if it already
   * is): true when it waited the whole time.
   */
  private async wait(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.shutdown.signal });
      return true;
    } catch {
      // The only rejection of a timers/promises sleep is its AbortError.
      return false;
    }
  }

  /**
   * A hold's wait, before its request runs: cut short by a shutdown, it ends in a 503 instead, and
   * the request never runs (with a key, the 503 is thrown inside the transaction, which rolls back
   * and frees the key for a retry).
   */
  private async hold(ms: number): Promise<void> {
    if (!(await this.wait(ms))) throw new ShuttingDownError();
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const req = context.switchToHttp().getRequest<Request>();
    if (!req.path.startsWith(API_PREFIX)) return next.handle();
    const res = context.switchToHttp().getResponse<Response>();
    const answer = this.handle(req, res, next, routeSuccessStatus(this.reflector, context));
    // A dropped request never answers: Nest waits on NEVER, which holds nothing but this pipeline.
    // The socket is already destroyed, so nothing else refers to it, and it is collected.
    return from(answer).pipe(mergeMap((value) => (value === DROPPED ? NEVER : of(value))));
  }

  private async handle(req: Request, res: Response, next: CallHandler, status: number): Promise<unknown> {
    const context = getContext(req);
    const header = req.headers['sandbox-fault'];
    // A request that names its own fault gets that one only: armed faults are left for the
    // requests that do not, and are not counted down by this one. Nor are they by a HEAD, which
    // Express answers as a GET without its body, and which a fault cannot be armed for: a client
    // or proxy probing with HEAD must not use up a fault a test armed for its own requests.
    // (`account` is set: Nest runs guards before interceptors, and AuthGuard has passed or refused
    // the request.)
    const applied: AppliedFault | undefined =
      typeof header === 'string'
        ? parseFaultHeader(header)
        : req.method === 'HEAD'
          ? undefined
          : await this.sandbox.fire(context.account!, req.method, req.path);
    if (applied) context.fault = applied.fault;
    // For a keyed hold: whether it holds one of the HOLD_CONNECTIONS now, or was refused one.
    let holding = false;
    let capped = false;

    switch (applied?.fault) {
      // Before execute: nothing has run and nothing will; the server keeps nothing, so a retry
      // (with or without the key) executes as if this request had never come.
      case 'rate_limit':
        throw new RateLimitError('Too many requests hit the API too quickly (sandbox fault rate_limit).');
      case 'error_before_execute':
        throw new InternalApiError();
      case 'drop_before_execute':
        return this.drop(req, res);
      // Hold: the request stays in flight for delay_ms before its endpoint runs. With a key, it
      // waits inside its transaction, with the key locked, so a concurrent retry gets
      // idempotency_key_in_use (see IdempotencyInterceptor). It waits before the endpoint, not
      // after it, so that it holds no lock on a customer or charge: a held request never makes
      // another request, or a sandbox reset, wait for it. Without a key there is nothing to lock,
      // and the request simply waits before it runs, holding nothing.
      case 'hold':
        if (req.method !== 'POST' || req.headers['idempotency-key'] === undefined) {
          await this.hold(applied.delayMs);
          break;
        }
        // A key that cannot be used is refused by the idempotency interceptor before any lookup:
        // bad input, answered at once, as it would be without the fault. There is nothing to hold.
        if (keyProblem(req)) break;
        // The key's lock lives in the transaction, so a held keyed request keeps a database
        // connection. The pool has HOLD_CONNECTIONS more connections than POOL_SIZE, and no more
        // requests than that are held at once, so however many holds are in flight, POOL_SIZE
        // connections remain for every other request. The cap is this process's, shared by every
        // account on it, and checked only once the key is locked: a replay, a mismatch or a key in
        // use never gets there, holds nothing and is not refused. A refusal here is thrown inside
        // the transaction, which rolls back, freeing the key; nothing is saved under it. A count in
        // process memory is right here, unlike the key's lock, because what it guards is this
        // process's own pool; and Node runs this code on one thread, so no two requests can both
        // pass the check for the last slot.
        context.whileKeyLocked = () => {
          if (this.held >= HOLD_CONNECTIONS) {
            capped = true;
            throw new RateLimitError(`Too many requests are held at once (at most ${HOLD_CONNECTIONS}, by sandbox fault hold); retry when one has finished.`);
          }
          this.held += 1;
          holding = true;
          return this.hold(applied.delayMs);
        };
        break;
    }

    const settled: Settled = await lastValueFrom(next.handle())
      .then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      )
      // The transaction has ended, committed or rolled back, and its connection is back in the pool.
      .finally(() => {
        if (holding) this.held -= 1;
      });

    switch (applied?.fault) {
      // After commit: the write and its idempotency record are durable; only the answer is lost,
      // replaced or late. A retry with the same key gets the real result, replayed.
      case 'drop_after_commit':
        return this.drop(req, res);
      case 'error_after_commit':
        throw new InternalApiError();
      // Cut short by a shutdown, the answer simply comes early: what it answers has committed.
      case 'delay':
        await this.wait(applied.delayMs);
        break;
      // A keyed request that never took its key's lock (a replay, a mismatch, a key in use) had
      // nothing to hold; its answer is still as late as the fault says, holding nothing meanwhile.
      // (An unkeyed hold has waited already, before it ran; a capped one is answered at once.)
      case 'hold':
        if (context.whileKeyLocked && !holding && !capped) await this.wait(applied.delayMs);
        break;
    }
    if ('error' in settled) throw settled.error;
    await this.requestLog.record(req, res, status);
    return settled.value;
  }

  /** Closes the connection without an answer, as a network failure would. */
  private async drop(req: Request, res: Response): Promise<typeof DROPPED> {
    await this.requestLog.record(req, res, null);
    req.socket.destroy();
    return DROPPED;
  }
}
