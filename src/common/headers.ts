import type { IncomingMessage } from 'node:http';

/**
 * How many times a request sent a header. Node merges repeats into `req.headers` in ways that hide
 * them: it keeps only the first `Authorization`, and joins other repeats into one value (`a, b`).
 * The raw list, name and value in turn, still has each one.
 */
export function timesSent(req: Pick<IncomingMessage, 'rawHeaders'>, lowerCaseName: string): number {
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i].toLowerCase() === lowerCaseName) count += 1;
  }
  return count;
}

/** A character outside ASCII, as Node reads a header byte over 0x7F (Latin-1). */
const NOT_ASCII = /[^\x00-\x7f]/;

/**
 * The `Idempotency-Key` a POST's answer echoes, or undefined. Every POST answer echoes the key it
 * was sent, whatever the answer, so a client can match a refusal (401, 404, 417, a sandbox fault)
 * to the attempt it made as well as a success. Node has already checked the header's characters,
 * so it can be sent back as it came, with two exceptions, whose answers echo nothing rather than
 * a key the client never sent (both keys are refused):
 * - a byte over 0x7F: Node reads those as Latin-1 but may write the answer's headers as UTF-8, so
 *   the echo would come back as other bytes;
 * - a header sent twice, which Node joins into one value (`a, b`).
 */
export function echoedIdempotencyKey(req: Pick<IncomingMessage, 'method' | 'headers' | 'rawHeaders'>): string | undefined {
  const key = req.headers['idempotency-key'];
  if (req.method !== 'POST' || typeof key !== 'string' || NOT_ASCII.test(key)) return undefined;
  if (timesSent(req, 'idempotency-key') > 1) return undefined;
  return key;
}

/**
 * The API version every answer names in `Stripe-Version` when the request named none: the one the
 * stripe SDK this release is tested with sends. oncepay has one shape for each object, whatever
 * the version: the header is there for clients that read it (the SDK's `lastResponse.apiVersion`).
 */
export const DEFAULT_API_VERSION = '2026-10-28.endive';

/** A Stripe API version as Stripe names them: a date, and since 2024 a release name (`.acacia`). */
const API_VERSION = /^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$/;

/**
 * The `Stripe-Version` an answer carries: the request's own, as Stripe answers with the version it
 * served, when it sent one that reads as a version, once; otherwise DEFAULT_API_VERSION.
 */
export function answeredApiVersion(req: Pick<IncomingMessage, 'headers' | 'rawHeaders'>): string {
  const sent = req.headers['stripe-version'];
  return typeof sent === 'string' && API_VERSION.test(sent) && timesSent(req, 'stripe-version') === 1 ? sent : DEFAULT_API_VERSION;
}
