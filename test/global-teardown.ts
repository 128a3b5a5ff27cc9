import { rmSync } from 'node:fs';
import type { TestDatabase } from './database';

/** Stops this run's embedded PostgreSQL, if the global setup started one, and removes its data. */
export default async function globalTeardown(): Promise<void> {
  const testDatabase = (globalThis as { testDatabase?: TestDatabase }).testDatabase;
  if (!testDatabase) return;
  await testDatabase.server.stop();
  rmSync(testDatabase.dataDir, { recursive: true, force: true });
}
