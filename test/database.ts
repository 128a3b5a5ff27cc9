import { resolve } from 'node:path';
import type { Database } from '../src/database/embedded-postgres';

/** Where the embedded PostgreSQL for tests keeps its data, apart from `npm start`'s. */
export const TEST_DATA_DIR = resolve(__dirname, '..', '.data', 'test');
/** Its port, apart from `npm start`'s 54329, so tests can run while a server is up. */
export const TEST_EMBEDDED_PORT = 54330;

/** The URL the global setup chose; every suite reads it from here. */
export function testDatabaseUrl(): string {
  const url = process.env.DATABASE_URL;
  if (!url) throw new Error('DATABASE_URL is not set: run the tests through jest, whose global setup sets it');
  return url;
}

/** What the global setup made and the teardown removes. */
export interface TestDatabase {
  server: Database;
  name: string;
}
