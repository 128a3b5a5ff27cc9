import { Client } from 'pg';
import type { TestDatabase } from './database';

/** Drops this run's database and stops the embedded server, if the global setup made them. */
export default async function globalTeardown(): Promise<void> {
  const testDatabase = (globalThis as { testDatabase?: TestDatabase }).testDatabase;
  if (!testDatabase) return;
  const admin = new Client({ connectionString: testDatabase.server.url });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${testDatabase.name} WITH (FORCE)`);
  await admin.end();
  await testDatabase.server.stop();
}
