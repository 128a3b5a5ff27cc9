import type { NestExpressApplication } from '@nestjs/platform-express';
import * as qs from 'qs';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.factory';
import { testDatabaseUrl } from './database';

/** A test account's key; every distinct key is its own account. */
export const KEY = 'sk_test_oncepay_e2e';
export const OTHER_KEY = 'sk_test_someone_else';

export interface TestApp {
  app: NestExpressApplication;
  dataSource: DataSource;
  /** A supertest agent on the app's HTTP server. */
  http: () => ReturnType<typeof request>;
}

/** Boots the real application, as `npm start` builds it, against the tests' PostgreSQL. */
export async function bootApp(): Promise<TestApp> {
  const app = await createApp(testDatabaseUrl());
  await app.init();
  const dataSource = app.get(DataSource);
  return { app, dataSource, http: () => request(app.getHttpServer()) };
}

/** Every table the migrations made, but the migrations' own. */
async function tables(dataSource: DataSource): Promise<string[]> {
  const rows: { tablename: string }[] = await dataSource.query(
    `SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename <> 'migrations' ORDER BY tablename`,
  );
  return rows.map((r) => r.tablename);
}

/** Empties every table, so each test starts from nothing. */
export async function truncateAll(dataSource: DataSource): Promise<void> {
  const names = await tables(dataSource);
  await dataSource.query(`TRUNCATE ${names.map((n) => `"${n}"`).join(', ')}`);
}

/**
 * Row counts of every table: compare before and after to prove a request wrote nothing. The
 * sandbox's request log is left out: it records every request, refused ones included, by design.
 */
export async function rowCounts(dataSource: DataSource): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const name of (await tables(dataSource)).filter((n) => n !== 'sandbox_requests')) {
    const [{ count }] = await dataSource.query(`SELECT count(*)::int AS count FROM "${name}"`);
    counts[name] = count;
  }
  return counts;
}

/** A form body in Stripe's bracket notation, as the stripe SDK encodes it. */
export const form = (params: object): string => qs.stringify(params, { arrayFormat: 'indices' });

/** POSTs form parameters with the test key. */
export function post(t: TestApp, path: string, params: object = {}, key = KEY) {
  return t.http().post(path).auth(key, '').type('form').send(form(params));
}

/** GETs with query parameters and the test key. */
export function get(t: TestApp, path: string, params: object = {}, key = KEY) {
  const query = form(params);
  return t.http().get(query ? `${path}?${query}` : path).auth(key, '');
}
