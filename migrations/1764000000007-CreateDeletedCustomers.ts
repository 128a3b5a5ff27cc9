import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What remains of a deleted customer: its id, account and place in the list. Stripe answers a
 * retrieve of a deleted customer with `{id, object: "customer", deleted: true}`, not a 404, so the
 * id must outlive the row. The row goes (lists, updates and new charges no longer see it); this
 * table tells a deleted customer from one that never existed, and keeps its `seq`, so that a list
 * walked page by page can go on from a customer deleted since it was listed (a cleanup job that
 * deletes customers as it walks them, say). The account's index serves the sandbox reset.
 *
 * Restart server processes older than this migration that share the database: their deletes
 * write no tombstone (their customers then answer 404, as before) and their resets erase none (an
 * erased customer deleted earlier would still answer the stub).
 */
export class CreateDeletedCustomers1764000000007 implements MigrationInterface {
  name = 'CreateDeletedCustomers1764000000007';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE deleted_customers (
        id      text        NOT NULL,
        account text        NOT NULL,
        seq     bigint      NOT NULL,
        deleted timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT deleted_customers_pkey PRIMARY KEY (id)
      )`);
    await queryRunner.query(`CREATE INDEX deleted_customers_account_idx ON deleted_customers (account)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE deleted_customers`);
  }
}
