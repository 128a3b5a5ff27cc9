import { Column, Entity } from 'typeorm';
import { AccountObject } from '../common/account-object.entity';
import type { Metadata } from '../common/metadata';
import type { CardDetails } from './test-sources';

export type ChargeStatus = 'succeeded' | 'failed';

/** A charge row. The table comes from `migrations/`; this class only maps it. */
@Entity('charges')
export class Charge extends AccountObject {
  @Column({ type: 'integer' })
  amount!: number;

  @Column({ type: 'integer', name: 'amount_captured' })
  amountCaptured!: number;

  @Column({ type: 'integer', name: 'amount_refunded' })
  amountRefunded!: number;

  @Column({ type: 'text' })
  currency!: string;

  /** The customer's id, kept as Stripe keeps it even after the customer is deleted. */
  @Column({ type: 'text', nullable: true })
  customer!: string | null;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'text', name: 'receipt_email', nullable: true })
  receiptEmail!: string | null;

  @Column({ type: 'jsonb' })
  metadata!: Metadata;

  @Column({ type: 'text' })
  status!: ChargeStatus;

  @Column({ type: 'boolean' })
  captured!: boolean;

  @Column({ type: 'text', name: 'failure_code', nullable: true })
  failureCode!: string | null;

  @Column({ type: 'text', name: 'failure_message', nullable: true })
  failureMessage!: string | null;

  @Column({ type: 'text', name: 'decline_code', nullable: true })
  declineCode!: string | null;

  /** The card the charge was made on: brand, last four digits, expiry, funding. */
  @Column({ type: 'jsonb' })
  card!: CardDetails;
}
