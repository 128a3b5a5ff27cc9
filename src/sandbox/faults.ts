import { spellPath } from '../common/canonical-path';
import { InvalidRequestError } from '../common/errors';
import { DEFAULT_FAULT_DELAY_MS, MAX_FAULT_DELAY_MS } from './sandbox.constants';

/**
 * The faults of CONTRACT §6. Each acts at one depth of a request, and that depth is what makes
 * it useful: `*_before_execute` and `rate_limit` act before anything has run, so the server keeps
 * nothing; `*_after_commit` and `delay` act after the transaction committed, so the server keeps
 * the write and its idempotency record and only the answer is lost or late; `hold` acts inside the
 * transaction, so the request stays in flight with its key locked.
 */
export const FAULTS = [
  'drop_after_commit',
  'drop_before_execute',
  'error_after_commit',
  'error_before_execute',
  'delay',
  'hold',
  'rate_limit',
] as const;
export type FaultName = (typeof FAULTS)[number];

/**
 * The faults that take `delay_ms`. The others act at once; a `delay_ms` sent with one of them is
 * refused, rather than stored and ignored, so that no one arms `drop_after_commit; delay_ms=500`
 * believing the drop comes late.
 */
export const TIMED_FAULTS: readonly FaultName[] = ['delay', 'hold'];

/** The 400 for a `delay_ms` sent with a fault that does not take one; `param` names where. */
export function untimedFaultError(fault: string, param: string): InvalidRequestError {
  return new InvalidRequestError(`Invalid delay_ms: the fault ${fault} acts at once; only ${TIMED_FAULTS.join(' and ')} take a delay_ms.`, { param });
}

export interface AppliedFault {
  fault: FaultName;
  delayMs: number;
}

export function isFault(name: string): name is FaultName {
  return (FAULTS as readonly string[]).includes(name);
}

/**
 * Reads the `Sandbox-Fault` header: a fault name, optionally followed by `; delay_ms=<n>`, as in
 * `Sandbox-Fault: hold; delay_ms=3000`. It applies to this one request only.
 */
export function parseFaultHeader(header: string): AppliedFault {
  const [name, ...options] = header.split(';').map((part) => part.trim());
  if (!isFault(name)) {
    throw new InvalidRequestError(`Unknown fault '${name}' in Sandbox-Fault: use one of ${FAULTS.join(', ')}.`, { param: 'Sandbox-Fault' });
  }
  let delayMs = DEFAULT_FAULT_DELAY_MS;
  for (const option of options) {
    const match = /^delay_ms=(\d{1,6})$/.exec(option);
    if (!match || Number(match[1]) > MAX_FAULT_DELAY_MS) {
      throw new InvalidRequestError(`Invalid Sandbox-Fault option '${option}': only delay_ms=<0 to ${MAX_FAULT_DELAY_MS}> is accepted.`, {
        param: 'Sandbox-Fault',
      });
    }
    if (!TIMED_FAULTS.includes(name)) throw untimedFaultError(name, 'Sandbox-Fault');
    delayMs = Number(match[1]);
  }
  return { fault: name, delayMs };
}

/**
 * A fault's path as requests spell theirs (`spellPath`), without its prefix `*`, which the
 * service stores apart: `/v1/%63ustomers/caf%C3*` is the prefix `/v1/customers/caf%C3`.
 */
export function spellFaultPath(path: string): { path: string; prefix: boolean; decodes: boolean } {
  const prefix = path.endsWith('*');
  return { prefix, ...spellPath(prefix ? path.slice(0, -1) : path, { prefix }) };
}
