import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { answers, isRunning } from '../src/database/running-postgres';
import { freePort, killGroup, MAIN, runServerToExit, ServerProcess, startServer } from './server-process';
import { waitFor } from './wait-for';

const KEY = 'sk_test_server_process_embedded';
const auth = { Authorization: `Bearer ${KEY}` };

/**
 * The server process with its embedded PostgreSQL (no DATABASE_URL), each test with a data folder
 * and ports of its own: data kept across restarts, a server killed outright and the one after it,
 * two servers on one data folder, and the refusals at start.
 */
describe('the server process with its embedded PostgreSQL', () => {
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
    // A data folder no PostgreSQL can run: its version file names none.
    const { pg, port, lines } = await startOnPgHolding('PG_VERSION', '1\n');
    expect(lines).toEqual([`oncepay: could not start: embedded PostgreSQL did not start on port ${port} (is the port taken, or ${pg} damaged?)`]);
  });

  it('creates its data in a pg that is there already, empty, such as a link to a folder made for it', async () => {
    const { dataDir, env } = await embeddedSetup();
    const target = mkdtempSync(join(tmpdir(), 'oncepay-pg-'));
    // As embeddedSetup's folder: PostgreSQL, as the `postgres` user under root, must reach it.
    chmodSync(target, 0o755);
    symlinkSync(target, join(dataDir, 'pg'));
    try {
      const server = await startServer(env);
      await createCustomer(server, 'linked@example.com');
      server.proc.kill('SIGTERM');
      expect(await server.exited).toBe(0);
      expect(existsSync(join(target, 'PG_VERSION'))).toBe(true);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
      rmSync(target, { recursive: true, force: true });
    }
  });

  it('refuses a pg holding files but no cluster, with a one-line message, and leaves the files alone', async () => {
    const { pg, lines, left } = await startOnPgHolding('notes.txt', 'mine\n');
    expect(lines).toEqual([`oncepay: could not start: ${pg} holds files but no PostgreSQL cluster (no PG_VERSION): move it away, or delete it, and start again`]);
    expect(left).toEqual(['notes.txt']);
  });

  /** Starts a server whose data folder's `pg` holds one file, which must stop it: what it printed, and what `pg` held after. */
  async function startOnPgHolding(file: string, text: string) {
    const { dataDir, env } = await embeddedSetup();
    try {
      const pg = join(dataDir, 'pg');
      mkdirSync(pg);
      writeFileSync(join(pg, file), text);
      const { code, stderr } = await runServerToExit(env);
      expect(code).toBe(1);
      return { pg, port: env.EMBEDDED_POSTGRES_PORT, lines: stderr.trim().split('\n'), left: readdirSync(pg) };
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }

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
