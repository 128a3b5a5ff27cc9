import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source';
import { testDatabaseUrl } from './database';
import { ServerProcess, startServer } from './server-process';

/** Rounds, and identical requests fired at once in each, spread over two server processes. */
const ROUNDS = 20;
const REQUESTS_PER_ROUND = 40;

const KEY = 'sk_test_race_4242';

interface Answer {
  status: number;
  replayed: boolean;
  code?: string;
  chargeId?: string;
}

async function pay(server: ServerProcess, key: string, round: number): Promise<Answer> {
  const res = await fetch(`${server.url}/v1/charges`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${KEY}`, 'Idempotency-Key': key, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: `amount=1000&currency=usd&source=tok_visa&metadata[round]=${round}`,
  });
  const body = (await res.json()) as { id?: string; error?: { code?: string } };
  return { status: res.status, replayed: res.headers.get('idempotent-replayed') === 'true', code: body.error?.code, chargeId: body.id };
}

describe('identical requests racing over two processes that share one database', () => {
  let servers: ServerProcess[];
  let db: DataSource;

  beforeAll(async () => {
    servers = await Promise.all([startServer({ DATABASE_URL: testDatabaseUrl(), LOG_LEVEL: 'warn' }), startServer({ DATABASE_URL: testDatabaseUrl(), LOG_LEVEL: 'warn' })]);
    db = await new DataSource(dataSourceOptions(testDatabaseUrl())).initialize();
    await db.query('TRUNCATE charges, customers, idempotency_keys');
  });
  afterAll(async () => {
    for (const server of servers ?? []) server.proc.kill('SIGTERM');
    await Promise.all((servers ?? []).map((s) => s.exited));
    await db?.destroy();
  });

  it(`charges exactly once per key over ${ROUNDS} rounds of ${REQUESTS_PER_ROUND} concurrent requests`, async () => {
    const totals = { executed: 0, replayed: 0, keyInUse: 0, other: 0 };
    for (let round = 0; round < ROUNDS; round++) {
      const key = `race-${process.pid}-${round}`;
      const answers = await Promise.all(
        Array.from({ length: REQUESTS_PER_ROUND }, (_, i) => pay(servers[i % servers.length], key, round)),
      );
      const executed = answers.filter((a) => a.status === 200 && !a.replayed);
      const replayed = answers.filter((a) => a.status === 200 && a.replayed);
      const inUse = answers.filter((a) => a.status === 409 && a.code === 'idempotency_key_in_use');
      totals.executed += executed.length;
      totals.replayed += replayed.length;
      totals.keyInUse += inUse.length;
      totals.other += answers.length - executed.length - replayed.length - inUse.length;

      expect(executed).toHaveLength(1);
      expect(replayed.length + inUse.length).toBe(REQUESTS_PER_ROUND - 1);
      // Every replay names the one charge that was made.
      expect(new Set(replayed.map((a) => a.chargeId))).toEqual(new Set(replayed.length ? [executed[0].chargeId] : []));
      const [{ n }] = await db.query(`SELECT count(*)::int AS n FROM charges WHERE metadata->>'round' = $1`, [String(round)]);
      expect(n).toBe(1);
    }
    const [{ n: charges }] = await db.query(`SELECT count(*)::int AS n FROM charges`);
    expect(charges).toBe(ROUNDS);
    expect(totals.other).toBe(0);
    // The requests did race: some found the key locked by a request still in flight. Had they been
    // served one after another, every other answer would be a replay, and the rounds above would
    // have proven nothing about requests in flight at once.
    expect(totals.keyInUse).toBeGreaterThan(0);
    process.stdout.write(
      `\nrace: ${ROUNDS} rounds x ${REQUESTS_PER_ROUND} requests over 2 processes: ` +
        `${totals.executed} executed, ${totals.replayed} replayed, ${totals.keyInUse} key_in_use, ${totals.other} other; ${charges} charges\n`,
    );
  });
});
