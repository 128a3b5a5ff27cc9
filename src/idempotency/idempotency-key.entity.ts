import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * A saved answer to a keyed request. Rows are written once, in the request's own transaction,
 * and never updated: a committed row is final, which is what lets a replay read it without a lock.
 */
@Entity('idempotency_keys')
export class IdempotencyKey {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @Column({ type: 'text' })
  account!: string;

  @Column({ type: 'text' })
  key!: string;

  /** SHA-256 of the request; see `fingerprint.ts`. */
  @Column({ type: 'text' })
  fingerprint!: string;

  @Column({ type: 'text' })
  method!: string;

  @Column({ type: 'text' })
  path!: string;

  @Column({ type: 'integer', name: 'status_code' })
  statusCode!: number;

  /** The response body exactly as it was sent, so a replay is byte for byte the same. */
  @Column({ type: 'text', name: 'response_body' })
  responseBody!: string;

  /** The `Request-Id` of the request that executed, sent back as `Original-Request`. */
  @Column({ type: 'text', name: 'request_id' })
  requestId!: string;

  @Column({ type: 'timestamptz', name: 'created_at', insert: false, update: false })
  createdAt!: Date;

  /** When the purge may delete it: its saving process's TTL after `createdAt` (see `save`). */
  @Column({ type: 'timestamptz', name: 'expires_at', insert: false, update: false })
  expiresAt!: Date;
}
