import { resolve } from 'node:path';
import type { Database } from '../src/database/embedded-postgres';

/**
 * Where each test run's embedded PostgreSQL keeps its data, apart from `npm start`'s. Every run
 * starts a server of its own, in a folder of its own on a free port, so two runs at once (two
 * terminals, or a watcher beside a full run) never share, truncate or stop each other's database.
 */
export const testDataDir = (pid: number) => resolve(__dirname, '..', '.data', 'test', String(pid));

/** The URL the global setup chose; every suite reads it from here. */
export function testDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run the tests through jest, whose global setup sets it');
  return url;
}

/** What the global setup started and the teardown removes. */
export interface TestDatabase {
  server: Database;
  dataDir: string;
}
