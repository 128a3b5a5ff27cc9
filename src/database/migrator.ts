import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { DataSource, MigrationExecutor } from 'typeorm';

/**
 * Key of the PostgreSQL advisory lock held while migrations run; it only has to be the same in
 * every oncepay process. It is a one-part key, in the space where idempotency keys' locks are
 * 64-bit hashes (the account's lock is a two-part key, apart). Should a key ever hash to this one
 * (odds of 2^-64 per key), a migration would wait for that key's request to end, or that key's
 * request would answer a retryable `idempotency_key_in_use` while a migration ran; nothing worse.
 */
const MIGRATION_LOCK_KEY = 4_242_000_001;

/**
 * Applies pending migrations when the application starts. Several processes may start at once
 * against one database (two instances behind a load balancer, a test that boots two); without a
 * lock both would try to create the same tables and one would fail. The session-level advisory
 * lock makes the second process wait until the first has finished, and then find nothing to do.
 * The lock is taken on a dedicated connection and released on that same connection, because
 * advisory locks belong to the session that took them. The migrations run on that connection too,
 * with the API's lock timeout (see data-source.ts) lifted: waiting for the lock, or for a table
 * that a request in another process is using, is right here, and failing would stop the start.
 */
@Injectable()
export class Migrator implements OnModuleInit {
  private readonly logger = new Logger('Migrator');

  constructor(private readonly dataSource: DataSource) {}

  async onModuleInit(): Promise<void> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.query('SET lock_timeout = 0');
      await runner.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      const migrations = new MigrationExecutor(this.dataSource, runner);
      migrations.transaction = 'each';
      const applied = await migrations.executePendingMigrations();
      for (const migration of applied) this.logger.log(`applied migration ${migration.name}`);
    } finally {
      await runner.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
      // The connection goes back to the pool: RESET restores the timeout its startup packet set.
      // RESET cannot fail on a live connection, and the pool discards a dead one.
      await runner.query('RESET lock_timeout').catch(() => undefined);
      await runner.release();
    }
  }
}
