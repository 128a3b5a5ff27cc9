import type { EntityManager } from 'typeorm';

/**
 * The account lock (migrations/1764000000005), which keeps a sandbox reset from cutting a request
 * in two: every write transaction of the API holds it shared, from before its first write until
 * it ends, and the reset holds it exclusively. Both are held until the transaction ends. A keyed
 * request takes it inside `idempotency_claim` instead (its `for_write`), in the round trip that
 * claims its key; these are for the requests that do not claim one there.
 */

/** Takes the account's lock shared, waiting while a reset of the account runs. */
export async function lockAccountForWrite(tx: EntityManager, account: string): Promise<void> {
  await tx.query('SELECT account_write_lock($1)', [account]);
}

/** Takes the account's lock exclusively, waiting for the account's writes in flight to end. */
export async function lockAccountForReset(tx: EntityManager, account: string): Promise<void> {
  await tx.query('SELECT account_reset_lock($1)', [account]);
}
