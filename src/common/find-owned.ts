import type { FindOptionsWhere, Repository } from 'typeorm';
import type { AccountObject } from './account-object.entity';
import { ResourceMissingError } from './errors';
import { isIdOf } from './ids';

/** What kind of object an id names: its name in messages (`customer`) and its id prefix (`cus`). */
export interface ObjectKind {
  name: string;
  prefix: string;
}

/**
 * Finds an object of this account by id. Any other id — malformed, unknown, or another account's —
 * is a 404 `resource_missing` naming `param` (`id` for a path id), so an account learns nothing of
 * another's objects.
 *
 * With `forUpdate`, for a read-modify-write, the row is read with SELECT … FOR UPDATE and stays
 * locked until the request's transaction ends. Without the lock, two concurrent updates each read
 * the same row, merge their change into it in memory and write it all back, and the later write
 * silently drops the earlier one's change; with it, the second waits for the first to commit and
 * then reads (at READ COMMITTED) the row as the first left it, or no row if it was deleted
 * meanwhile. Requests cannot deadlock on it: besides this row, a request locks only its own key's
 * expired record, when it replaces one, which no other request touches; and a sandbox reset locks
 * nothing until the account's writes in flight have ended (see `lockAccountForWrite`). A lock
 * needs a transaction; every POST runs in one (see `IdempotencyInterceptor`).
 */
export async function findOwned<T extends AccountObject>(
  repo: Repository<T>,
  kind: ObjectKind,
  account: string,
  id: string,
  { param = 'id', forUpdate = false }: { param?: string; forUpdate?: boolean } = {},
): Promise<T> {
  // The cast is TypeORM's typing: `id` and `account` are columns of every AccountObject.
  const where = { id, account } as FindOptionsWhere<T>;
  const found = isIdOf(kind.prefix, id) ? await repo.findOne({ where, ...(forUpdate && { lock: { mode: 'pessimistic_write' as const } }) }) : null;
  if (!found) throw new ResourceMissingError(kind.name, id, param);
  return found;
}
