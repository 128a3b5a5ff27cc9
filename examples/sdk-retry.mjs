// sdk-retry.mjs: the timed-out charge, made harmless by an idempotency key.
//
// The incident: a checkout sends a charge, oncepay commits it, and the connection drops before
// the answer arrives. The client cannot tell "not charged" from "charged, answer lost". Here the
// official `stripe` SDK retries it safely: it puts a generated Idempotency-Key on every POST and
// sends the same key again, so the retry gets the first charge back instead of making a second.
//
// Run it against a running oncepay (`npm start` in another terminal):
//   node examples/sdk-retry.mjs
// ONCEPAY_URL (default http://127.0.0.1:4242) and ONCEPAY_KEY choose the server and the account.
// Exits 1 unless the account ends with exactly one charge.
import Stripe from 'stripe';

const BASE_URL = new URL(process.env.ONCEPAY_URL ?? 'http://127.0.0.1:4242');
const KEY = process.env.ONCEPAY_KEY ?? 'sk_test_example_sdk_retry';

/** Calls the sandbox control plane, which the SDK knows nothing about. */
async function sandbox(method, path, body) {
  const res = await fetch(new URL(path, BASE_URL), {
    method,
    headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
    body: body && JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${await res.text()}`);
  return res.json();
}

// A reader who has not started oncepay yet gets one line saying so, not fetch's stack trace.
await fetch(new URL('/health', BASE_URL)).catch(() => {
  console.error(`no oncepay answers at ${BASE_URL}: start one with npm start in another terminal`);
  process.exit(1);
});

await sandbox('DELETE', '/_sandbox/data');
console.log('reset the sandbox account');

// The next POST /v1/charges is committed, then its connection is closed without an answer.
await sandbox('POST', '/_sandbox/faults', { fault: 'drop_after_commit', method: 'POST', path: '/v1/charges' });
console.log('armed drop_after_commit on POST /v1/charges');

const stripe = new Stripe(KEY, {
  host: BASE_URL.hostname,
  port: Number(BASE_URL.port || 80),
  protocol: BASE_URL.protocol.replace(':', ''),
  maxNetworkRetries: 2, // retry a dropped connection, with the same generated key
});

const charge = await stripe.charges.create({ amount: 2000, currency: 'usd', source: 'tok_visa', description: 'order 42' });
console.log(`stripe.charges.create returned ${charge.id} (${charge.amount} ${charge.currency}, ${charge.status})`);

const charges = await stripe.charges.list({ limit: 100 });
console.log(`the account has ${charges.data.length} charge(s): ${charges.data.map((c) => c.id).join(', ')}`);

// The request log, oldest first: what reached the server and what became of each request.
const log = await sandbox('GET', '/_sandbox/requests?limit=100');
console.log('request log:');
for (const entry of log.data.reverse()) {
  const fault = entry.fault ? ` (fault ${entry.fault})` : '';
  console.log(`  ${entry.method} ${entry.path} key=${entry.idempotency_key ?? '-'} status=${entry.status ?? 'none'} ${entry.outcome}${fault}`);
}

if (charges.data.length !== 1) {
  console.log(`FAILED: expected exactly one charge, found ${charges.data.length}`);
  process.exit(1);
}
console.log('one charge, although the SDK sent the request twice');
