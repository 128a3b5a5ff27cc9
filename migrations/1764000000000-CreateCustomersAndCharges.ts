import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Customers and charges. Constraints and indexes are named by hand so that errors and plans read
 * plainly. `seq` orders lists: an identity column never repeats, so "newest first" is total even
 * when many rows share a `created` second. Every index leads with `account`, because every query
 * is scoped to one account.
 */
export class CreateCustomersAndCharges1764000000000 implements MigrationInterface {
  name = 'CreateCustomersAndCharges1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE customers (
        id             text        NOT NULL,
        account        text        NOT NULL,
        seq            bigint      GENERATED ALWAYS AS IDENTITY,
        email          text,
        name           text,
        description    text,
        phone          text,
        balance        integer     NOT NULL DEFAULT 0,
        metadata       jsonb       NOT NULL DEFAULT '{}'::jsonb,
        invoice_prefix text        NOT NULL,
        created        timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT customers_pkey PRIMARY KEY (id),
        CONSTRAINT customers_seq_unique UNIQUE (seq)
      )`);
    await queryRunner.query(`CREATE INDEX customers_account_seq_idx ON customers (account, seq DESC)`);
    await queryRunner.query(`CREATE INDEX customers_account_email_idx ON customers (account, email, seq DESC)`);

    await queryRunner.query(`
      CREATE TABLE charges (
        id              text        NOT NULL,
        account         text        NOT NULL,
        seq             bigint      GENERATED ALWAYS AS IDENTITY,
        amount          integer     NOT NULL,
        amount_captured integer     NOT NULL DEFAULT 0,
        amount_refunded integer     NOT NULL DEFAULT 0,
        currency        text        NOT NULL,
        customer        text,
        description     text,
        receipt_email   text,
        metadata        jsonb       NOT NULL DEFAULT '{}'::jsonb,
        status          text        NOT NULL,
        captured        boolean     NOT NULL,
        failure_code    text,
        failure_message text,
        decline_code    text,
        card            jsonb       NOT NULL,
        created         timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT charges_pkey PRIMARY KEY (id),
        CONSTRAINT charges_seq_unique UNIQUE (seq),
        CONSTRAINT charges_amount_positive CHECK (amount > 0),
        CONSTRAINT charges_amount_captured_range CHECK (amount_captured BETWEEN 0 AND amount),
        CONSTRAINT charges_status_known CHECK (status IN ('succeeded', 'failed'))
      )`);
    await queryRunner.query(`CREATE INDEX charges_account_seq_idx ON charges (account, seq DESC)`);
    await queryRunner.query(`CREATE INDEX charges_account_customer_idx ON charges (account, customer, seq DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE charges`);
    await queryRunner.query(`DROP TABLE customers`);
  }
}
