import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source';
import { testDatabaseUrl } from './database';

/** A database of this suite's own on the tests' server, so reverting migrations touches no other suite. */
const SCRATCH = 'oncepay_schema_check';

/** Every constraint and index of the schema, by table, as `table.name`. */
async function schemaNames(dataSource: DataSource): Promise<string[]> {
  const rows: { name: string }[] = await dataSource.query(`
    SELECT c.conrelid::regclass::text || '.' || c.conname AS name
      FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
     WHERE n.nspname = current_schema() AND c.contype <> 'n'
    UNION
    SELECT tablename || '.' || indexname FROM pg_indexes WHERE schemaname = current_schema()
    ORDER BY 1`);
  return rows.map((row) => row.name);
}

/** The tables of the schema, the migrations' own included. */
async function tables(dataSource: DataSource): Promise<string[]> {
  const rows: { tablename: string }[] = await dataSource.query(
    'SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename',
  );
  return rows.map((row) => row.tablename);
}

describe('the schema the migrations build', () => {
  let admin: Client;
  let dataSource: DataSource;

  beforeAll(async () => {
    admin = new Client({ connectionString: testDatabaseUrl() });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${SCRATCH} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${SCRATCH}`);
    const url = new URL(testDatabaseUrl());
    url.pathname = `/${SCRATCH}`;
    dataSource = await new DataSource(dataSourceOptions(url.toString())).initialize();
    await dataSource.runMigrations({ transaction: 'each' });
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await admin.query(`DROP DATABASE IF EXISTS ${SCRATCH} WITH (FORCE)`);
    await admin.end();
  });

  it('names every constraint and index by hand, TypeORM\'s own migrations table included', async () => {
    const names = await schemaNames(dataSource);
    expect(names).toContain('migrations.migrations_pkey');
    expect(names).toContain('idempotency_keys.idempotency_keys_account_key_unique');
    // TypeORM's generated names are a prefix and a hex hash: PK_8c82…, UQ_…, IDX_…, FK_…
    expect(names.filter((name) => /\.(PK|UQ|IDX|FK|REL|CHK)_[0-9a-f]{8,}/i.test(name))).toEqual([]);
  });

  it('reverts every migration, leaving only the migrations table, and applies them all again', async () => {
    const before = await schemaNames(dataSource);
    const applied: { name: string }[] = await dataSource.query('SELECT name FROM migrations');
    expect(applied.length).toBe(dataSource.migrations.length);
    for (let i = 0; i < applied.length; i++) await dataSource.undoLastMigration({ transaction: 'each' });
    expect(await tables(dataSource)).toEqual(['migrations']);
    expect(await dataSource.query('SELECT name FROM migrations')).toEqual([]);
    expect(await dataSource.query(`SELECT proname FROM pg_proc WHERE proname IN ('idempotency_claim', 'account_write_lock', 'account_reset_lock')`)).toEqual([]);

    await dataSource.runMigrations({ transaction: 'each' });
    expect(await schemaNames(dataSource)).toEqual(before);
  });

  it('deletes the faults spent before faults were deleted on their last firing, and keeps the armed ones', async () => {
    // Back to the schema before DeleteSpentFaults, with a fault spent as it was then, and one armed.
    // (Should a migration come after it, this must undo that one first.)
    expect(await dataSource.query('SELECT name FROM migrations ORDER BY timestamp DESC LIMIT 1')).toEqual([{ name: 'DeleteSpentFaults1764000000009' }]);
    await dataSource.undoLastMigration({ transaction: 'each' });
    await dataSource.query(
      `INSERT INTO sandbox_faults (id, account, fault, times, remaining) VALUES ('flt_spent', 'acct_a', 'rate_limit', 2, 0), ('flt_armed', 'acct_a', 'rate_limit', 2, 1)`,
    );
    await dataSource.runMigrations({ transaction: 'each' });
    expect(await dataSource.query('SELECT id FROM sandbox_faults')).toEqual([{ id: 'flt_armed' }]);
    await dataSource.query('DELETE FROM sandbox_faults');
  });
});
