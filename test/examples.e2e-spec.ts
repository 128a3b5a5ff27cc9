import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { accountIdForKey } from '../src/common/ids';
import { testDatabaseUrl } from './database';
import { freePort, ServerProcess, startServer } from './server-process';

/**
 * The programs in `examples/` run as a reader would run them — `node examples/<name>.mjs` against
 * a running server — and what they print and leave in the database is checked. Each example gets
 * a key of its own here, so each has its own account.
 */

const EXAMPLES_DIR = resolve(__dirname, '..', 'examples');
const KEYS = {
  sdkRetry: 'sk_test_examples_e2e_sdk_retry',
  lateFees: 'sk_test_examples_e2e_late_fees',
  naiveClient: 'sk_test_examples_e2e_naive_client',
};
/** The late-fee job's two days; fixed, so the test never straddles midnight. */
const FEE_DATE = '2030-06-01';
const NEXT_FEE_DATE = '2030-06-02';

interface Run {
  code: number | null;
  lines: string[];
  stderr: string;
}

describe('the examples', () => {
  let server: ServerProcess;
  let db: Client;

  /** Runs `node examples/<file> <args>` against the server (or `url`) with this key, to its end. */
  function runExample(file: string, key: string, args: string[] = [], url = server.url): Promise<Run> {
    const env = { ...process.env, ONCEPAY_URL: url, ONCEPAY_KEY: key };
    const child = spawn(process.execPath, [resolve(EXAMPLES_DIR, file), ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    return new Promise((done) => child.once('close', (code) => done({ code, lines: stdout.split('\n').filter(Boolean), stderr })));
  }

  /** The account's charges as the database holds them, oldest first. */
  async function chargesOf(key: string) {
    const { rows } = await db.query<{ id: string; customer: string | null; order: string | null; fee_date: string | null }>(
      `SELECT id, customer, metadata->>'order' AS order, metadata->>'late_fee_date' AS fee_date
         FROM charges WHERE account = $1 ORDER BY seq`,
      [accountIdForKey(key)],
    );
    return rows;
  }

  async function customerCount(key: string): Promise<number> {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM customers WHERE account = $1`, [accountIdForKey(key)]);
    return rows[0].n;
  }

  beforeAll(async () => {
    server = await startServer({ DATABASE_URL: testDatabaseUrl(), LOG_LEVEL: 'warn' });
    db = new Client({ connectionString: testDatabaseUrl() });
    await db.connect();
  });
  afterAll(async () => {
    server?.proc.kill('SIGTERM');
    await server?.exited;
    await db?.end();
  });

  it.each(['sdk-retry.mjs', 'late-fees.mjs', 'naive-client.mjs'])('%s: says in one line that no oncepay answers, when none does, and exits 1', async (file) => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const run = await runExample(file, KEYS.sdkRetry, [], nowhere);
    expect(run.code).toBe(1);
    expect(run.stderr.trim().split('\n')).toEqual([expect.stringMatching(new RegExp(`^no oncepay answers at ${nowhere}/?: start one with npm start`))]);
  });

  it('sdk-retry: the SDK retries a dropped charge with its key, and one charge exists', async () => {
    const run = await runExample('sdk-retry.mjs', KEYS.sdkRetry);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const charges = await chargesOf(KEYS.sdkRetry);
    expect(charges).toHaveLength(1);
    expect(run.lines).toContain(`the account has 1 charge(s): ${charges[0].id}`);
    expect(run.lines.some((l) => l.startsWith(`stripe.charges.create returned ${charges[0].id} `))).toBe(true);
    // The request log shows the dropped attempt and its replayed retry, under one generated key.
    const charging = run.lines.filter((l) => l.trim().startsWith('POST /v1/charges '));
    expect(charging).toHaveLength(2);
    const [, droppedKey] = /key=(stripe-node-retry-\S+) status=none faulted \(fault drop_after_commit\)$/.exec(charging[0]) ?? [];
    const [, replayedKey] = /key=(stripe-node-retry-\S+) status=200 replayed$/.exec(charging[1]) ?? [];
    expect(droppedKey).toBeDefined();
    expect(replayedKey).toBe(droppedKey);
  });

  it('late-fees: a job killed halfway and run again charges nobody twice; another date charges again', async () => {
    const feeLines = (run: Run, how: 'new' | 'replayed') =>
      run.lines.filter((l) => l.startsWith('charged ') && (how === 'new' ? l.endsWith('(new)') : l.endsWith(': replayed)')));

    const crashed = await runExample('late-fees.mjs', KEYS.lateFees, ['--reset', '--date', FEE_DATE, '--crash-after', '3']);
    expect(crashed.code).toBe(137);
    expect(feeLines(crashed, 'new')).toHaveLength(3);
    expect(await customerCount(KEYS.lateFees)).toBe(6);
    const firstThree = await chargesOf(KEYS.lateFees);
    expect(firstThree).toHaveLength(3);

    const rerun = await runExample('late-fees.mjs', KEYS.lateFees, ['--date', FEE_DATE]);
    expect(rerun.code).toBe(0);
    expect(rerun.lines).toContain('new: 3, replayed: 3');
    const replayed = feeLines(rerun, 'replayed');
    expect(replayed).toHaveLength(3);
    expect(feeLines(rerun, 'new')).toHaveLength(3);
    // The replayed lines name the charges the killed run made, not new ones.
    for (const charge of firstThree) expect(replayed.some((l) => l.includes(`: ${charge.id} (`))).toBe(true);
    const afterRerun = await chargesOf(KEYS.lateFees);
    expect(afterRerun).toHaveLength(6);
    expect(new Set(afterRerun.map((c) => c.customer)).size).toBe(6);

    const third = await runExample('late-fees.mjs', KEYS.lateFees, ['--date', FEE_DATE]);
    expect(third.code).toBe(0);
    expect(third.lines).toContain('new: 0, replayed: 6');
    expect(feeLines(third, 'replayed')).toHaveLength(6);
    expect(await chargesOf(KEYS.lateFees)).toHaveLength(6);

    const nextDay = await runExample('late-fees.mjs', KEYS.lateFees, ['--date', NEXT_FEE_DATE]);
    expect(nextDay.code).toBe(0);
    expect(nextDay.lines).toContain('new: 6, replayed: 0');
    const all = await chargesOf(KEYS.lateFees);
    expect(all).toHaveLength(12);
    expect(await customerCount(KEYS.lateFees)).toBe(6);
    // Each customer: one fee per date.
    const perCustomerAndDate = new Map<string, number>();
    for (const c of all) perCustomerAndDate.set(`${c.customer} ${c.fee_date}`, (perCustomerAndDate.get(`${c.customer} ${c.fee_date}`) ?? 0) + 1);
    expect(perCustomerAndDate.size).toBe(12);
    expect([...perCustomerAndDate.values()].every((n) => n === 1)).toBe(true);
  });

  it('naive-client: retrying a dropped charge without a key charges the order twice', async () => {
    const run = await runExample('naive-client.mjs', KEYS.naiveClient);

    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.lines).toContain('DOUBLE CHARGE: 2 charges for order 42');
    const charges = await chargesOf(KEYS.naiveClient);
    expect(charges.map((c) => c.order)).toEqual(['42', '42']);
    for (const charge of charges) expect(run.lines.some((l) => l.trim().startsWith(`${charge.id} 2000 usd succeeded`))).toBe(true);
  });
});
