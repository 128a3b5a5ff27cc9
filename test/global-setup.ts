import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { TEST_DATA_DIR, TEST_EMBEDDED_PORT } from './database';

/**
 * Finds the tests' PostgreSQL: `DATABASE_URL` when set, otherwise an embedded server of its own.
 * It applies the migrations once and hands the URL to every suite through the environment (jest
 * starts its workers after this, so they inherit it).
 */
export default async function globalSetup(): Promise<void> {
  if (!process.env.DATABASE_URL) {
    const database = await startEmbeddedPostgres(TEST_DATA_DIR, TEST_EMBEDDED_PORT, () => undefined);
    process.env.DATABASE_URL = database.url;
    (globalThis as { testDatabase?: typeof database }).testDatabase = database;
  }
  const dataSource = await new DataSource(dataSourceOptions(process.env.DATABASE_URL!)).initialize();
  try {
    await dataSource.runMigrations({ transaction: 'each' });
    const [{ version }] = await dataSource.query(`SELECT current_setting('server_version') AS version`);
    process.stdout.write(`\ntests run against PostgreSQL ${version}\n`);
  } finally {
    await dataSource.destroy();
  }
}
