import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { Metadata } from '../common/metadata';

/** A customer row. The table comes from `migrations/`; this class only maps it. */
@Entity('customers')
export class Customer {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  /** The owning account; every query filters on it, so another account's id is not found. */
  @Column({ type: 'text' })
  account!: string;

  /**
   * Insertion order, from an identity column. Lists sort on it rather than on `created`, which
   * has only one-second resolution, so pages stay stable when many objects share a second.
   */
  @Column({ type: 'bigint', insert: false, update: false })
  seq!: string;

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

  @Column({ type: 'timestamptz' })
  created!: Date;
}
