import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * `idempotency_claim(account, key, ttl_seconds)`: takes a key's lock and reads its record, in one
 * round trip to the database. It answers one row: `locked` false if another transaction holds
 * the key (every other column null), or `locked` true with the key's record, if there is one,
 * and whether that record is older than `ttl_seconds` (all null if there is none).
 *
 * Why a function and not one SELECT: a plain statement reads from a snapshot taken when the
 * statement begins, before its lock is granted, so it could miss the record of a request that
 * held the key until just then and committed. A VOLATILE function takes a fresh snapshot for
 * each statement it runs (at READ COMMITTED, which every connection of oncepay's is set to), so
 * the read after the lock sees every commit made before the lock was granted. PostgreSQL frees a
 * transaction's advisory locks only once its commit is visible, so a record saved under the lock
 * is always found. `test/idempotency-claim.e2e-spec.ts` shows the difference on a live database.
 *
 * The lock is `pg_try_advisory_xact_lock`, held until the transaction ends; see
 * `IdempotencyService.claim` for why a lock that can be tried without waiting.
 */
export class CreateIdempotencyClaim1764000000003 implements MigrationInterface {
  name = 'CreateIdempotencyClaim1764000000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(CREATE_CLAIM_FUNCTION);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION idempotency_claim(text, text, integer)`);
  }
}

/** This migration's function, which migrations/1764000000005 replaces and restores on `down`. */
export const CREATE_CLAIM_FUNCTION = `
      CREATE FUNCTION idempotency_claim(claim_account text, claim_key text, ttl_seconds integer)
      RETURNS TABLE (
        locked boolean, id bigint, fingerprint text, method text, path text, status_code integer,
        response_body text, request_id text, created_at timestamptz, expired boolean)
      LANGUAGE plpgsql VOLATILE
      AS $$
      BEGIN
        IF NOT pg_try_advisory_xact_lock(hashtextextended(claim_account || E'\\n' || claim_key, 0)) THEN
          locked := false;
          RETURN NEXT;
          RETURN;
        END IF;
        -- A new statement, so a new snapshot: it sees what committed while the lock was taken.
        RETURN QUERY
          SELECT true, k.id, k.fingerprint, k.method, k.path, k.status_code, k.response_body, k.request_id,
                 k.created_at, k.created_at <= now() - make_interval(secs => ttl_seconds)
            FROM idempotency_keys k
           WHERE k.account = claim_account AND k.key = claim_key;
        IF NOT FOUND THEN
          locked := true;
          RETURN NEXT;
        END IF;
      END
      $$`;
