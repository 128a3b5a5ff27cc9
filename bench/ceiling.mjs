// The ceiling: the same durable work as oncepay's idempotent create, on bare node:http and pg,
// with nothing else — no framework, no validation, no request log, no faults. Its statements are
// prepared once per connection, as oncepay's are (src/database/preparing-client.ts). One transaction
// claims the key, inserts the charge and stores the response, in oncepay's own tables (with
// their indexes and constraints, so the database does the same work per row), so the report can
// show oncepay's create path as a fraction of what this machine and database can do for it.
//
//   DATABASE_URL=postgres://… PORT=4343 CEILING_RESPONSE='<a charge as oncepay answers it>' node bench/ceiling.mjs
//
// The database must hold oncepay's schema (start oncepay on it once). CEILING_RESPONSE is the text
// of a real oncepay charge, so the stored response is as large as oncepay's; each request's own id
// is put in place of the template's.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import pg from 'pg';

/** As many connections as oncepay's pool (src/database/data-source.ts), for a fair comparison. */
const POOL_SIZE = 16;
const CARD = JSON.stringify({ brand: 'visa', last4: '4242', country: 'US', funding: 'credit', exp_year: 2034, exp_month: 12 });

const template = JSON.parse(process.env.CEILING_RESPONSE ?? '{}');
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: POOL_SIZE });

async function create(account, key, amount) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    // Claim: the record's row, with its answer still empty. A second claim of the key waits for
    // this transaction at the unique index, and then finds the row.
    const claimed = await client.query({
      name: 'claim',
      text: `INSERT INTO idempotency_keys (account, key, fingerprint, method, path, status_code, response_body, request_id)
             VALUES ($1, $2, '', 'POST', '/charges', 0, '', $3) ON CONFLICT DO NOTHING RETURNING id`,
      values: [account, key, `req_${randomBytes(12).toString('hex')}`],
    });
    if (claimed.rowCount === 0) {
      await client.query('ROLLBACK');
      const { rows } = await pool.query('SELECT response_body FROM idempotency_keys WHERE account = $1 AND key = $2', [account, key]);
      return { status: 200, body: rows[0]?.response_body ?? '{}' };
    }
    const id = `ch_${randomBytes(12).toString('hex')}`;
    await client.query({
      name: 'charge',
      text: `INSERT INTO charges (id, account, created, amount, amount_captured, amount_refunded, currency, metadata, status, captured, card)
             VALUES ($1, $2, now(), $3, $3, 0, 'usd', '{"bench": "1"}', 'succeeded', true, $4)`,
      values: [id, account, amount, CARD],
    });
    const body = JSON.stringify({ ...template, id, amount });
    await client.query({
      name: 'answer',
      text: 'UPDATE idempotency_keys SET fingerprint = $2, status_code = 200, response_body = $3 WHERE id = $1',
      values: [claimed.rows[0].id, randomBytes(32).toString('hex'), body],
    });
    await client.query('COMMIT');
    return { status: 200, body };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const server = createServer((req, res) => {
  if (req.url === '/health') return void res.end('ok');
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    try {
      const params = new URLSearchParams(Buffer.concat(chunks).toString());
      const account = `acct_ceiling_${req.headers.authorization ?? ''}`;
      const { status, body } = await create(account, String(req.headers['idempotency-key']), Number(params.get('amount')));
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(body);
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
});
server.listen(Number(process.env.PORT ?? 4343), '127.0.0.1', () => console.log('ceiling listening'));
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
