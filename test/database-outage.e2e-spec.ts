import { createServer, Server, Socket } from 'node:net';
import { Client } from 'pg';
import request from 'supertest';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../src/app.factory';
import { testDatabaseUrl } from './database';
import { freePort, ServerProcess, startServer } from './server-process';
import { KEY } from './helpers';
import { waitFor } from './wait-for';

/**
 * A TCP proxy in front of the tests' PostgreSQL. Taking it down closes every connection and
 * refuses new ones, which is what the application sees when its database goes away; bringing it
 * back up is the database returning.
 */
class DatabaseProxy {
  private server?: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly target: { host: string; port: number },
    readonly port: number,
  ) {}

  async up(): Promise<void> {
    this.server = createServer((client) => {
      const upstream = new Socket();
      upstream.connect(this.target.port, this.target.host);
      for (const s of [client, upstream]) {
        this.sockets.add(s);
        s.on('close', () => this.sockets.delete(s));
        s.on('error', () => s.destroy());
      }
      client.pipe(upstream).pipe(client);
    });
    await new Promise<void>((done) => this.server!.listen(this.port, '127.0.0.1', done));
  }

  async down(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((done) => this.server!.close(() => done()));
  }
}

describe('when the database goes away', () => {
  let proxy: DatabaseProxy;
  let app: NestExpressApplication;
  const http = () => request(app.getHttpServer());

  beforeAll(async () => {
    const real = new URL(testDatabaseUrl());
    proxy = new DatabaseProxy({ host: real.hostname, port: Number(real.port || 5432) }, await freePort());
    await proxy.up();
    const viaProxy = new URL(real);
    viaProxy.hostname = '127.0.0.1';
    viaProxy.port = String(proxy.port);
    app = await createApp(viaProxy.toString());
    await app.init();
  });
  afterAll(async () => {
    await app.close();
    await proxy.down();
  });

  it('answers 503 on /health and 503 api_error on the API, then recovers by itself', async () => {
    await http().get('/health').expect(200, { status: 'ok' });
    await http().get('/v1/customers').auth(KEY, '').expect(200);

    await proxy.down();
    const health = await http().get('/health').expect(503);
    expect(health.body.error.type).toBe('api_error');
    for (const call of [
      http().get('/v1/customers').auth(KEY, ''),
      http().post('/v1/customers').auth(KEY, '').type('form').send('email=down%40example.com'),
      http().post('/v1/charges').auth(KEY, '').type('form').send('amount=500&currency=usd&source=tok_visa'),
    ]) {
      const res = await call;
      expect(res.status).toBe(503);
      expect(res.body).toEqual({ error: { type: 'api_error', message: expect.any(String) } });
      expect(res.headers['request-id']).toMatch(/^req_/);
      expect(JSON.stringify(res.body)).not.toMatch(/ECONNREFUSED|at .*\.js|SELECT|INSERT/);
    }

    await proxy.up();
    await waitFor('the database to answer again', async () => (await http().get('/health')).status === 200, 15_000);
    await http().post('/v1/customers').auth(KEY, '').type('form').send('email=back%40example.com').expect(200);
  });
});

describe('when the database is dropped under a running server', () => {
  const name = `oncepay_dropped_${process.pid}`;
  const admin = () => {
    const url = new URL(testDatabaseUrl());
    url.pathname = '/postgres';
    return new Client({ connectionString: url.toString() });
  };
  let app: NestExpressApplication;

  beforeAll(async () => {
    const client = admin();
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
    await client.end();
    const url = new URL(testDatabaseUrl());
    url.pathname = `/${name}`;
    app = await createApp(url.toString());
    await app.init();
  });
  afterAll(async () => {
    await app.close();
    const client = admin();
    await client.connect();
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.end();
  });

  it('answers 503 api_error with Stripe-Should-Retry, not a 500', async () => {
    await request(app.getHttpServer()).get('/v1/customers').auth(KEY, '').expect(200);
    const client = admin();
    await client.connect();
    await client.query(`DROP DATABASE ${name} WITH (FORCE)`);
    await client.end();
    for (const call of [
      () => request(app.getHttpServer()).get('/v1/customers').auth(KEY, ''),
      () => request(app.getHttpServer()).post('/v1/customers').auth(KEY, '').type('form').send('name=gone'),
    ]) {
      const res = await call();
      expect({ status: res.status, type: res.body.error?.type, retry: res.headers['stripe-should-retry'] }).toEqual({ status: 503, type: 'api_error', retry: 'true' });
    }
    await request(app.getHttpServer()).get('/health').expect(503);
  });

  it('answers 503, on /health too, when the database comes back empty, without oncepay\'s tables', async () => {
    const client = admin();
    await client.connect();
    await client.query(`CREATE DATABASE ${name}`);
    await client.end();
    for (const call of [
      () => request(app.getHttpServer()).get('/health'),
      () => request(app.getHttpServer()).get('/v1/customers').auth(KEY, ''),
      () => request(app.getHttpServer()).post('/v1/customers').auth(KEY, '').type('form').send('name=empty'),
    ]) {
      const res = await call();
      expect({ status: res.status, type: res.body.error?.type }).toEqual({ status: 503, type: 'api_error' });
    }
  });
});

describe('a connection killed between two statements of a request', () => {
  let server: ServerProcess;
  let side: Client;
  beforeAll(async () => {
    server = await startServer({ DATABASE_URL: testDatabaseUrl(), LOG_LEVEL: 'warn' });
    side = new Client({ connectionString: testDatabaseUrl() });
    await side.connect();
  });
  afterAll(async () => {
    server.proc.kill('SIGCONT');
    server.proc.kill('SIGKILL');
    await server.exited;
    await side.end();
  });

  /** The backend of a statement of this database that waits for a lock: here, only the capture. */
  async function waitingBackend(): Promise<number | undefined> {
    const { rows } = await side.query(`SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
    return rows[0]?.pid;
  }

  const auth = { authorization: `Bearer ${KEY}`, 'content-type': 'application/x-www-form-urlencoded' };
  const capture = (id: string) => fetch(`${server.url}/v1/charges/${id}/capture`, { method: 'POST', headers: auth });

  /**
   * Authorises a charge, locks its row in a transaction of `side` (left open), and starts its
   * capture, which waits for the row: returns the charge's id, the capture's answer to come and
   * the backend of its waiting statement.
   */
  async function captureWaitingForRow(): Promise<{ id: string; answer: Promise<Response>; backend: number }> {
    const created = await fetch(`${server.url}/v1/charges`, { method: 'POST', headers: auth, body: 'amount=2000&currency=usd&source=tok_visa&capture=false' });
    const { id } = (await created.json()) as { id: string };
    await side.query('BEGIN');
    await side.query('SELECT 1 FROM charges WHERE id = $1 FOR UPDATE', [id]);
    const answer = capture(id);
    let backend: number | undefined;
    await waitFor('the capture to wait for the row', async () => (backend = await waitingBackend()) !== undefined);
    return { id, answer, backend: backend! };
  }

  it('answers 503 with Stripe-Should-Retry, not a 500, and the retry executes', async () => {
    // The capture waits for the charge's row, held by a transaction outside oncepay. With the
    // server stopped, that transaction ends, so the capture's SELECT completes and its backend sits
    // idle in the capture's transaction, where it is killed: the server, let go again, finds its
    // connection gone between the SELECT and the UPDATE that follows it.
    const { id, answer: capturing, backend } = await captureWaitingForRow();
    server.proc.kill('SIGSTOP');
    try {
      await side.query('COMMIT');
      await waitFor('the capture to sit idle in its transaction', async () => {
        const { rows } = await side.query('SELECT state FROM pg_stat_activity WHERE pid = $1', [backend]);
        return rows[0]?.state === 'idle in transaction';
      });
      await side.query('SELECT pg_terminate_backend($1)', [backend]);
    } finally {
      server.proc.kill('SIGCONT');
    }
    const answer = await capturing;
    expect({ status: answer.status, retry: answer.headers.get('stripe-should-retry'), type: ((await answer.json()) as { error: { type: string } }).error.type }).toEqual({
      status: 503,
      retry: 'true',
      type: 'api_error',
    });
    const { rows } = await side.query('SELECT captured FROM charges WHERE id = $1', [id]);
    expect(rows[0].captured).toBe(false);
    expect((await capture(id)).status).toBe(200);
  });

  it('answers 503, not a 500, when an administrator cancels the statement a request waits on', async () => {
    const { id, answer: capturing, backend } = await captureWaitingForRow();
    try {
      await side.query('SELECT pg_cancel_backend($1)', [backend]);
      const answer = await capturing;
      expect({ status: answer.status, retry: answer.headers.get('stripe-should-retry') }).toEqual({ status: 503, retry: 'true' });
    } finally {
      await side.query('COMMIT');
    }
    const { rows } = await side.query('SELECT captured FROM charges WHERE id = $1', [id]);
    expect(rows[0].captured).toBe(false);
    expect((await capture(id)).status).toBe(200);
  });
});

describe('connections terminated again and again under load', () => {
  /** Sweeps of pg_terminate_backend over the server's connections, a random 0–100 ms apart. */
  const SWEEPS = 60;
  const WORKERS = 8;

  it('keeps serving: each request answers 200 or 503, none goes unanswered, and the server stays up', async () => {
    // The server's connections carry a name of their own, so that only they are terminated, not
    // those of the suites running beside this one on the same database.
    const name = `oncepay-terminated-${process.pid}`;
    const url = new URL(testDatabaseUrl());
    url.searchParams.set('application_name', name);
    const server = await startServer({ DATABASE_URL: url.toString(), LOG_LEVEL: 'error' });
    const side = new Client({ connectionString: testDatabaseUrl() });
    await side.connect();
    const statuses = new Set<number>();
    let unanswered = 0;
    let stop = false;
    const work = async (worker: number) => {
      for (let i = 0; !stop; i++) {
        try {
          const res = await fetch(`${server.url}/v1/charges`, {
            method: 'POST',
            headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/x-www-form-urlencoded', 'idempotency-key': `terminated-${process.pid}-${worker}-${i}` },
            body: 'amount=2000&currency=usd&source=tok_visa',
          });
          statuses.add(res.status);
          await res.arrayBuffer();
        } catch {
          unanswered += 1;
        }
      }
    };
    try {
      const workers = Array.from({ length: WORKERS }, (_, worker) => work(worker));
      for (let sweep = 0; sweep < SWEEPS; sweep++) {
        await side.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [name]);
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 100));
      }
      stop = true;
      await Promise.all(workers);
      expect({ unanswered, exitCode: server.proc.exitCode, statuses: [...statuses].sort() }).toEqual({ unanswered: 0, exitCode: null, statuses: [200, 503] });
      await waitFor('the server to answer /health again', async () => (await fetch(`${server.url}/health`)).status === 200);
    } finally {
      stop = true;
      server.proc.kill('SIGKILL');
      await server.exited;
      await side.end();
    }
  });
});
