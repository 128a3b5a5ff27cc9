import { Agent as HttpAgent, get as httpGet } from 'node:http';
import { Client } from 'pg';
import { testDatabaseUrl } from './database';
import { freePort, isServing, killGroup, NPM_START, runServerToExit, startServer } from './server-process';
import { waitFor } from './wait-for';

const KEY = 'sk_test_server_process_4242';
const auth = { Authorization: `Bearer ${KEY}` };

describe('the server process', () => {
  it.each([
    [{ PORT: 'abc' }, 'PORT must be an integer from 1 to 65535'],
    [{ PORT: '70000' }, 'PORT must be an integer from 1 to 65535'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL must be a postgres:// or postgresql:// URL'],
    [{ DATABASE_URL: 'postgres://u:p@127.0.0.1:99999/db' }, 'DATABASE_URL cannot be read by pg: Invalid URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL must be one of'],
    [{ HOST: '999.1.1.1' }, 'HOST must be an IP address or a host name'],
    [{ HOST: 'http://localhost' }, 'HOST must be an IP address or a host name'],
    [{ HOST: 'nosuch.invalid' }, 'HOST nosuch.invalid does not resolve to an address'],
  ])('refuses the bad setting %j with a one-line message', async (env, message) => {
    const { code, stderr } = await runServerToExit(env);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toHaveLength(1);
    expect(stderr).toContain(message);
  });

  it('stops with a one-line message, without the password, when the database cannot be reached', async () => {
    const port = await freePort();
    const { code, stderr } = await runServerToExit({ DATABASE_URL: `postgres://postgres:hunter2@127.0.0.1:${port}/oncepay` });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      `oncepay: could not start: could not reach the database at postgres://postgres@127.0.0.1:${port}/oncepay: connect ECONNREFUSED 127.0.0.1:${port}`,
    ]);
  });

  it('stops on a SIGTERM sent to `npm start`, as CI jobs and process managers send it', async () => {
    const server = await startServer({ DATABASE_URL: testDatabaseUrl() }, { command: NPM_START, ownGroup: true });
    try {
      server.proc.kill('SIGTERM');
      await server.exited;
      // npm has exited; the server it started must be gone too, not left serving as an orphan.
      const deadline = Date.now() + 15_000;
      while ((await isServing(server.url)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(await isServing(server.url)).toBe(false);
    } finally {
      killGroup(server);
    }
  });

  it('writes one JSON log line per request, with the account but never the key', async () => {
    const server = await startServer({ DATABASE_URL: testDatabaseUrl() });
    try {
      const res = await fetch(`${server.url}/v1/customers?limit=1`, { headers: auth });
      expect(res.status).toBe(200);
      await new Promise((r) => setTimeout(r, 200));
      const lines = server.stdout.map((l) => JSON.parse(l)).filter((l) => l.context === 'http' && l.message.path === '/v1/customers');
      expect(lines).toHaveLength(1);
      expect(lines[0].message).toMatchObject({
        method: 'GET',
        path: '/v1/customers',
        status: 200,
        request_id: res.headers.get('request-id'),
        account: expect.stringMatching(/^acct_[0-9a-f]{24}$/),
      });
      expect(typeof lines[0].message.duration_ms).toBe('number');
      expect(server.stdout.join('\n')).not.toContain(KEY);
    } finally {
      server.proc.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  });

  it('logs a request whose connection was dropped, with a null status', async () => {
    const server = await startServer({ DATABASE_URL: testDatabaseUrl() });
    try {
      const dropped = fetch(`${server.url}/v1/customers`, {
        method: 'POST',
        headers: { ...auth, 'Sandbox-Fault': 'drop_before_execute', 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'email=dropped%40example.com',
      });
      await expect(dropped).rejects.toThrow();
      await new Promise((r) => setTimeout(r, 200));
      const lines = server.stdout.map((l) => JSON.parse(l)).filter((l) => l.context === 'http' && l.message.path === '/v1/customers');
      expect(lines).toHaveLength(1);
      expect(lines[0].message).toMatchObject({ method: 'POST', status: null, account: expect.stringMatching(/^acct_/) });
    } finally {
      server.proc.kill('SIGTERM');
      expect(await server.exited).toBe(0);
    }
  });

  it('ends its held and delayed requests on SIGTERM: a hold answers 503 and frees its key, a delay answers at once, and it exits 0', async () => {
    const server = await startServer({ DATABASE_URL: testDatabaseUrl() });
    const side = new Client({ connectionString: testDatabaseUrl() });
    await side.connect();
    const key = `k-shutdown-${process.pid}-${Date.now()}`;
    const email = `delayed-${process.pid}-${Date.now()}@example.com`;
    const post = (path: string, body: string, headers: Record<string, string>) =>
      fetch(`${server.url}${path}`, { method: 'POST', headers: { ...auth, 'Content-Type': 'application/x-www-form-urlencoded', ...headers }, body });
    try {
      const charge = 'amount=2000&currency=usd&source=tok_visa';
      const held = post('/v1/charges', charge, { 'Idempotency-Key': key, 'Sandbox-Fault': 'hold; delay_ms=60000' });
      const delayed = post('/v1/customers', `email=${encodeURIComponent(email)}`, { 'Sandbox-Fault': 'delay; delay_ms=60000' });
      await waitFor('the held request to lock its key', async () => ((await (await post('/v1/charges', charge, { 'Idempotency-Key': key })).json()) as { error?: { code?: string } }).error?.code === 'idempotency_key_in_use');
      await waitFor('the delayed request to commit', async () => (await side.query('SELECT 1 FROM customers WHERE email = $1', [email])).rowCount === 1);

      server.proc.kill('SIGTERM');
      const [heldAnswer, delayedAnswer] = await Promise.all([held, delayed]);
      expect({ status: heldAnswer.status, retry: heldAnswer.headers.get('stripe-should-retry'), after: heldAnswer.headers.get('retry-after') }).toEqual({
        status: 503,
        retry: 'true',
        after: '1',
      });
      expect({ status: delayedAnswer.status, email: ((await delayedAnswer.json()) as { email: string }).email }).toEqual({ status: 200, email });
      // Taken before the signal, answered after it: each closes its connection, which would
      // otherwise keep the stopping process up until the client let it go.
      expect([heldAnswer.headers.get('connection'), delayedAnswer.headers.get('connection')]).toEqual(['close', 'close']);
      expect(await server.exited).toBe(0);
      // The held request's transaction rolled back: no record holds its key, so a retry executes.
      expect((await side.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [key])).rowCount).toBe(0);
    } finally {
      server.proc.kill('SIGKILL');
      await side.end();
    }
  });

  it('stops on SIGTERM while a client sends request after request on one kept-alive connection', async () => {
    const server = await startServer({ DATABASE_URL: testDatabaseUrl(), LOG_LEVEL: 'warn' });
    const agent = new HttpAgent({ keepAlive: true, maxSockets: 1 });
    const getCustomers = () =>
      new Promise<number>((resolve, reject) => {
        httpGet(`${server.url}/v1/customers?limit=1`, { agent, headers: auth }, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        }).on('error', reject);
      });
    try {
      let answered = 0;
      // One request after another, each as soon as the last has answered, until the server is gone.
      const client = (async () => {
        for (;;) {
          try {
            await getCustomers();
            answered += 1;
          } catch {
            return;
          }
        }
      })();
      await waitFor('the client to be under way', async () => answered >= 5);
      server.proc.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      await client;
    } finally {
      agent.destroy();
      server.proc.kill('SIGKILL');
    }
  });
});
