import { Client } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import { testDatabaseUrl } from './database';
import { bootApp, TestApp, truncateAll } from './helpers';
import { waitFor } from './wait-for';

/**
 * `idempotency_claim` (migrations/1764000000003 and 1764000000005) on a live database: the key's
 * lock, then the key's record read by a statement that begins after the lock is granted. The first
 * test is the reason it is a function: a request that held the key commits its record while
 * another request's claim is already running, and only a read that starts after the lock sees
 * that record. The last ones show the account lock, which the claim takes `for_write`.
 */

const TTL = 86_400;

async function connection(): Promise<Client> {
  const client = new Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  return client;
}

const saveRecord = (client: Client, account: string, key: string, age = '0 seconds') =>
  client.query(
    `INSERT INTO idempotency_keys (account, key, fingerprint, method, path, status_code, response_body, request_id, created_at)
     VALUES ($1, $2, 'f', 'POST', '/v1/charges', 200, '{"id":"ch_1"}', 'req_first', now() - $3::interval)`,
    [account, key, age],
  );

describe('idempotency_claim', () => {
  let t: TestApp;
  let holder: Client;
  let claimer: Client;
  beforeAll(async () => {
    t = await bootApp(); // runs the migrations
  });
  afterAll(() => t.app.close());
  beforeEach(async () => {
    await truncateAll(t.dataSource);
    [holder, claimer] = await Promise.all([connection(), connection()]);
  });
  afterEach(async () => {
    await Promise.all([holder.end(), claimer.end()]);
  });

  /**
   * The holder has claimed the key and written its record, not yet committed. The claimer's
   * statement begins, and its arguments wait 0.5 s (`pg_sleep` in a subquery, evaluated before the
   * call) — long enough for the holder to commit. So the statement's own snapshot predates the
   * commit, and the lock is free by the time it is tried.
   */
  async function claimWhileHolderCommits(account: string, key: string, claimSql: string) {
    await holder.query('BEGIN');
    const first = await holder.query('SELECT * FROM idempotency_claim($1, $2, $3, false)', [account, key, TTL]);
    expect(first.rows[0]).toMatchObject({ locked: true, id: null });
    await saveRecord(holder, account, key);

    await claimer.query('BEGIN');
    const claiming = claimer.query(claimSql, [account, key, TTL]);
    await sleep(150);
    await holder.query('COMMIT');
    const { rows } = await claiming;
    await claimer.query('ROLLBACK');
    return rows[0];
  }

  it("sees the record of a request that committed while the claim's statement was already running", async () => {
    const row = await claimWhileHolderCommits(
      'acct_a',
      'k1',
      `SELECT * FROM idempotency_claim($1 || (SELECT '' FROM pg_sleep(0.5)), $2, $3, false)`,
    );
    expect(row).toMatchObject({ locked: true, fingerprint: 'f', response_body: '{"id":"ch_1"}', request_id: 'req_first', expired: false });
  });

  it('(why it is a function) a single statement gets the lock but misses that record', async () => {
    const row = await claimWhileHolderCommits(
      'acct_a',
      'k2',
      `SELECT pg_try_advisory_xact_lock(hashtextextended($1 || (SELECT '' FROM pg_sleep(0.5)) || E'\\n' || $2, 0)) AS locked,
              (SELECT count(*)::int FROM idempotency_keys WHERE account = $1 AND key = $2 AND $3::int > 0) AS seen`,
    );
    // The lock was free, yet the record is not seen: a request that relied on this would execute
    // a second time.
    expect(row).toEqual({ locked: true, seen: 0 });
  });

  it('answers locked false, with no record, while another transaction holds the key', async () => {
    await saveRecord(holder, 'acct_a', 'k3');
    await holder.query('BEGIN');
    expect((await holder.query('SELECT * FROM idempotency_claim($1, $2, $3, false)', ['acct_a', 'k3', TTL])).rows[0].locked).toBe(true);

    const busy = await claimer.query('SELECT * FROM idempotency_claim($1, $2, $3, false)', ['acct_a', 'k3', TTL]);
    expect(busy.rows).toEqual([
      expect.objectContaining({ locked: false, id: null, fingerprint: null, response_body: null, expired: null }),
    ]);
    // Another account's key of the same name is another lock.
    expect((await claimer.query('SELECT locked FROM idempotency_claim($1, $2, $3, false)', ['acct_b', 'k3', TTL])).rows).toEqual([{ locked: true }]);

    await holder.query('ROLLBACK');
    const free = await claimer.query('SELECT * FROM idempotency_claim($1, $2, $3, false)', ['acct_a', 'k3', TTL]);
    expect(free.rows).toEqual([expect.objectContaining({ locked: true, fingerprint: 'f', expired: false })]);
  });

  it('marks a record older than the TTL as expired, and answers no record for an unknown key', async () => {
    await saveRecord(holder, 'acct_a', 'old', '2 days');
    const old = await claimer.query('SELECT locked, expired FROM idempotency_claim($1, $2, $3, false)', ['acct_a', 'old', TTL]);
    expect(old.rows).toEqual([{ locked: true, expired: true }]);
    const none = await claimer.query('SELECT locked, id FROM idempotency_claim($1, $2, $3, false)', ['acct_a', 'never-used', TTL]);
    expect(none.rows).toEqual([{ locked: true, id: null }]);
  });

  it('dates a record when it is saved, not when its transaction began, so a long hold does not age it', async () => {
    await holder.query('BEGIN');
    await holder.query('SELECT pg_sleep(0.5)');
    const { rows } = await holder.query(
      `INSERT INTO idempotency_keys (account, key, fingerprint, method, path, status_code, response_body, request_id)
       VALUES ('acct_a', 'k-late', 'f', 'POST', '/v1/charges', 200, '{}', 'req_late')
       RETURNING extract(epoch FROM created_at - now())::float AS after_begin`,
    );
    await holder.query('COMMIT');
    expect(rows[0].after_begin).toBeGreaterThanOrEqual(0.5);
  });

  /** Whether some statement of this database waits for an advisory lock. */
  const waitingForLock = async () =>
    (await t.dataSource.query(`SELECT count(*)::int AS n FROM pg_locks WHERE locktype = 'advisory' AND NOT granted`))[0].n > 0;

  it('with for_write, waits for a reset of the account, then finds the record the reset erased gone', async () => {
    await saveRecord(holder, 'acct_a', 'k4');
    await holder.query('BEGIN');
    await holder.query('SELECT account_reset_lock($1)', ['acct_a']);
    // Without for_write the claim does not wait: it is how a held request claims its key.
    expect((await claimer.query('SELECT locked, id FROM idempotency_claim($1, $2, $3, false)', ['acct_a', 'k4', TTL])).rows[0].id).not.toBeNull();

    await claimer.query('BEGIN');
    const claiming = claimer.query('SELECT locked, id FROM idempotency_claim($1, $2, $3, true)', ['acct_a', 'k4', TTL]);
    await waitFor('the claim to wait for the reset', waitingForLock);
    await holder.query(`DELETE FROM idempotency_keys WHERE account = 'acct_a'`);
    await holder.query('COMMIT');
    expect((await claiming).rows).toEqual([{ locked: true, id: null }]);
    await claimer.query('ROLLBACK');
  });

  it('takes the account lock on a call with three arguments, as a server from before the lock makes', async () => {
    await holder.query('BEGIN');
    await holder.query('SELECT account_reset_lock($1)', ['acct_a']);
    const claiming = claimer.query('SELECT locked FROM idempotency_claim($1, $2, $3)', ['acct_a', 'k-old', TTL]);
    await waitFor('the claim to wait for the reset', waitingForLock);
    await holder.query('COMMIT');
    expect((await claiming).rows).toEqual([{ locked: true }]);
  });

  it("lets an account's writes share its lock, and makes a reset wait for them, and only for them", async () => {
    await holder.query('BEGIN');
    await holder.query('SELECT account_write_lock($1)', ['acct_a']);
    await claimer.query('BEGIN');
    await claimer.query('SELECT account_write_lock($1)', ['acct_a']);
    await claimer.query('SELECT account_reset_lock($1)', ['acct_b']);
    await claimer.query('ROLLBACK');

    const resetting = claimer.query('SELECT account_reset_lock($1)', ['acct_a']).then(() => 'reset');
    await waitFor('the reset to wait for the write', waitingForLock);
    await holder.query('COMMIT');
    expect(await resetting).toBe('reset');
  });
});
