import { TransactionHost } from '@nestjs-cls/transactional';
import { TransactionalAdapterTypeOrm } from '@nestjs-cls/transactional-adapter-typeorm';
import { Injectable } from '@nestjs/common';
import { purgeRows } from '../database/purge-rows';
import { PURGE_BATCH } from './idempotency.constants';
import { IdempotencyKey } from './idempotency-key.entity';

/**
 * A saved record, with whether it has outlived this process's retention window. (When it may be
 * purged, `expiresAt`, is the purge's concern, and is not read.)
 */
export type FoundKey = Omit<IdempotencyKey, 'expiresAt'> & { expired: boolean };

/** The outcome of `claim`: the lock was not free, or it is held now and this is the record, if any. */
export type Claim = { locked: false } | { locked: true; record: FoundKey | null };

/** A record's columns as the queries below select them. */
interface RecordRow {
  id: string;
  fingerprint: string;
  method: string;
  path: string;
  status_code: number;
  response_body: string;
  request_id: string;
  created_at: Date;
  expired: boolean;
}
type ClaimRow = { locked: boolean } & (RecordRow | { [K in keyof RecordRow]: null });

function toFoundKey(account: string, key: string, row: RecordRow): FoundKey {
  return {
    id: row.id,
    account,
    key,
    fingerprint: row.fingerprint,
    method: row.method,
    path: row.path,
    statusCode: row.status_code,
    responseBody: row.response_body,
    requestId: row.request_id,
    createdAt: row.created_at,
    expired: row.expired,
  };
}

/**
 * When a record has expired for this process: once it is `ttl` seconds old, to the second it turns
 * so. `find` and `idempotency_claim` (migrations/1764000000005, which writes the same test in SQL)
 * must agree, or the fast path and the locked path would disagree about one record. The purge
 * also waits for the record's own `expires_at` (see `purgeExpired`).
 */
const expiredAfter = (ttl: string) => `created_at <= now() - make_interval(secs => ${ttl})`;

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
   * Tries to take the key's lock for the rest of the current transaction, without waiting, and if
   * it is taken, reads the key's record: one round trip, through the `idempotency_claim` function
   * (migrations/1764000000003, and 1764000000005), whose comment says why the read must be a
   * statement of its own after the lock.
   *
   * The lock is `pg_try_advisory_xact_lock`, which answers at once: taken, or held by another
   * transaction — in this process or any other one sharing the database, because the lock lives
   * in PostgreSQL, not in process memory. A plain insert into the unique index would instead
   * block until the other transaction ended; answering `idempotency_key_in_use` at once needs a
   * lock that can be tried.
   *
   * The lock is released by PostgreSQL when the transaction commits or rolls back, and also when
   * the connection drops, so a process killed in the middle of a request never leaves a key
   * locked: its retry finds the lock free and no record, and executes afresh.
   *
   * The lock is on a 64-bit hash of (account, key). Two different keys sharing a hash would only
   * make one of them wait its turn with a retryable `idempotency_key_in_use`; they can never share
   * a record, because the record is looked up by the key itself.
   *
   * With `forWrite`, the key's lock is followed in the same round trip by the account's, shared,
   * which a request needs before it writes (see `lockAccountForWrite`).
   */
  async claim(account: string, key: string, ttlSeconds: number, forWrite: boolean): Promise<Claim> {
    const [row]: ClaimRow[] = await this.txHost.tx.query('SELECT * FROM idempotency_claim($1, $2, $3, $4)', [account, key, ttlSeconds, forWrite]);
    if (!row.locked) return { locked: false };
    return { locked: true, record: row.id === null ? null : toFoundKey(account, key, row) };
  }

  /** The record of this key, if any, and whether it is older than `ttlSeconds`. */
  async find(account: string, key: string, ttlSeconds: number): Promise<FoundKey | null> {
    const [row]: RecordRow[] = await this.txHost.tx.query(
      `SELECT id, fingerprint, method, path, status_code, response_body, request_id, created_at,
              ${expiredAfter('$3')} AS expired
         FROM idempotency_keys
        WHERE account = $1 AND key = $2`,
      [account, key, ttlSeconds],
    );
    return row ? toFoundKey(account, key, row) : null;
  }

  /**
   * Deletes an expired record, under its key's lock, so that a new one can be saved; returns when
   * the removed one was to be kept until (`expires_at`), which the new one keeps at least (`save`).
   * The purge may delete it at the same moment; then this DELETE waits for the purge's commit and
   * finds nothing left, which is just as good.
   */
  async remove(record: Pick<IdempotencyKey, 'id'>): Promise<Date | null> {
    // TypeORM's postgres driver answers a DELETE with [returned rows, affected count].
    const [rows]: [{ expires_at: Date }[], number] = await this.txHost.tx.query('DELETE FROM idempotency_keys WHERE id = $1 RETURNING expires_at', [record.id]);
    return rows[0]?.expires_at ?? null;
  }

  /**
   * Saves a record in the request's transaction, to be kept for `ttlSeconds`, and at least until
   * `keepUntil` (the record it replaces was promised that long, by a process whose TTL may be
   * longer than this one's). `expires_at` is set by the database's clock, as `created_at` is
   * (`clock_timestamp()`, read a moment apart, so it is never early). GREATEST ignores a null
   * `keepUntil`, for a key saved the first time.
   */
  async save(record: NewKey, ttlSeconds: number, keepUntil: Date | null = null): Promise<void> {
    await this.txHost.tx.query(
      `INSERT INTO idempotency_keys (account, key, fingerprint, method, path, status_code, response_body, request_id, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, GREATEST(clock_timestamp() + make_interval(secs => $9), $10::timestamptz))`,
      [record.account, record.key, record.fingerprint, record.method, record.path, record.statusCode, record.responseBody, record.requestId, ttlSeconds, keepUntil],
    );
  }

  /**
   * Deletes the records that both their saving process and this one are done with, but those
   * another transaction holds (see `purgeRows`); returns how many went. A record is kept for its
   * saver's TTL (`expires_at`), so a process with a shorter TTL than the others never takes their
   * keys from them (it treats those keys as new when a request reaches it, see `find`, but leaves
   * the records); and for this process's own TTL, so a TTL raised since a record was saved keeps it
   * longer too. The index on `expires_at` finds the candidates.
   */
  purgeExpired(ttlSeconds: number): Promise<number> {
    return purgeRows(this.repo, `expires_at <= now() AND ${expiredAfter(':ttl')}`, 'expires_at', { ttl: ttlSeconds }, PURGE_BATCH);
  }
}
