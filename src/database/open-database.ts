import type { AppConfig } from '../common/config';
import { Database, startEmbeddedPostgres } from './embedded-postgres';
import { reachDatabase } from './reach-database';

/**
 * The database oncepay runs on, for the server and the TypeORM CLI alike: `DATABASE_URL` when
 * set, reached once first, so that a database that is not there stops the process with one line;
 * otherwise the embedded PostgreSQL with its data in `DATA_DIR`, started here (or shared with
 * another oncepay process already running it), which has just been reached by starting it.
 */
export async function openDatabase(config: AppConfig, log: (line: string) => void): Promise<Database> {
  if (config.DATABASE_URL) {
    await reachDatabase(config.DATABASE_URL);
    return { url: config.DATABASE_URL, stop: async () => undefined };
  }
  return startEmbeddedPostgres(config.DATA_DIR, config.EMBEDDED_POSTGRES_PORT, log);
}
