/**
 * The path prefix of the Stripe-style API (`/v1/charges`, `/v1/customers`). Idempotency keys,
 * sandbox faults and the request log act on requests under it only; the sandbox's own control
 * plane (`/_sandbox`), `/health` and the docs are outside it.
 */
export const API_PREFIX = '/v1/';
