import { mkdirSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source';
import { startEmbeddedPostgres } from '../src/database/embedded-postgres';
import { testDataDir, TestDatabase } from './database';
import { freePort } from './server-process';

/**
 * Finds the tests' PostgreSQL: `DATABASE_URL` when set, otherwise an embedded server of this run's
 * own. It applies the migrations once and hands the URL to every suite through the environment:
 * jest starts its workers after this, so they inherit it.
 */
export default async function globalSetup(): Promise<void> {
  if (!process.env.DATABASE_URL) {
    const dataDir = testDataDir(process.pid);
    mkdirSync(dataDir, { recursive: true });
    const server = await startEmbeddedPostgres(dataDir, await freePort(), () => undefined);
    process.env.DATABASE_URL = server.url;
    const testDatabase: TestDatabase = { server, dataDir };
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
