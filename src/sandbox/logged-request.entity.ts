import { Column, Entity } from 'typeorm';
import { AccountObject } from '../common/account-object.entity';

/** What became of a request, as `GET /_sandbox/requests` reports it. */
export type RequestOutcome = 'executed' | 'replayed' | 'key_in_use' | 'key_reused' | 'rejected' | 'faulted';

/** One line of an account's request log; its id is the request's `Request-Id`. */
@Entity('sandbox_requests')
export class LoggedRequest extends AccountObject {
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
}
