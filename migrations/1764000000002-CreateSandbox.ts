import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The sandbox control plane: armed faults and the request log, both per account. A fault's
 * `remaining` is decremented by an atomic UPDATE each time it fires, and the CHECK keeps it from
 * going below zero whatever the application does.
 */
export class CreateSandbox1764000000002 implements MigrationInterface {
  name = 'CreateSandbox1764000000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE sandbox_faults (
        id          text        NOT NULL,
        account     text        NOT NULL,
        seq         bigint      GENERATED ALWAYS AS IDENTITY,
        fault       text        NOT NULL,
        method      text,
        path        text,
        path_prefix boolean     NOT NULL DEFAULT false,
        times       integer     NOT NULL,
        remaining   integer     NOT NULL,
        delay_ms    integer     NOT NULL DEFAULT 0,
        created     timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT sandbox_faults_pkey PRIMARY KEY (id),
        CONSTRAINT sandbox_faults_seq_unique UNIQUE (seq),
        CONSTRAINT sandbox_faults_remaining_range CHECK (remaining BETWEEN 0 AND times)
      )`);
    await queryRunner.query(`CREATE INDEX sandbox_faults_account_seq_idx ON sandbox_faults (account, seq)`);

    await queryRunner.query(`
      CREATE TABLE sandbox_requests (
        id              text        NOT NULL,
        account         text        NOT NULL,
        seq             bigint      GENERATED ALWAYS AS IDENTITY,
        method          text        NOT NULL,
        path            text        NOT NULL,
        idempotency_key text,
        status          integer,
        outcome         text        NOT NULL,
        fault           text,
        created         timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT sandbox_requests_pkey PRIMARY KEY (id),
        CONSTRAINT sandbox_requests_seq_unique UNIQUE (seq)
      )`);
    await queryRunner.query(`CREATE INDEX sandbox_requests_account_seq_idx ON sandbox_requests (account, seq DESC)`);
    await queryRunner.query(`CREATE INDEX sandbox_requests_created_idx ON sandbox_requests (created)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE sandbox_requests`);
    await queryRunner.query(`DROP TABLE sandbox_faults`);
  }
}
