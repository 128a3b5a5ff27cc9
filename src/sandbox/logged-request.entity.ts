import { Column, Entity, PrimaryColumn } from 'typeorm';

/** What became of a request, as `GET /_sandbox/requests` reports it. */
export type RequestOutcome = 'executed' | 'replayed' | 'key_in_use' | 'key_reused' | 'rejected' | 'faulted';

/** One line of an account's request log. */
@Entity('sandbox_requests')
export class LoggedRequest {
  /** The request's `Request-Id`. */
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  account!: string;

  @Column({ type: 'bigint', insert: false, update: false })
  seq!: string;

  @Column({ type: 'text' })
  method!: string;

  @Column({ type: 'text' })
  path!: string;

  @Column({ type: 'text', name: 'idempotency_key', nullable: true })
  idempotencyKey!: string | null;

  /** The status sent, or null when the connection was dropped without an answer. */
  @Column({ type: 'integer', nullable: true })
  status!: number | null;

  @Column({ type: 'text' })
  outcome!: RequestOutcome;

  @Column({ type: 'text', nullable: true })
  fault!: string | null;

  @Column({ type: 'timestamptz' })
  created!: Date;
}
