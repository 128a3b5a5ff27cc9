import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The idempotency record: one row per (account, key), written in the same transaction as the
 * request's own writes. `idempotency_keys_account_key_unique` is the backstop of the whole design:
 * whatever happens in application code, PostgreSQL lets only one transaction commit a record for
 * a key, so at most one execution of a keyed request can ever commit. `created_at` is indexed for
 * the purge of expired keys. (Since 1764000000008 the purge finds them by `expires_at`; the index
 * stays for processes from before it, which still purge by `created_at` while they run beside newer
 * ones on one database.)
 */
export class CreateIdempotencyKeys1764000000001 implements MigrationInterface {
  name = 'CreateIdempotencyKeys1764000000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        id            bigint      GENERATED ALWAYS AS IDENTITY,
        account       text        NOT NULL,
        key           text        NOT NULL,
        fingerprint   text        NOT NULL,
        method        text        NOT NULL,
        path          text        NOT NULL,
        status_code   integer     NOT NULL,
        response_body text        NOT NULL,
        request_id    text        NOT NULL,
        created_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT idempotency_keys_pkey PRIMARY KEY (id),
        CONSTRAINT idempotency_keys_account_key_unique UNIQUE (account, key)
      )`);
    await queryRunner.query(`CREATE INDEX idempotency_keys_created_at_idx ON idempotency_keys (created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE idempotency_keys`);
  }
}
