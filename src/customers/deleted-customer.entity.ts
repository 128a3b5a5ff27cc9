import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * A deleted customer's id, kept so that a retrieve answers Stripe's `{id, object, deleted: true}`
 * rather than a 404, and its `seq`, so that it still works as a list cursor (see
 * migrations/1764000000007). The table comes from `migrations/`.
 */
@Entity('deleted_customers')
export class DeletedCustomer {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  account!: string;

  /** The customer's place in its account's list, copied from its row. */
  @Column({ type: 'bigint' })
  seq!: string;

  @Column({ type: 'timestamptz', insert: false, update: false })
  deleted!: Date;
}
