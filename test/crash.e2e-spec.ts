import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source';
import { testDatabaseUrl } from './database';
import { freePort, ServerProcess, startServer } from './server-process';

/** Orders the client pays, how many it pays at once, and when the server is killed. */
const ORDERS = 240;
const CONCURRENCY = 6;
const KILL_AT_COMPLETED = [40, 100, 160];
/** A client gives up on one attempt after this long and retries it. */
const ATTEMPT_TIMEOUT_MS = 5_000;

const KEY = 'sk_test_crash_4242';

interface Stats {
  attempts: number;
  failedAttempts: number;
  keyInUse: number;
  replayedAnswers: number;
}

/**
 * A careful client: every order has its own key, derived from the order, and an attempt that
 * fails in any retryable way — no answer at all, a 5xx, a 409 key_in_use — is sent again with
 * the same key until an answer comes.
 */
async function payOrder(baseUrl: () => string, order: number, stats: Stats): Promise<string> {
  for (;;) {
    stats.attempts++;
    try {
      const res = await fetch(`${baseUrl()}/v1/charges`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${KEY}`, 'Idempotency-Key': `order-${order}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: `amount=${1000 + order}&currency=usd&source=tok_visa&metadata[order]=${order}`,
        signal: AbortSignal.timeout(ATTEMPT_TIMEOUT_MS),
      });
      const body = (await res.json()) as { id?: string; error?: { code?: string } };
      if (res.status === 200) {
        if (res.headers.get('idempotent-replayed') === 'true') stats.replayedAnswers++;
        return body.id!;
      }
      if (res.status === 409 && body.error?.code === 'idempotency_key_in_use') stats.keyInUse++;
      else if (res.status < 500) throw new Error(`order ${order}: unexpected ${res.status} ${JSON.stringify(body)}`);
      else stats.failedAttempts++;
    } catch (error) {
      if ((error as Error).message.startsWith(`order ${order}:`)) throw error;
      stats.failedAttempts++; // the connection was refused or dropped: the server is down
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a server killed with SIGKILL while a retrying client pays orders', () => {
  let server: ServerProcess | undefined;
  let db: DataSource;

  beforeAll(async () => {
    db = await new DataSource(dataSourceOptions(testDatabaseUrl())).initialize();
    await db.query('TRUNCATE charges, customers, idempotency_keys');
  });
  afterAll(async () => {
    server?.proc.kill('SIGTERM');
    await server?.exited;
    await db.destroy();
  });

  it('charges every order exactly once and completes every order', async () => {
    const env = { DATABASE_URL: testDatabaseUrl(), PORT: String(await freePort()), LOG_LEVEL: 'warn' };
    server = await startServer(env);
    const url = server.url;
    const stats: Stats = { attempts: 0, failedAttempts: 0, keyInUse: 0, replayedAnswers: 0 };
    const chargeIds = new Map<number, string>();
    let kills = 0;

    // The killer: when enough orders are done, SIGKILL the server in the middle of the traffic,
    // then start a new one on the same port, as a supervisor would.
    const killer = (async () => {
      for (const threshold of KILL_AT_COMPLETED) {
        while (chargeIds.size < threshold) await new Promise((r) => setTimeout(r, 5));
        server!.proc.kill('SIGKILL');
        await server!.exited;
        kills++;
        server = await startServer(env);
      }
    })();

    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (next < ORDERS) {
          const order = next++;
          chargeIds.set(order, await payOrder(() => url, order, stats));
        }
      }),
    );
    await killer;

    const rows: { order: string; n: number; ids: string[] }[] = await db.query(
      `SELECT metadata->>'order' AS order, count(*)::int AS n, array_agg(id) AS ids FROM charges GROUP BY 1`,
    );
    expect(rows).toHaveLength(ORDERS);
    expect(rows.filter((r) => r.n !== 1)).toEqual([]);
    for (const row of rows) expect(row.ids[0]).toBe(chargeIds.get(Number(row.order)));
    expect(chargeIds.size).toBe(ORDERS);
    expect(kills).toBe(KILL_AT_COMPLETED.length);
    // The kills did land on requests in flight; otherwise this test would prove nothing.
    expect(stats.failedAttempts).toBeGreaterThan(0);
    process.stdout.write(
      `\ncrash: ${ORDERS} orders, ${kills} SIGKILLs, ${stats.attempts} attempts, ${stats.failedAttempts} failed attempts, ` +
        `${stats.keyInUse} key_in_use, ${stats.replayedAnswers} replayed answers, ${rows.length} charges\n`,
    );
  });
});
