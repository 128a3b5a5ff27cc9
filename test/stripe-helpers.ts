import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { bootApp, TestApp, truncateAll } from './helpers';

/** The error a call rejects with; fails the test if the call succeeds or throws something else. */
export async function rejectionOf(call: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Stripe.errors.StripeError)) throw new Error(`expected the SDK to throw a StripeError, got ${String(error)}`);
  return error;
}

/**
 * Boots the app listening on a free port for the suite, empties the tables before each test, and
 * gives SDK clients of it: `client(key)` is one account. Retries are off unless asked for, so every
 * call is exactly one request and every error reaches the test.
 */
export function useStripeApp(): { readonly t: TestApp; client: (key: string, maxNetworkRetries?: number) => Stripe } {
  const state = {} as { t: TestApp; port: number };
  beforeAll(async () => {
    state.t = await bootApp();
    await state.t.app.listen(0, '127.0.0.1');
    state.port = (state.t.app.getHttpServer().address() as AddressInfo).port;
  });
  // When the boot failed, its own error is the one to see, not one about a missing app.
  afterAll(() => state.t?.app.close());
  beforeEach(() => truncateAll(state.t.dataSource));
  return {
    get t() {
      return state.t;
    },
    client: (key: string, maxNetworkRetries = 0) => new Stripe(key, { host: '127.0.0.1', port: state.port, protocol: 'http', maxNetworkRetries }),
  };
}
