import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { Agent as HttpAgent, get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { isRunning } from '../src/database/running-postgres';
import { testDatabaseUrl } from './database';
import { freePort, isServing, killGroup, MAIN, NPM_START, runServerToExit, ServerProcess, startServer } from './server-process';
import { waitFor } from './wait-for';

const KEY = 'sk_test_server_process_4242';
const auth = { Authorization: `Bearer ${KEY}` };

async function answers(url: string): Promise<boolean> {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

describe('the server process', () => {
  it.each([
    [{ PORT: 'abc' }, 'PORT must be an integer from 1 to 65535'],
    [{ PORT: '70000' }, 'PORT must be an integer from 1 to 65535'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL must be a postgres:// or postgresql:// URL'],
    [{ DATABASE_URL: 'postgres://u:p@127.0.0.1:99999/db' }, 'DATABASE_URL is not a URL that pg can read'],
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

  it('keeps data in the embedded PostgreSQL across a restart and stops it cleanly on SIGTERM', async () => {
    const { dataDir, env, pgUrl } = await embeddedSetup();
    try {
      const first = await startServer(env);
      const customer = await createCustomer(first, 'kept@example.com');
      first.proc.kill('SIGTERM');
      expect(await first.exited).toBe(0);
      expect(await answers(pgUrl)).toBe(false);
      expect(first.stdout.join('\n')).toContain(`embedded PostgreSQL on port ${env.EMBEDDED_POSTGRES_PORT} stopped`);

      await expectCustomerAfterRestart(env, customer, 'SIGINT');
      expect(await answers(pgUrl)).toBe(false);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('starts afresh after a first start killed outright during initdb, and keeps its data from then on', async () => {
    const { dataDir, env, pgUrl } = await embeddedSetup();
    // In a process group of its own, so that the kill ends initdb with it, as a CI job's timeout does.
    const first = spawn(process.execPath, [MAIN], { detached: true, env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, stdio: 'ignore' });
    try {
      // initdb has begun once a file stands in the folder it writes (`pg` before, `pg.initialising-<pid>` now).
      const written = (dir: string) => existsSync(dir) && readdirSync(dir).length > 0;
      await waitFor('initdb to begin writing', async () => readdirSync(dataDir).some((entry) => entry.startsWith('pg') && written(join(dataDir, entry))));
      process.kill(-first.pid!, 'SIGKILL');
      await waitFor('the killed start to be gone', async () => !isRunning(first.pid!));
      expect(existsSync(join(dataDir, 'pg', 'PG_VERSION')) && existsSync(join(dataDir, 'pg', 'global', 'pg_control'))).toBe(false);

      const second = await startServer(env);
      const customer = await createCustomer(second, 'after-kill@example.com');
      second.proc.kill('SIGTERM');
      expect(await second.exited).toBe(0);
      await expectCustomerAfterRestart(env, customer, 'SIGTERM');
      expect(await answers(pgUrl)).toBe(false);
    } finally {
      try {
        process.kill(-first.pid!, 'SIGKILL');
      } catch {
        // Gone already, as it should be.
      }
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('shares one embedded PostgreSQL between two servers started at once on a new data folder', async () => {
    const { dataDir, env, pgUrl } = await embeddedSetup();
    const servers = await Promise.allSettled([startServer(env), startServer({ ...env, PORT: String(await freePort()) })]);
    try {
      const [a, b] = servers.map((started) => {
        if (started.status === 'rejected') throw started.reason;
        return started.value;
      });
      const customer = await createCustomer(a, 'shared@example.com');
      await expectCustomer(b, customer);
      const logs = [...a.stdout, ...b.stdout].join('\n');
      expect(logs).toContain('embedded PostgreSQL started on port');
      expect(logs).toMatch(/sharing it/);
      for (const server of [a, b]) server.proc.kill('SIGTERM');
      expect(await Promise.all([a.exited, b.exited])).toEqual([0, 0]);
      expect(await answers(pgUrl)).toBe(false);
    } finally {
      for (const started of servers) if (started.status === 'fulfilled') started.value.proc.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('stops with a one-line message when its embedded PostgreSQL cannot start on the data it has', async () => {
    const { dataDir, env } = await embeddedSetup();
    try {
      // A data folder no PostgreSQL can run: its version file names none.
      mkdirSync(join(dataDir, 'pg'));
      writeFileSync(join(dataDir, 'pg', 'PG_VERSION'), '1\n');
      const { code, stderr } = await runServerToExit(env);
      expect(code).toBe(1);
      expect(stderr.trim().split('\n')).toEqual([
        `oncepay: could not start: embedded PostgreSQL did not start on port ${env.EMBEDDED_POSTGRES_PORT} (is the port taken, or ${join(dataDir, 'pg')} damaged?)`,
      ]);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  /** A data folder of its own, with free ports for the server and its embedded PostgreSQL. */
  async function embeddedSetup() {
    const dataDir = mkdtempSync(join(tmpdir(), 'oncepay-data-'));
    // mkdtemp makes the folder private; when the tests run as root, PostgreSQL runs as the
    // `postgres` user and must be able to reach its data folder inside it.
    chmodSync(dataDir, 0o755);
    const env = { DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(await freePort()), PORT: String(await freePort()) };
    return { dataDir, env, pgUrl: `postgres://postgres:oncepay@127.0.0.1:${env.EMBEDDED_POSTGRES_PORT}/postgres` };
  }

  /** Creates a customer through a server, answering it as created. */
  async function createCustomer(server: ServerProcess, email: string): Promise<{ id: string }> {
    const created = await fetch(`${server.url}/v1/customers`, {
      method: 'POST',
      headers: { ...auth, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `email=${encodeURIComponent(email)}`,
    });
    expect(created.status).toBe(200);
    return (await created.json()) as { id: string };
  }

  /** Checks that a server answers this customer exactly as it was created. */
  async function expectCustomer(server: ServerProcess, customer: { id: string }): Promise<void> {
    const fetched = await fetch(`${server.url}/v1/customers/${customer.id}`, { headers: auth });
    expect(fetched.status).toBe(200);
    expect(await fetched.json()).toEqual(customer);
  }

  /** Starts a server again, checks that it has the customer, and stops it with `signal`, which it exits 0 on. */
  async function expectCustomerAfterRestart(env: Record<string, string>, customer: { id: string }, signal: NodeJS.Signals): Promise<void> {
    const server = await startServer(env);
    try {
      await expectCustomer(server, customer);
    } finally {
      server.proc.kill(signal);
      expect(await server.exited).toBe(0);
    }
  }

  /** Starts a server that must take over the PostgreSQL left running, and stop it on SIGTERM. */
  async function expectAdoptedThenStopped(env: Record<string, string>, pgUrl: string): Promise<void> {
    const next = await startServer(env);
    expect(next.stdout.join('\n')).toContain('left running on port');
    next.proc.kill('SIGTERM');
    expect(await next.exited).toBe(0);
    expect(await answers(pgUrl)).toBe(false);
  }

  it('adopts the embedded PostgreSQL of a server killed with SIGKILL, and stops it on SIGTERM', async () => {
    const { dataDir, env, pgUrl } = await embeddedSetup();
    try {
      const killed = await startServer(env);
      killed.proc.kill('SIGKILL');
      await killed.exited;
      // PostgreSQL outlives a parent killed outright.
      expect(await answers(pgUrl)).toBe(true);

      await expectAdoptedThenStopped(env, pgUrl);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('adopts it too while the killed server is a zombie its parent has not reaped', async () => {
    const { dataDir, env, pgUrl } = await embeddedSetup();
    // The server's parent becomes `sleep`, which never reaps a child: killed, the server stays a
    // zombie, as it can under an init process slow to reap.
    const parent = await startServer(env, { command: ['sh', '-c', `"${process.execPath}" "${MAIN}" & exec sleep 600`], ownGroup: true });
    try {
      const pid = JSON.parse(parent.stdout[0]).pid as number;
      process.kill(pid, 'SIGKILL');
      await waitFor('the killed server to become a zombie', async () => /\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8')));

      await expectAdoptedThenStopped(env, pgUrl);
    } finally {
      killGroup(parent);
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('refuses an EMBEDDED_POSTGRES_PORT served by another data folder, with a one-line message', async () => {
    const first = await embeddedSetup();
    const other = await embeddedSetup();
    try {
      const server = await startServer(first.env);
      try {
        const { code, stderr } = await runServerToExit({ ...other.env, EMBEDDED_POSTGRES_PORT: first.env.EMBEDDED_POSTGRES_PORT });
        expect(code).toBe(1);
        expect(stderr.trim().split('\n')).toHaveLength(1);
        expect(stderr).toContain(`port ${first.env.EMBEDDED_POSTGRES_PORT} is taken by a PostgreSQL whose data is in`);
      } finally {
        server.proc.kill('SIGTERM');
        expect(await server.exited).toBe(0);
      }
      expect(await answers(first.pgUrl)).toBe(false);
    } finally {
      rmSync(first.dataDir, { recursive: true, force: true });
      rmSync(other.dataDir, { recursive: true, force: true });
    }
  });
});
