import type { ObjectLiteral, Repository } from 'typeorm';
import { quotedTable } from './insert-rows';

/**
 * Deletes the rows of a table that `expired` (an SQL condition, with named parameters) selects,
 * oldest first by `orderColumn` (an indexed column), `batch` at a time until none is left, and
 * returns how many went. Both purges, of idempotency keys and of the request log, use it:
 *
 * - Each batch is a DELETE of the ids a subquery finds through the index on `orderColumn`, so a
 *   purge of a few rows in a large table reads those rows, not the table.
 * - The subquery skips rows another transaction holds (`FOR UPDATE SKIP LOCKED`): a sandbox reset
 *   deleting them, or a request replacing its expired record. They leave with that transaction, or
 *   at the next purge. A purge that waited for them could deadlock with a reset that deletes the
 *   same rows in another order, and would gain nothing.
 * - Batches keep each statement short, however large the backlog.
 */
export async function purgeRows<T extends ObjectLiteral & { id: unknown }>(
  repo: Repository<T>,
  expired: string,
  orderColumn: string,
  parameters: ObjectLiteral,
  batch: number,
): Promise<number> {
  // A batch of 0 would delete nothing and never end.
  if (!(batch >= 1)) throw new RangeError(`purge batch must be at least 1, not ${batch}`);
  const table = quotedTable(repo.metadata, repo.manager.connection.driver);
  let purged = 0;
  for (;;) {
    const result = await repo
      .createQueryBuilder()
      .delete()
      .where(`id = ANY(ARRAY(SELECT id FROM ${table} WHERE ${expired} ORDER BY ${orderColumn} LIMIT :batch FOR UPDATE SKIP LOCKED))`, {
        ...parameters,
        batch,
      })
      .execute();
    const deleted = result.affected ?? 0;
    purged += deleted;
    if (deleted < batch) return purged;
  }
}
