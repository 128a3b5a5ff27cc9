import { DataSource } from 'typeorm';
import { PREPARED_PER_CONNECTION, PreparingClient } from '../src/database/preparing-client';
import { testDatabaseUrl } from './database';
import { bootApp } from './helpers';

/** The statements this connection has prepared, as PostgreSQL lists them. */
const preparedOn = async (query: (text: string) => Promise<{ statement: string }[]>) =>
  (await query('SELECT statement FROM pg_prepared_statements ORDER BY prepare_time')).map((row) => row.statement);

describe('PreparingClient', () => {
  let client: PreparingClient;
  beforeEach(async () => {
    client = new PreparingClient({ connectionString: testDatabaseUrl() });
    await client.connect();
  });
  afterEach(() => client.end());
  const list = (text: string) => client.query(text).then((r) => r.rows);

  it('prepares a statement with parameters once, and runs it again without preparing it anew', async () => {
    for (const n of [1, 2, 3]) expect((await client.query('SELECT $1::int + 1 AS next', [n])).rows).toEqual([{ next: n + 1 }]);
    expect(await preparedOn(list)).toEqual(['SELECT $1::int + 1 AS next']);
  });

  it('sends a statement without parameters as it is', async () => {
    await client.query('SELECT 1');
    await client.query('BEGIN');
    await client.query('COMMIT');
    expect(await preparedOn(list)).toEqual([]);
  });

  it(`keeps at most ${PREPARED_PER_CONNECTION} statements per connection, and still runs the ones beyond`, async () => {
    for (let i = 0; i <= PREPARED_PER_CONNECTION; i++) {
      expect((await client.query(`SELECT $1::int AS n, ${i} AS i`, [i])).rows).toEqual([{ n: i, i }]);
    }
    const prepared = await preparedOn(list);
    expect(prepared).toHaveLength(PREPARED_PER_CONNECTION);
    expect(prepared).not.toContain(`SELECT $1::int AS n, ${PREPARED_PER_CONNECTION} AS i`);
    // A statement prepared before the limit was reached is still used.
    expect((await client.query('SELECT $1::int AS n, 0 AS i', [7])).rows).toEqual([{ n: 7, i: 0 }]);
  });

  it('prepares the statements of the application, whose pool is made of these clients', async () => {
    const t = await bootApp();
    try {
      const runner = t.app.get(DataSource).createQueryRunner();
      try {
        await runner.query('SELECT count(*)::int AS n FROM charges WHERE account = $1', ['acct_prepared']);
        expect(await preparedOn((text) => runner.query(text))).toContain('SELECT count(*)::int AS n FROM charges WHERE account = $1');
      } finally {
        await runner.release();
      }
    } finally {
      await t.app.close();
    }
  });
});
