import { Column, Entity } from 'typeorm';
import { AccountObject } from '../common/account-object.entity';
import type { FaultName } from './faults';

/**
 * A fault armed by an account; it fires on its next `remaining` matching requests. When several
 * match one request, the first armed (lowest `seq`) fires.
 */
@Entity('sandbox_faults')
export class SandboxFault extends AccountObject {
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
}
