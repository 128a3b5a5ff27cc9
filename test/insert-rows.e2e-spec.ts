import { Charge } from '../src/charges/charge.entity';
import { errorCode, UNIQUE_VIOLATION, violatedConstraint } from '../src/database/database-errors';
import { insertRows } from '../src/database/insert-rows';
import { IdempotencyKey } from '../src/idempotency/idempotency-key.entity';
import { IdempotencyService, NewKey } from '../src/idempotency/idempotency.service';
import { bootApp, TestApp, truncateAll } from './helpers';

/** A charge with every kind of column set: text, integers, booleans, nulls, jsonb and a timestamp. */
const charge = (id: string): Partial<Charge> => ({
  id,
  account: 'acct_insert_rows',
  amount: 1234,
  amountCaptured: 0,
  amountRefunded: 0,
  currency: 'eur',
  customer: null,
  description: 'it\'s "quoted" — and ünïcode',
  receiptEmail: null,
  metadata: { order: '7', note: '{"not": "parsed"}' },
  status: 'failed',
  captured: false,
  failureCode: 'card_declined',
  failureMessage: 'Your card was declined.',
  declineCode: 'generic_decline',
  card: { brand: 'visa', last4: '0002', country: 'US', funding: 'credit', exp_month: 12, exp_year: 2034 },
  created: new Date('2026-01-02T03:04:05.678Z'),
});

/** Every column of a charge row as PostgreSQL returns it, but the ones that differ by design. */
async function storedCharge(t: TestApp, id: string) {
  const [row] = await t.dataSource.query('SELECT * FROM charges WHERE id = $1', [id]);
  const { id: _id, seq, ...rest } = row;
  expect(seq).toBeDefined();
  return rest;
}

describe('insertRows', () => {
  let t: TestApp;
  beforeAll(async () => (t = await bootApp()));
  afterAll(() => t.app.close());
  beforeEach(() => truncateAll(t.dataSource));

  it('stores a row exactly as repository.insert stores it', async () => {
    const repo = t.dataSource.getRepository(Charge);
    await repo.insert(charge('ch_by_typeorm'));
    await insertRows(repo, [charge('ch_by_insert_rows')]);
    const stored = await storedCharge(t, 'ch_by_insert_rows');
    expect(stored).toEqual(await storedCharge(t, 'ch_by_typeorm'));
    expect(stored.metadata).toEqual({ order: '7', note: '{"not": "parsed"}' });
    expect(stored.description).toBe('it\'s "quoted" — and ünïcode');
  });

  it('stores many rows in one statement and leaves generated columns to the database', async () => {
    const repo = t.dataSource.getRepository(IdempotencyKey);
    const record = (key: string): Partial<IdempotencyKey> => ({
      account: 'acct_insert_rows', key, fingerprint: 'f', method: 'POST', path: '/v1/charges', statusCode: 200, responseBody: '{}', requestId: `req_${key}`,
    });
    await insertRows(repo, [record('a'), record('b'), record('c')]);
    const rows = await t.dataSource.query('SELECT id, key, created_at FROM idempotency_keys ORDER BY key');
    expect(rows.map((r: { key: string }) => r.key)).toEqual(['a', 'b', 'c']);
    expect(new Set(rows.map((r: { id: string }) => r.id)).size).toBe(3);
    for (const row of rows) expect(row.created_at).toBeInstanceOf(Date);
  });

  it('reports a duplicate idempotency key as a unique violation of its named constraint, from insertRows and from the save of a record', async () => {
    // The idempotency interceptor answers key_in_use on exactly this code and constraint name, for
    // the record it saves with IdempotencyService.save.
    const repo = t.dataSource.getRepository(IdempotencyKey);
    const record: NewKey = {
      account: 'acct_insert_rows', key: 'dup', fingerprint: 'f', method: 'POST', path: '/v1/charges', statusCode: 200, responseBody: '{}', requestId: 'req_dup',
    };
    await insertRows(repo, [record]);
    const violations = await Promise.all(
      [insertRows(repo, [record]), t.app.get(IdempotencyService).save(record, 60)].map((attempt) =>
        attempt.then(
          () => undefined,
          (error: unknown) => ({ code: errorCode(error), constraint: violatedConstraint(error) }),
        ),
      ),
    );
    expect(violations).toEqual(Array(2).fill({ code: UNIQUE_VIOLATION, constraint: 'idempotency_keys_account_key_unique' }));
  });

  it('refuses a row that lacks a column, and writes none of the rows', async () => {
    const repo = t.dataSource.getRepository(Charge);
    const { currency: _currency, ...incomplete } = charge('ch_incomplete');
    await expect(insertRows(repo, [charge('ch_complete'), incomplete])).rejects.toThrow('Charge.currency has no value');
    expect(await t.dataSource.query('SELECT id FROM charges')).toEqual([]);
  });
});
