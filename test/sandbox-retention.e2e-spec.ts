import { RequestLogService } from '../src/sandbox/request-log.service';
import { REQUEST_LOG_RETENTION_HOURS } from '../src/sandbox/sandbox.constants';
import { bootApp, get, TestApp, truncateAll } from './helpers';

describe('request log retention', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await bootApp();
  });
  afterAll(() => t.app.close());
  beforeEach(() => truncateAll(t.dataSource));

  it(`purges lines older than ${REQUEST_LOG_RETENTION_HOURS} hours and keeps the recent ones`, async () => {
    const recent = await get(t, '/v1/customers').expect(200);
    await get(t, '/v1/charges').expect(200);
    // Age one line past the retention window, as time passing would.
    await t.dataSource.query(`UPDATE sandbox_requests SET created = now() - make_interval(hours => $1) WHERE path = '/v1/charges'`, [
      REQUEST_LOG_RETENTION_HOURS + 1,
    ]);
    expect(await t.app.get(RequestLogService).purge()).toBe(1);
    const { body } = await get(t, '/_sandbox/requests').expect(200);
    expect(body.data.map((line: { request_id: string }) => line.request_id)).toEqual([recent.headers['request-id']]);
  });
});
