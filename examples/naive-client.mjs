// naive-client.mjs: the double charge that idempotency keys exist to prevent.
//
// The incident: a checkout sends a charge for order 42 without an Idempotency-Key; oncepay
// commits the charge, and the connection drops before the answer arrives. The client sees only
// an error, assumes nothing happened and sends the same request again. That second request is a
// new charge: the customer pays twice. Compare with sdk-retry.mjs, where a key makes the same
// retry harmless.
//
// Run it against a running oncepay (`npm start` in another terminal):
//   node examples/naive-client.mjs
// ONCEPAY_URL (default http://127.0.0.1:4242) and ONCEPAY_KEY choose the server and the account.
// Exits 0 when it shows the double charge (that is the point), 1 if it could not.

const BASE_URL = process.env.ONCEPAY_URL ?? 'http://127.0.0.1:4242';
const KEY = process.env.ONCEPAY_KEY ?? 'sk_test_example_naive_client';
const ORDER = '42';

async function call(method, path, form) {
  const res = await fetch(`${BASE_URL}${path}`, {
    method,
    headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: form && new URLSearchParams(form).toString(),
  });
  const body = await res.json();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(body)}`);
  return body;
}

// A reader who has not started oncepay yet gets one line saying so, not fetch's stack trace.
await fetch(new URL('/health', BASE_URL)).catch(() => {
  console.error(`no oncepay answers at ${BASE_URL}: start one with npm start in another terminal`);
  process.exit(1);
});

await call('DELETE', '/_sandbox/data');
console.log('reset the sandbox account');

// The next POST /v1/charges is committed, then its connection is closed without an answer.
await call('POST', '/_sandbox/faults', { fault: 'drop_after_commit', method: 'POST', path: '/v1/charges' });
console.log('armed drop_after_commit on POST /v1/charges');

/** The naive client: no Idempotency-Key, and "no answer" taken to mean "not charged". */
async function payOrder() {
  const params = { amount: '2000', currency: 'usd', source: 'tok_visa', 'metadata[order]': ORDER };
  for (let attempt = 1; ; attempt++) {
    try {
      return await call('POST', '/v1/charges', params);
    } catch (error) {
      if (!(error instanceof TypeError) || attempt === 3) throw error; // only network failures are retried
      console.log(`attempt ${attempt} for order ${ORDER} got no answer (${error.cause?.code ?? error.message}): sending it again`);
    }
  }
}

const charge = await payOrder();
console.log(`order ${ORDER} paid with ${charge.id}`);

const charges = (await call('GET', '/v1/charges?limit=100')).data.filter((c) => c.metadata.order === ORDER);
for (const c of charges) console.log(`  ${c.id} ${c.amount} ${c.currency} ${c.status} metadata[order]=${c.metadata.order}`);

if (charges.length !== 2) {
  console.log(`expected the naive retry to make 2 charges for order ${ORDER}, found ${charges.length}`);
  process.exit(1);
}
console.log(`DOUBLE CHARGE: ${charges.length} charges for order ${ORDER}`);
