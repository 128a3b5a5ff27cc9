import type { Request } from 'express';

/** What oncepay attaches to each request as it passes through the middleware and guards. */
export interface RequestContext {
  /** `req_…`, sent back as the `Request-Id` header and written to the log. */
  requestId: string;
  /** The caller's account, set by the auth guard; absent on public routes such as `/health`. */
  account?: string;
  /** The sandbox fault applied to this request, if any. */
  fault?: string;
  /**
   * Awaited inside the request's transaction once its Idempotency-Key is locked, before the
   * endpoint runs. The sandbox's `hold` fault uses it to keep a request in flight with its key
   * locked.
   */
  whileKeyLocked?: () => Promise<void>;
}

const CONTEXT = Symbol('oncepay.context');

type WithContext = Request & { [CONTEXT]?: RequestContext };

export function setContext(req: Request, context: RequestContext): RequestContext {
  (req as WithContext)[CONTEXT] = context;
  return context;
}

export function getContext(req: Request): RequestContext {
  const context = (req as WithContext)[CONTEXT];
  if (!context) throw new Error('request context missing: the request middleware did not run');
  return context;
}
