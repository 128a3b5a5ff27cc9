import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { TEST_DATA_DIR, TEST_EMBEDDED_PORT, TestDatabase } from './database';

/**
 * Finds the tests' PostgreSQL: `DATABASE_URL` when set, otherwise an embedded server of its own,
 * in which each run gets a fresh database (so two runs at once do not truncate each other's
 * tables). It applies the migrations once and hands the URL to every suite through the
 * environment: jest starts its workers after this, so they inherit it.
 */
export default async function globalSetup(): Promise<void> {
  if (!process.env.DATABASE_URL) {
    const server = await startEmbeddedPostgres(TEST_DATA_DIR, TEST_EMBEDDED_PORT, () => undefined);
    const name = `oncepay_test_${process.pid}`;
    const admin = new Client({ connectionString: server.url });
    await admin.connect();
    // `name` is built from a number; CREATE DATABASE takes no bind parameters.
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(server.url);
    url.pathname = `/${name}`;
    process.env.DATABASE_URL = url.toString();
    const testDatabase: TestDatabase = { server, name };
    (globalThis as { testDatabase?: TestDatabase }).testDatabase = testDatabase;
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
