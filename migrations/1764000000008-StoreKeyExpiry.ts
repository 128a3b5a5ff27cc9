import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Each idempotency record keeps the moment it may be purged, `expires_at`: the saving process's
 * `IDEMPOTENCY_KEY_TTL` after it was saved, by the database's clock, as `created_at` is. Before,
 * every process purged every record older than its own TTL, so one process started with a shorter
 * TTL than the others (say, during a rolling change of it) purged records that the others still
 * promised to replay, and a retry sent to them executed a second time.
 *
 * Records saved before, and records saved by a process older than this migration (which does not
 * set `expires_at`), expire 30 days after they were saved: the longest TTL a process may have
 * (MAX_IDEMPOTENCY_KEY_TTL_SECONDS), as their saver's is not known. Purged late, a record only
 * takes space; purged early, a retry within its window would execute again. Such an older process
 * should be restarted; until then it purges by its own TTL, as it always did. The purge finds
 * expired records through `idempotency_keys_expires_at_idx`.
 */
export class StoreKeyExpiry1764000000008 implements MigrationInterface {
  name = 'StoreKeyExpiry1764000000008';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE idempotency_keys ADD COLUMN expires_at timestamptz`);
    await queryRunner.query(`UPDATE idempotency_keys SET expires_at = created_at + interval '30 days'`);
    await queryRunner.query(`ALTER TABLE idempotency_keys ALTER COLUMN expires_at SET DEFAULT clock_timestamp() + interval '30 days'`);
    await queryRunner.query(`ALTER TABLE idempotency_keys ALTER COLUMN expires_at SET NOT NULL`);
    await queryRunner.query(`CREATE INDEX idempotency_keys_expires_at_idx ON idempotency_keys (expires_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX idempotency_keys_expires_at_idx`);
    await queryRunner.query(`ALTER TABLE idempotency_keys DROP COLUMN expires_at`);
  }
}
