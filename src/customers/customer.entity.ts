import { Column, Entity } from 'typeorm';
import { AccountObject } from '../common/account-object.entity';
import type { Metadata } from '../common/metadata';

/** A customer row. The table comes from `migrations/`; this class only maps it. */
@Entity('customers')
export class Customer extends AccountObject {
  @Column({ type: 'text', nullable: true })
  email!: string | null;

  @Column({ type: 'text', nullable: true })
  name!: string | null;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'text', nullable: true })
  phone!: string | null;

  @Column({ type: 'integer' })
  balance!: number;

  @Column({ type: 'jsonb' })
  metadata!: Metadata;

  @Column({ type: 'text', name: 'invoice_prefix' })
  invoicePrefix!: string;
}
