import Stripe from 'stripe';

/** The error a call rejects with; fails the test if the call succeeds or throws something else. */
export async function rejectionOf(call: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof Stripe.errors.StripeError)) throw new Error(`expected the SDK to throw a StripeError, got ${String(error)}`);
  return error;
}
