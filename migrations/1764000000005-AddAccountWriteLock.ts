import { MigrationInterface, QueryRunner } from 'typeorm';
import { CREATE_CLAIM_FUNCTION } from './1764000000003-CreateIdempotencyClaim';

/**
 * The account lock, which keeps a sandbox reset (`DELETE /_sandbox/data`) from cutting a request
 * in two. The reset deletes table after table, each statement seeing what has committed by the
 * time it starts. Without this lock, a keyed charge that committed between the reset's DELETE of
 * charges and its DELETE of idempotency keys kept its charge but lost its key, so its retry
 * charged a second time.
 *
 * Every write transaction of the API holds the lock shared, before its first write; the reset
 * holds it exclusively, before its first DELETE. Writes of one account run side by side, and a
 * reset waits for those in flight to commit, while those that arrive meanwhile wait for the reset:
 * each request lands wholly before the reset, and is erased, or wholly after it. Neither side
 * locks a row before it holds the account lock, so neither can be waiting for a row the other
 * holds: the two cannot deadlock.
 *
 * It is a transaction-level advisory lock, freed at commit or rollback, like the key's. Its key
 * is the pair (ACCOUNT_LOCKS, hash of the account); PostgreSQL keeps two-part keys apart from
 * the one-part keys that lock idempotency keys, so the two never meet. Two accounts whose names
 * share a hash only make a reset of one wait for writes of the other.
 *
 * `idempotency_claim` gains `for_write`: with it, the claim takes the account lock right after
 * the key's, so a keyed request pays no extra round trip. A request held by the fault `hold`
 * claims without it and takes it once its hold is over (`account_write_lock`), so that a reset
 * never waits for a hold. It defaults to true, so that a server process started before this
 * migration, still running on the same database and calling the claim with three arguments,
 * goes on working, and its keyed writes take the lock too (a held one for the whole of its hold,
 * so a reset waits for it, until that server is restarted).
 */
const ACCOUNT_LOCKS = 1;

export class AddAccountWriteLock1764000000005 implements MigrationInterface {
  name = 'AddAccountWriteLock1764000000005';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION account_write_lock(lock_account text) RETURNS void
      LANGUAGE sql VOLATILE
      AS $$ SELECT pg_advisory_xact_lock_shared(${ACCOUNT_LOCKS}, hashtext(lock_account)) $$`);
    await queryRunner.query(`
      CREATE FUNCTION account_reset_lock(lock_account text) RETURNS void
      LANGUAGE sql VOLATILE
      AS $$ SELECT pg_advisory_xact_lock(${ACCOUNT_LOCKS}, hashtext(lock_account)) $$`);
    await queryRunner.query(`DROP FUNCTION idempotency_claim(text, text, integer)`);
    await queryRunner.query(`
      CREATE FUNCTION idempotency_claim(claim_account text, claim_key text, ttl_seconds integer, for_write boolean DEFAULT true)
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
        -- Waits for a reset of the account in progress. The read below comes after it, so it
        -- sees the reset's deletions, and a record the reset erased is not replayed.
        IF for_write THEN
          PERFORM account_write_lock(claim_account);
        END IF;
        -- A new statement, so a new snapshot: it sees what committed while the locks were taken.
        -- Its test of expiry is the one IdempotencyService's find and purge make (expiredAfter).
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
      $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION idempotency_claim(text, text, integer, boolean)`);
    await queryRunner.query(CREATE_CLAIM_FUNCTION);
    await queryRunner.query(`DROP FUNCTION account_reset_lock(text)`);
    await queryRunner.query(`DROP FUNCTION account_write_lock(text)`);
  }
}
