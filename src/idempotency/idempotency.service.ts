import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { IdempotencyKey } from './idempotency-key.entity';

/** A saved record, with whether it has outlived the retention window. */
export type FoundKey = IdempotencyKey & { expired: boolean };

export type NewKey = Pick<IdempotencyKey, 'account' | 'key' | 'fingerprint' | 'method' | 'path' | 'statusCode' | 'responseBody' | 'requestId'>;

/**
 * The idempotency records and their lock. Every query runs in the current request's transaction
 * when there is one (`txHost.tx`), which is what makes the record commit with the request's own
 * writes, or not at all.
 */
@Injectable()
export class IdempotencyService {
  constructor(private readonly txHost: TransactionHost<TransactionalAdapterTypeOrm>) {}

  private get repo() {
    return this.txHost.tx.getRepository(IdempotencyKey);
  }

  /**
   * Tries to take the key's lock for the rest of the current transaction, without waiting.
   *
   * `pg_try_advisory_xact_lock` answers at once: true if this transaction now holds the lock,
   * false if another transaction holds it — in this process or any other one sharing the
   * database, because the lock lives in PostgreSQL, not in process memory. A plain insert into
   * the unique index would instead block until the other transaction ended; answering
   * `idempotency_key_in_use` at once needs a lock that can be tried.
   *
   * The lock is released by PostgreSQL when the transaction commits or rolls back, and also when
   * the connection drops, so a process killed in the middle of a request never leaves a key
   * locked: its retry finds the lock free and no record, and executes afresh.
   *
   * The lock is on a 64-bit hash of (account, key). Two different keys sharing a hash would only
   * make one of them wait its turn with a retryable `idempotency_key_in_use`; they can never share
   * a record, because the record is looked up by the key itself.
   */
  async tryLock(account: string, key: string): Promise<boolean> {
    const [{ locked }] = await this.txHost.tx.query(
      'SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0)) AS locked',
      [`${account}\n${key}`],
    );
    return locked === true;
  }

  /** The record of this key, if any, and whether it is older than `ttlSeconds`. */
  async find(account: string, key: string, ttlSeconds: number): Promise<FoundKey | null> {
    const found = await this.repo
      .createQueryBuilder('k')
      .addSelect('k.created_at <= now() - make_interval(secs => :ttl)', 'expired')
      .where('k.account = :account AND k.key = :key', { account, key, ttl: ttlSeconds })
      .getRawAndEntities();
    const record = found.entities[0];
    return record ? Object.assign(record, { expired: found.raw[0].expired === true }) : null;
  }

  async remove(record: IdempotencyKey): Promise<void> {
    await this.repo.delete({ id: record.id });
  }

  async save(record: NewKey): Promise<void> {
    await this.repo.insert(record);
  }

  /** Deletes every record older than `ttlSeconds`; returns how many went. */
  async purgeExpired(ttlSeconds: number): Promise<number> {
    const result = await this.repo
      .createQueryBuilder()
      .delete()
      .where('created_at <= now() - make_interval(secs => :ttl)', { ttl: ttlSeconds })
      .execute();
    return result.affected ?? 0;
  }
}
