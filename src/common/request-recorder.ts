import type { Request, Response } from 'express';

/**
 * What records each request's outcome: the sandbox's request log. It is a token of its own so that
 * the exception filter, which every module shares, can record the requests it answers without
 * depending on the sandbox module; the sandbox provides it (`sandbox.module.ts`).
 */
export abstract class RequestRecorder {
  /** Records the request with the status it was answered (null: none was sent) before the answer goes out. */
  abstract record(req: Request, res: Response, status: number | null, error?: unknown): Promise<void>;
}
