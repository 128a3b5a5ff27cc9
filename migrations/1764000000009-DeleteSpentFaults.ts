import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A sandbox fault is now deleted when it fires its last time (`SandboxService.fire`). Faults spent
 * before were kept with `remaining = 0`, never shown or fired again, but read by every request's
 * fault lookup; this deletes them. A process older than this migration still keeps the faults it
 * spends, which do no harm beyond that reading, and goes when it is restarted.
 */
export class DeleteSpentFaults1764000000009 implements MigrationInterface {
  name = 'DeleteSpentFaults1764000000009';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM sandbox_faults WHERE remaining = 0`);
  }

  /** Nothing to undo: a spent fault behaved in every way as one that is gone. */
  async down(): Promise<void> {}
}
