import { Column, PrimaryColumn } from 'typeorm';

/**
 * The columns every listable object of an account shares: customers, charges, sandbox faults and
 * request-log lines. Each entity extends this class and maps a table of its own.
 */
export abstract class AccountObject {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  /** The owning account; every query filters on it, so another account's id is not found. */
  @Column({ type: 'text' })
  account!: string;

  /**
   * Insertion order, from an identity column. Lists sort on it rather than on `created`, which is
   * sent to clients in seconds and which many rows can share even to the millisecond, so pages
   * stay stable and total however many objects are created at once.
   */
  @Column({ type: 'bigint', insert: false, update: false })
  seq!: string;

  @Column({ type: 'timestamptz' })
  created!: Date;
}
