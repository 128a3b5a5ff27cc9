// The ceiling: the same durable work as oncepay's idempotent create, on bare node:http and pg,
// with nothing else — no framework, no validation, no request log, no faults. One transaction
// claims the key, inserts the charge and stores the response, so the report can show oncepay's
// create path as a fraction of what this machine and database can do for that work.
//
//   DATABASE_URL=postgres://… PORT=4343 node bench/ceiling.mjs
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import pg from 'pg';

/** As many connections as oncepay's pool (src/database/data-source.ts), for a fair comparison. */
const POOL_SIZE = 16;

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: POOL_SIZE });
await pool.query(`
  CREATE TABLE IF NOT EXISTS ceiling_keys (
    account text NOT NULL, key text NOT NULL, response text,
    CONSTRAINT ceiling_keys_account_key_unique UNIQUE (account, key));
  CREATE TABLE IF NOT EXISTS ceiling_charges (
    id text PRIMARY KEY, account text NOT NULL, amount integer NOT NULL, currency text NOT NULL,
    created timestamptz NOT NULL DEFAULT now())`);

async function create(account, key, amount) {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const claimed = await client.query(
      'INSERT INTO ceiling_keys (account, key) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING key',
      [account, key],
    );
    if (claimed.rowCount === 0) {
      await client.query('ROLLBACK');
      const { rows } = await pool.query('SELECT response FROM ceiling_keys WHERE account = $1 AND key = $2', [account, key]);
      return { status: 200, body: rows[0]?.response ?? '{}' };
    }
    const id = `ch_${randomBytes(12).toString('hex')}`;
    await client.query('INSERT INTO ceiling_charges (id, account, amount, currency) VALUES ($1, $2, $3, $4)', [id, account, amount, 'usd']);
    const body = JSON.stringify({ id, object: 'charge', amount, currency: 'usd', status: 'succeeded' });
    await client.query('UPDATE ceiling_keys SET response = $3 WHERE account = $1 AND key = $2', [account, key, body]);
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
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    try {
      const params = new URLSearchParams(Buffer.concat(chunks).toString());
      const { status, body } = await create(req.headers.authorization ?? '', String(req.headers['idempotency-key']), Number(params.get('amount')));
      res.writeHead(status, { 'Content-Type': 'application/json' }).end(body);
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
});
server.listen(Number(process.env.PORT ?? 4343), '127.0.0.1', () => console.log('ceiling listening'));
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
