// `npm run bench`: oncepay's production build against PostgreSQL (DATABASE_URL, else an embedded
// server of the bench's own), driven by autocannon, beside the bare ceiling (bench/ceiling.mjs)
// and the framework floor (bench/floor.mjs).
// Prints one table, the round trips each kind of request costs, and memory over a soak run, and
// saves everything to bench/results/<date>.json. Settings: BENCH_DURATION (seconds per round of a
// scenario, default 6), BENCH_ROUNDS (rounds of every scenario, default 3), BENCH_CONNECTIONS
// (default 16), BENCH_WARMUP (seconds of unmeasured load before the first round, default 30),
// BENCH_SOAK (seconds, default 60; 0 skips it).
import autocannon from 'autocannon';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startCountingProxy } from './pg-proxy.mjs';
import { rss, withCpu } from './proc-stats.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const DURATION = Number(process.env.BENCH_DURATION ?? 6);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const SOAK = Number(process.env.BENCH_SOAK ?? 60);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 30);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
/** Identical requests fired at once in each round of the duplicate storm, and rounds. */
const STORM_SIZE = 32;
const STORM_ROUNDS = 50;
/** Requests of each kind sent one at a time through the counting proxy. */
const ROUND_TRIP_SAMPLES = 50;
const KEY = 'sk_test_bench';
const CHARGE_BODY = 'amount=2000&currency=usd&source=tok_visa&metadata[bench]=1';
const FORM = { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${KEY}` };

async function database() {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => undefined };
  const { startEmbeddedPostgres } = require(join(ROOT, 'dist/src/database/embedded-postgres.js'));
  mkdirSync(join(ROOT, '.data'), { recursive: true });
  return startEmbeddedPostgres(join(ROOT, '.data', 'bench'), 54331, () => undefined);
}

/** A fresh database for this run on the same server, so no earlier run's rows weigh on it. */
async function freshDatabase(serverUrl) {
  const name = 'oncepay_bench';
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

async function startProcess(args, env, port) {
  const proc = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env, PORT: String(port) }, stdio: ['ignore', 'ignore', 'inherit'] });
  for (let i = 0; i < 300; i++) {
    try {
      await fetch(`http://127.0.0.1:${port}/health`);
      return proc;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${args.join(' ')} did not start`);
}

const stop = (proc) => new Promise((done) => (proc.exitCode !== null ? done() : (proc.once('exit', done), proc.kill('SIGTERM'))));

function run(url, options) {
  return autocannon({ url, connections: CONNECTIONS, duration: DURATION, method: 'POST', headers: FORM, body: CHARGE_BODY, ...options });
}

function row(name, result, ok = (status) => status === 200) {
  const statuses = Object.entries(result.statusCodeStats ?? {});
  const errors = result.errors + result.timeouts + statuses.filter(([s]) => !ok(Number(s))).reduce((n, [, v]) => n + v.count, 0);
  return { name, rps: Math.round(result.requests.average), p50: result.latency.p50, p99: result.latency.p99, requests: result.requests.total, errors };
}

async function storm(base) {
  const latencies = [];
  let errors = 0;
  const started = Date.now();
  for (let round = 0; round < STORM_ROUNDS; round++) {
    const key = `storm-${randomUUID()}`;
    await Promise.all(
      Array.from({ length: STORM_SIZE }, async () => {
        const t0 = performance.now();
        const res = await fetch(`${base}/v1/charges`, { method: 'POST', headers: { ...FORM, 'idempotency-key': key }, body: CHARGE_BODY });
        const body = await res.json();
        latencies.push(performance.now() - t0);
        // A 409 is right only while the first request holds the key; any other answer is an error.
        const inUse = res.status === 409 && body.error?.code === 'idempotency_key_in_use';
        if (res.status !== 200 && !inUse) errors++;
      }),
    );
  }
  latencies.sort((a, b) => a - b);
  const pick = (q) => Math.round(latencies[Math.floor(q * (latencies.length - 1))]);
  return { name: `duplicate storm (${STORM_ROUNDS}×${STORM_SIZE})`, rps: Math.round(latencies.length / ((Date.now() - started) / 1000)), p50: pick(0.5), p99: pick(0.99), requests: latencies.length, errors };
}

async function roundTrips(dbUrl, chargeId) {
  const target = new URL(dbUrl);
  const proxy = await startCountingProxy({ host: target.hostname, port: Number(target.port || 5432) });
  const viaProxy = new URL(dbUrl);
  viaProxy.hostname = '127.0.0.1';
  viaProxy.port = String(proxy.port);
  const port = 4562;
  const proc = await startProcess(['dist/src/main.js'], { DATABASE_URL: viaProxy.toString(), LOG_LEVEL: 'warn' }, port);
  const base = `http://127.0.0.1:${port}`;
  const measure = async (send) => {
    await send(0); // warm up: connections opened, statements prepared
    const before = proxy.count();
    for (let i = 1; i <= ROUND_TRIP_SAMPLES; i++) await send(i);
    return (proxy.count() - before) / ROUND_TRIP_SAMPLES;
  };
  const post = (headers) => fetch(`${base}/v1/charges`, { method: 'POST', headers: { ...FORM, ...headers }, body: CHARGE_BODY }).then((r) => r.arrayBuffer());
  const replayKey = `rt-replay-${randomUUID()}`;
  const result = {
    'create without key': await measure(() => post({})),
    'create with key': await measure(() => post({ 'idempotency-key': randomUUID() })),
    'replay': await measure(() => post({ 'idempotency-key': replayKey })),
    'retrieve': await measure(() => fetch(`${base}/v1/charges/${chargeId}`, { headers: FORM }).then((r) => r.arrayBuffer())),
  };
  await stop(proc);
  await proxy.close();
  return result;
}


async function soak(base, pid) {
  const samples = [];
  const timer = setInterval(() => samples.push(Math.round(rss(pid))), 5_000);
  const result = await autocannon({
    url: `${base}/v1/charges`, connections: CONNECTIONS, duration: SOAK, method: 'POST', headers: FORM, body: CHARGE_BODY,
    requests: [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'idempotency-key': randomUUID() } }) }],
  });
  clearInterval(timer);
  return { seconds: SOAK, requests: result.requests.total, rss_mb: samples };
}

async function serverVersion(url) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows: [{ version }] } = await client.query(`SELECT current_setting('server_version') AS version`);
  await client.end();
  return version;
}

const db = await database();
const dbUrl = await freshDatabase(db.url);
const pgVersion = await serverVersion(dbUrl);
const appPort = 4560;
const ceilingPort = 4561;
const app = await startProcess(['dist/src/main.js'], { DATABASE_URL: dbUrl, LOG_LEVEL: 'warn' }, appPort);
const base = `http://127.0.0.1:${appPort}`;
// A real charge as oncepay answers it: the ceiling stores responses of the same size.
const createdText = await (await fetch(`${base}/v1/charges`, { method: 'POST', headers: FORM, body: CHARGE_BODY })).text();
const created = JSON.parse(createdText);
const ceiling = await startProcess(['bench/ceiling.mjs'], { DATABASE_URL: dbUrl, CEILING_RESPONSE: createdText }, ceilingPort);
const floorPort = 4563;
const floor = await startProcess(['bench/floor.mjs'], { CEILING_RESPONSE: createdText }, floorPort);

const withKey = () => [{ setupRequest: (req) => ({ ...req, headers: { ...req.headers, 'idempotency-key': randomUUID() } }) }];
const ceilingUrl = `http://127.0.0.1:${ceilingPort}/charges`;
const floorUrl = `http://127.0.0.1:${floorPort}/charges`;

// Unmeasured load first: V8 compiles the hot paths while it runs, so the first scenario is not
// measured on colder code than the others.
if (WARMUP > 0) {
  const quarter = Math.max(1, Math.round(WARMUP / 4));
  await run(`${base}/v1/charges`, { duration: quarter, requests: withKey() });
  await run(`${base}/v1/charges`, { duration: quarter });
  await run(ceilingUrl, { duration: quarter, requests: withKey() });
  await run(floorUrl, { duration: quarter, requests: withKey() });
}

const replayKey = `replay-${randomUUID()}`;
await fetch(`${base}/v1/charges`, { method: 'POST', headers: { ...FORM, 'idempotency-key': replayKey }, body: CHARGE_BODY });
const scenarios = [
  ['create without key', app.pid, () => run(`${base}/v1/charges`)],
  ['create with fresh key', app.pid, () => run(`${base}/v1/charges`, { requests: withKey() })],
  ['replay of one key', app.pid, () => run(`${base}/v1/charges`, { headers: { ...FORM, 'idempotency-key': replayKey } })],
  ['retrieve', app.pid, () => run(`${base}/v1/charges/${created.id}`, { method: 'GET', body: undefined })],
  ['storm', app.pid, () => storm(base)],
  ['ceiling: create with key', ceiling.pid, () => run(ceilingUrl, { requests: withKey() })],
  ['floor: NestJS, one route, no database', floor.pid, () => run(floorUrl, { requests: withKey() })],
];

// Every scenario runs ROUNDS times, the rounds interleaved (all scenarios, then all again), and
// the report keeps each scenario's median round. One run of a scenario can land on a slow
// stretch of a shared machine; the median of interleaved rounds does not favour any scenario.
const rounds = new Map(scenarios.map(([name]) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, pid, work] of scenarios) {
    if (name === 'storm') {
      const { result, cpu_ms } = await withCpu(pid, work, (r) => r.requests);
      rounds.get(name).push({ ...result, cpu_ms });
    } else {
      const { result, cpu_ms } = await withCpu(pid, work, (r) => r.requests.total);
      rounds.get(name).push({ ...row(name, result), cpu_ms });
    }
  }
}
const rows = [...rounds.values()].map((results) => {
  const sorted = [...results].sort((a, b) => a.rps - b.rps);
  const sum = (field) => results.reduce((n, r) => n + r[field], 0);
  // Rate, latency and CPU from the median round; requests and errors counted over every round.
  return { ...sorted[Math.floor((sorted.length - 1) / 2)], rounds_rps: results.map((r) => r.rps), requests: sum('requests'), errors: sum('errors') };
});
const soakResult = SOAK > 0 ? await soak(base, app.pid) : null;
await stop(ceiling);
await stop(floor);
await stop(app);
const trips = await roundTrips(dbUrl, created.id);
await db.stop();

const byName = Object.fromEntries(rows.map((r) => [r.name, r]));
const ratio = (a, b) => Math.round((byName[a].rps / byName[b].rps) * 100) / 100;
const ratios = {
  'with key / without key': ratio('create with fresh key', 'create without key'),
  'replay / create with key': ratio('replay of one key', 'create with fresh key'),
  'create with key / ceiling': ratio('create with fresh key', 'ceiling: create with key'),
};

// What 0.7 × the ceiling would leave oncepay's server, if every core were busy (as under this
// load): the CPU a request may cost in all at that rate, less what PostgreSQL and the load
// generator spend on oncepay's create. Set beside the framework floor's own CPU per request.
const keyed = byName['create with fresh key'].cpu_ms;
const budget = {
  target_rps: Math.round(0.7 * byName['ceiling: create with key'].rps),
  server_cpu_ms: null,
  floor_server_cpu_ms: byName['floor: NestJS, one route, no database'].cpu_ms.server,
};
if (keyed.postgres !== null) {
  const allMs = (os.cpus().length * 1000) / budget.target_rps;
  budget.server_cpu_ms = Math.round((allMs - keyed.postgres - keyed.load_generator) * 100) / 100;
}

const machine = { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, memory_gb: Math.round(os.totalmem() / 2 ** 30), node: process.version, postgres: pgVersion };

console.log(`\noncepay bench — ${CONNECTIONS} connections, ${ROUNDS} rounds of ${DURATION} s per scenario (median round shown); ${machine.cpus} × ${machine.cpu}, PostgreSQL ${pgVersion}\n`);
const ms = (value) => (value === null ? '–' : value.toFixed(2));
console.log('| scenario | requests/s | rounds | p50 ms | p99 ms | requests | errors | CPU ms/request: server | PostgreSQL | load generator |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const r of rows) {
  const { server, postgres, load_generator } = r.cpu_ms;
  console.log(`| ${r.name} | ${r.rps} | ${r.rounds_rps.join(' ')} | ${r.p50} | ${r.p99} | ${r.requests} | ${r.errors} | ${ms(server)} | ${ms(postgres)} | ${ms(load_generator)} |`);
}
console.log('');
for (const [name, value] of Object.entries(ratios)) console.log(`${name}: ${value}`);
if (budget.server_cpu_ms !== null) {
  console.log(
    `at 0.7 × the ceiling (${budget.target_rps} requests/s) a create with key could cost the server ${ms(budget.server_cpu_ms)} ms of CPU; ` +
      `it costs ${ms(keyed.server)}, the framework floor alone ${ms(budget.floor_server_cpu_ms)}`,
  );
}
console.log(`\nround trips to PostgreSQL per request: ${Object.entries(trips).map(([k, v]) => `${k} ${v}`).join(', ')}`);
if (soakResult) console.log(`memory (RSS MB every 5 s over a ${SOAK} s create-with-key run, ${soakResult.requests} requests): ${soakResult.rss_mb.join(' ')}`);

const date = new Date().toISOString().slice(0, 10);
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(
  join(ROOT, 'bench', 'results', `${date}.json`),
  JSON.stringify({ date: new Date().toISOString(), machine, connections: CONNECTIONS, duration_s: DURATION, rounds: ROUNDS, warmup_s: WARMUP, rows, ratios, ceiling_budget: budget, round_trips: trips, soak: soakResult }, null, 2) + '\n',
);
console.log(`\nsaved bench/results/${date}.json`);
