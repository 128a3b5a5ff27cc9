import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An idempotency record's `created_at`, from which its retention window runs, is the moment it is
 * saved, not the moment its transaction began, as `now()` gives. A request held by the fault
 * `hold` keeps its transaction open for up to a minute before it saves its record; dated from the
 * transaction's start, the record could already be past a short `IDEMPOTENCY_KEY_TTL` when it
 * committed, and the very next retry would execute afresh. `clock_timestamp()` is the time of the
 * INSERT itself, a moment before the commit.
 */
export class DateKeysWhenSaved1764000000006 implements MigrationInterface {
  name = 'DateKeysWhenSaved1764000000006';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE idempotency_keys ALTER COLUMN created_at SET DEFAULT clock_timestamp()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE idempotency_keys ALTER COLUMN created_at SET DEFAULT now()`);
  }
}
