// The retry playground's client of oncepay: this browser's throwaway test key, and the requests
// the page sends with it through oncepay's public API. playground.js runs the scenarios with them.
import { SCENARIOS } from './playground-view.js';

/** Where this browser keeps its throwaway test key, so a reload keeps the same account. */
export const KEY_STORAGE = 'oncepay.playground.apiKey';
/** Every payment is $20.00 (the API takes cents), unless a step says otherwise. */
export const AMOUNT = 2000;

/** Random hex from the browser's CSPRNG; unlike `crypto.randomUUID`, it works on plain http too. */
export function randomHex(bytes) {
  return Array.from(crypto.getRandomValues(new Uint8Array(bytes)), (b) => b.toString(16).padStart(2, '0')).join('');
}

// ---- the account: one throwaway test key per browser --------------------------------------

export const newApiKey = () => `sk_test_playground_${randomHex(12)}`;

export function saveApiKey(key) {
  try {
    localStorage.setItem(KEY_STORAGE, key);
  } catch {
    // Storage may be off; the key then lasts for this visit only.
  }
}

export function loadApiKey() {
  let key = null;
  try {
    key = localStorage.getItem(KEY_STORAGE);
  } catch {
    // As in saveApiKey.
  }
  if (!key || !/^sk_test_[0-9A-Za-z_]{1,200}$/.test(key)) saveApiKey((key = newApiKey()));
  return key;
}

/** The account this page acts as; `useApiKey` in playground.js changes it. */
export let apiKey = loadApiKey();
export const setApiKey = (key) => {
  apiKey = key;
};

// ---- talking to oncepay ---------------------------------------------------------------------

export async function api(method, path) {
  const res = await fetch(path, { method, headers: { Authorization: `Bearer ${apiKey}` } });
  const body = await res.json();
  if (!res.ok) throw new Error(body.error?.message ?? `${method} ${path} answered ${res.status}`);
  return body;
}

/**
 * Sends one `POST /v1/charges` as a form, as Stripe's clients do, and reports what the client
 * saw. A lost answer is an outcome here, not an error: when oncepay drops the connection, the
 * fetch rejects, and the attempt says so; or says that oncepay is down, when it does not answer
 * at all.
 */
export async function charge(run, { amount = AMOUNT, fault } = {}) {
  const headers = { Authorization: `Bearer ${apiKey}` };
  if (run.key) headers['Idempotency-Key'] = run.key;
  if (fault) headers['Sandbox-Fault'] = fault;
  const body = new URLSearchParams({
    amount: String(amount),
    currency: 'usd',
    source: 'tok_visa',
    description: `Retry playground: ${SCENARIOS[run.scenario].title}`,
    'metadata[scenario]': run.scenario,
    'metadata[run]': run.id,
  });
  // A browser quietly sends a request again, POST included, when a keep-alive connection it reused
  // closes before any answer, so a request whose answer is dropped could reach the server twice. A
  // request without credentials travels in a separate pool of connections; only dropped requests
  // use it and the drop closes each of its connections, so none is reused there, and a dropped
  // request is sent exactly once, as the card says.
  const credentials = fault?.startsWith('drop_') ? 'omit' : 'same-origin';
  const attempt = { status: null };
  try {
    const res = await fetch('/v1/charges', { method: 'POST', headers, body, credentials });
    const json = await res.json();
    Object.assign(attempt, {
      status: res.status,
      requestId: res.headers.get('Request-Id'),
      replayed: res.headers.get('Idempotent-Replayed'),
      originalRequest: res.headers.get('Original-Request'),
      shouldRetry: res.headers.get('Stripe-Should-Retry'),
      retryAfter: res.headers.get('Retry-After'),
    });
    if (res.ok) attempt.charge = json.id;
    else attempt.error = json.error ?? { message: 'The answer had no error envelope.' };
  } catch (error) {
    attempt.failure = error instanceof Error ? error.message : String(error);
    // A fetch rejects alike when oncepay drops the connection (the fault) and when it is not
    // there at all (stopped, or killed in the middle of the request, maybe after its commit).
    // oncepay answering /health tells the two apart; the second leaves the request's fate unknown.
    if (await reachable()) attempt.dropped = true;
    else attempt.unreachable = true;
  }
  return attempt;
}

/** Whether oncepay answers at all, now: any answer will do, a 503 for its database included. */
async function reachable() {
  try {
    await fetch('/health');
    return true;
  } catch {
    return false;
  }
}
