import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A deleted customer's id, kept so that a retrieve answers Stripe's `{id, object, deleted: true}`
 * rather than a 404 (see migrations/1764000000007). The table comes from `migrations/`.
 */
@Entity('deleted_customers')
export class DeletedCustomer {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  account!: string;

  @Column({ type: 'timestamptz', insert: false, update: false })
  deleted!: Date;
}
