import { createHash } from 'node:crypto';
import type { Param } from '../common/params';

/**
 * Writes parameters as JSON with every object's keys sorted, so that two requests with the same
 * parameters in another order give the same text. Arrays keep their order: `expand[0]=a&expand[1]=b`
 * and `expand[0]=b&expand[1]=a` are different requests.
 */
export function canonicalJson(value: Param): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
}

/**
 * The request's fingerprint: SHA-256 over its method, path and canonical parameters. Parameters
 * are hashed after parsing, not as raw bytes, so the form and the JSON encodings of one request
 * (which `params.ts` parses to the same `Params`) have one fingerprint, and so do bodies that
 * differ only in key order. The method and path are part of it so that a key reused on another
 * endpoint is a mismatch, not a replay of some other endpoint's answer.
 */
export function requestFingerprint(method: string, path: string, params: Param): string {
  return createHash('sha256')
    .update(`${method.toUpperCase()}\n${path}\n${canonicalJson(params)}`)
    .digest('hex');
}
