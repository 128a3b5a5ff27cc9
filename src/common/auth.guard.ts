import { CanActivate, createParamDecorator, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { AuthenticationError } from './errors';
import { timesSent } from './headers';
import { accountIdForKey } from './ids';
import { getContext } from './request-context';

/** A test secret key as Stripe issues them: `sk_test_` and then letters, digits or underscores. */
const API_KEY_PATTERN = /^sk_test_[0-9A-Za-z_]{1,200}$/;

/** Shows the start of a key in an error message, as Stripe does, without revealing the key. */
function redact(key: string): string {
  return key.length > 16 ? `${key.slice(0, 8)}***${key.slice(-4)}` : `${key.slice(0, 8)}***`;
}

/**
 * Reads the key from `Authorization: Bearer <key>` or HTTP Basic with the key as user name. The
 * header must be sent once: Node keeps only the first of several, so a request sending two keys
 * would act for whichever came first.
 */
export function apiKeyFrom(req: Pick<Request, 'headers' | 'rawHeaders'>): string {
  const sent = timesSent(req, 'authorization');
  if (sent > 1) {
    throw new AuthenticationError(`Invalid Authorization: send one Authorization header, not ${sent}.`);
  }
  const header = req.headers.authorization;
  if (!header) {
    throw new AuthenticationError(
      'You did not provide an API key. Provide it in the Authorization header, e.g. "Authorization: Bearer sk_test_…".',
    );
  }
  // A scheme and one credential, nothing after: `Bearer sk_test_a sk_test_b` names no one key.
  // They are split at HTTP's own whitespace, spaces and tabs, as Node trims the value of; not at
  // JavaScript's `\s`, which would also take a no-break space for a separator.
  const parts = header.split(/[ \t]+/);
  const [scheme, credentials = ''] = parts;
  let key: string;
  if (parts.length > 2) {
    throw new AuthenticationError('Invalid Authorization header: send one key, as "Bearer <key>" or HTTP Basic with the key as user name.');
  } else if (/^bearer$/i.test(scheme)) {
    key = credentials;
  } else if (/^basic$/i.test(scheme)) {
    // Node's base64 decoder skips what is not base64, and ignores missing padding and bits past
    // the last byte, rather than refusing them; a credential that is not canonical base64 (RFC 7617
    // asks for RFC 4648's, padded) is not a key. Node writes base64 canonically, so a credential is
    // canonical exactly when writing its bytes out again gives it back.
    const bytes = Buffer.from(credentials, 'base64');
    if (bytes.toString('base64') !== credentials) throw new AuthenticationError('Invalid Authorization header: HTTP Basic credentials must be base64 of "<key>:".');
    key = bytes.toString('utf8').split(':')[0];
  } else {
    throw new AuthenticationError('Invalid Authorization header: use "Bearer <key>" or HTTP Basic with the key as user name.');
  }
  if (!API_KEY_PATTERN.test(key)) {
    throw new AuthenticationError(`Invalid API Key provided: ${redact(key)}. oncepay accepts test keys of the form sk_test_….`);
  }
  return key;
}

/** Authenticates every route it guards and records the caller's account on the request. */
@Injectable()
export class AuthGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request>();
    getContext(req).account = accountIdForKey(apiKeyFrom(req));
    return true;
  }
}

/** The caller's account in a controller: `@Account() account: string`. */
export const Account = createParamDecorator((_data: unknown, ctx: ExecutionContext): string => {
  const account = getContext(ctx.switchToHttp().getRequest<Request>()).account;
  if (!account) throw new Error('@Account() used on a route without AuthGuard');
  return account;
});
