import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * TypeORM creates its own `migrations` table before the first migration runs, and names that
 * table's primary key with a hash (`PK_8c82…`), the one constraint in the schema that oncepay
 * did not name. The hash is derived from the table and column names, so it is the same in every
 * database; this gives the key a name like every other one. `IF EXISTS` in a DO block keeps the
 * migration harmless on a database where the key was already renamed by hand.
 */
const HASHED_NAME = 'PK_8c82d7f526340ab734260ea46be';
const NAME = 'migrations_pkey';

export class NameMigrationsPrimaryKey1764000000004 implements MigrationInterface {
  name = 'NameMigrationsPrimaryKey1764000000004';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(renameIfPresent(HASHED_NAME, NAME));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(renameIfPresent(NAME, HASHED_NAME));
  }
}

function renameIfPresent(from: string, to: string): string {
  return `
    DO $$
    BEGIN
      IF EXISTS (SELECT 1 FROM pg_constraint WHERE conrelid = 'migrations'::regclass AND conname = '${from}') THEN
        ALTER TABLE migrations RENAME CONSTRAINT "${from}" TO "${to}";
      END IF;
    END $$`;
}
