// late-fees.mjs: a daily job that charges late fees, and can be killed halfway and run again.
//
// The incident: a billing job is killed in the middle of its list (a deploy, an out-of-memory
// kill), and whoever restarts it must not charge the first half twice. The cure shown here is a
// deterministic Idempotency-Key per operation, `late-fee:<customer id>:<date>`: a rerun sends the
// same keys, so oncepay replays the charges that were made and makes only the missing ones. Another
// date makes other keys, so everyone is charged again. The keys are remembered for
// IDEMPOTENCY_KEY_TTL (24 h by default): rerun a date within a day.
//
// Run it against a running oncepay (`npm start` in another terminal):
//   node examples/late-fees.mjs --reset --crash-after 3   # start clean, die after 3 charges
//   node examples/late-fees.mjs                            # rerun: 3 replayed, 3 new
//   node examples/late-fees.mjs --date 2031-01-02          # another day: 6 new
// ONCEPAY_URL (default http://127.0.0.1:4242) and ONCEPAY_KEY choose the server and the account.
import { parseArgs } from 'node:util';

const BASE_URL = process.env.ONCEPAY_URL ?? 'http://127.0.0.1:4242';
const KEY = process.env.ONCEPAY_KEY ?? 'sk_test_example_late_fees';
const LATE_FEE = { amount: 500, currency: 'usd' };
const CUSTOMERS = ['ada', 'grace', 'edsger', 'barbara', 'donald', 'frances'].map((name) => `${name}@example.com`);
/** Attempts per request, and the pause before each retry (doubling). */
const MAX_ATTEMPTS = 5;
const FIRST_BACKOFF_MS = 200;
/** An attempt without an answer after this long is given up and retried, with the same key. */
const ATTEMPT_TIMEOUT_MS = 10_000;

const { values: args } = parseArgs({
  options: { date: { type: 'string' }, 'crash-after': { type: 'string' }, reset: { type: 'boolean' } },
});
const date = args.date ?? new Date().toISOString().slice(0, 10);
if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new Error(`--date must be YYYY-MM-DD, not ${date}`);
const crashAfter = args['crash-after'] === undefined ? Infinity : Number(args['crash-after']);
if (!(crashAfter >= 1)) throw new Error(`--crash-after must be a positive number, not ${args['crash-after']}`);

// A reader who has not started oncepay yet gets one line saying so, not fetch's stack trace.
await fetch(new URL('/health', BASE_URL)).catch(() => {
  console.error(`no oncepay answers at ${BASE_URL}: start one with npm start in another terminal`);
  process.exit(1);
});

async function call(method, path, { form, idempotencyKey } = {}) {
  const headers = { Authorization: `Bearer ${KEY}` };
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  if (form) headers['Content-Type'] = 'application/x-www-form-urlencoded';
  const res = await fetch(`${BASE_URL}${path}`, {
    method,
    headers,
    body: form && new URLSearchParams(form).toString(),
    signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
  });
  return { status: res.status, body: await res.json(), replayed: res.headers.get('Idempotent-Replayed') === 'true' };
}

/**
 * POSTs with a key, retrying what may succeed later: no answer (the request may or may not have
 * run, and the key makes resending safe either way), a 5xx, and 409 idempotency_key_in_use (an
 * earlier attempt is still running). Anything else is the answer.
 */
async function postWithRetries(path, form, idempotencyKey) {
  for (let attempt = 1; ; attempt++) {
    let res;
    try {
      res = await call('POST', path, { form, idempotencyKey });
    } catch (error) {
      res = { status: 0, reason: `no answer (${error.cause?.code ?? error.message})` }; // dropped, refused or timed out
    }
    if (res.status >= 200 && res.status < 400) return res;
    const retryable = res.status === 0 || res.status >= 500 || res.body.error?.code === 'idempotency_key_in_use';
    const reason = res.reason ?? `${res.status} ${res.body.error?.code ?? res.body.error?.type}`;
    if (!retryable || attempt === MAX_ATTEMPTS) throw new Error(`POST ${path} (key ${idempotencyKey}) failed: ${reason}`);
    console.log(`  retrying ${idempotencyKey}: ${reason}`);
    await new Promise((resolve) => setTimeout(resolve, FIRST_BACKOFF_MS * 2 ** (attempt - 1)));
  }
}

/** The customer with this email, created (once, thanks to its key) on the first run. */
async function findOrCreateCustomer(email) {
  const found = await call('GET', `/v1/customers?email=${encodeURIComponent(email)}`);
  if (found.status !== 200) throw new Error(`GET /v1/customers answered ${found.status}`);
  if (found.body.data.length > 0) return found.body.data[0].id;
  const created = await postWithRetries('/v1/customers', { email }, `late-fees-customer:${email}`);
  console.log(`created customer ${created.body.id} <${email}>`);
  return created.body.id;
}

if (args.reset) {
  const reset = await call('DELETE', '/_sandbox/data');
  if (reset.status !== 200) throw new Error(`DELETE /_sandbox/data answered ${reset.status}`);
  console.log('reset the sandbox account');
}
const customers = [];
for (const email of CUSTOMERS) customers.push(await findOrCreateCustomer(email));
console.log(`charging late fees for ${date} to ${customers.length} customers`);

const counts = { new: 0, replayed: 0 };
for (const customer of customers) {
  const form = { ...LATE_FEE, customer, description: `late fee ${date}`, 'metadata[late_fee_date]': date };
  const { body: charge, replayed } = await postWithRetries('/v1/charges', form, `late-fee:${customer}:${date}`);
  counts[replayed ? 'replayed' : 'new']++;
  const how = replayed ? `already charged for ${date}: replayed` : 'new';
  console.log(`charged ${customer} ${charge.amount} ${charge.currency}: ${charge.id} (${how})`);
  if (counts.new + counts.replayed === crashAfter) {
    console.log(`simulating a crash after ${crashAfter} charges (exit 137)`);
    process.exit(137);
  }
}
console.log(`new: ${counts.new}, replayed: ${counts.replayed}`);
