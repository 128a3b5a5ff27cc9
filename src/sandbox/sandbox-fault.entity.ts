import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { FaultName } from './faults';

/** A fault armed by an account; it fires on its next `remaining` matching requests. */
@Entity('sandbox_faults')
export class SandboxFault {
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'text' })
  account!: string;

  /** Arming order: when several faults match a request, the oldest fires first. */
  @Column({ type: 'bigint', insert: false, update: false })
  seq!: string;

  @Column({ type: 'text' })
  fault!: FaultName;

  /** Matches every method when null. */
  @Column({ type: 'text', nullable: true })
  method!: string | null;

  /** Matches every path when null; otherwise the exact path, or a prefix when `pathPrefix`. */
  @Column({ type: 'text', nullable: true })
  path!: string | null;

  @Column({ type: 'boolean', name: 'path_prefix' })
  pathPrefix!: boolean;

  @Column({ type: 'integer' })
  times!: number;

  @Column({ type: 'integer' })
  remaining!: number;

  @Column({ type: 'integer', name: 'delay_ms' })
  delayMs!: number;

  @Column({ type: 'timestamptz' })
  created!: Date;
}
