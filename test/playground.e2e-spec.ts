import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { testDatabaseUrl } from './database';
import { bootApp } from './helpers';
import { ServerProcess, startServer } from './server-process';

/** Debian's Chromium: the test never downloads a browser of its own. */
const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];
/** Screenshots of each scenario, for a person to look at (git-ignored). */
const ARTIFACTS = join(__dirname, 'artifacts');
const DESKTOP = { width: 1280, height: 1000 };
const PHONE = { width: 375, height: 812 };

/** What one attempt on a card shows, read from the page. */
interface ShownAttempt {
  label: string | null;
  status: string | null;
  replayed: string | null;
  originalRequest: string | null;
  charge: string | null;
  code: string | null;
  requestId: string | null;
  failure: string | null;
}

/** One line of the page's request-log timeline. */
interface ShownEvent {
  method: string;
  key: string;
  outcome: string;
  status: string | null;
  fault: string | null;
}

describe('the retry playground page', () => {
  let server: ServerProcess;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is missing at ${CHROMIUM}: install it with "apt-get install -y chromium" (as .ci/run does).`);
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    server = await startServer({ DATABASE_URL: testDatabaseUrl() });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: DESKTOP });
  });

  afterAll(async () => {
    await browser?.close();
    if (server) {
      server.proc.kill('SIGTERM');
      await server.exited;
    }
  });

  /** Opens (or reloads) the page and waits for its first look at the account to be shown. */
  async function open(): Promise<void> {
    await page.goto(`${server.url}/`);
    await page.waitForSelector('#playground[data-steps="1"]', { state: 'attached' });
  }

  /** The key the page keeps in this browser's localStorage. */
  async function storedKey(): Promise<string | null> {
    return page.evaluate<string | null>('localStorage.getItem("oncepay.playground.apiKey")');
  }

  /** Clicks a button and waits until the page has finished that step and refreshed its panels. */
  async function step(testId: string): Promise<void> {
    const before = Number(await page.getAttribute('#playground', 'data-steps'));
    await page.click(`[data-testid="${testId}"]`);
    await page.waitForSelector(`#playground[data-steps="${before + 1}"]`, { state: 'attached' });
  }

  async function text(testId: string): Promise<string> {
    return ((await page.textContent(`[data-testid="${testId}"]`)) ?? '').trim();
  }

  async function attempts(scenario: string): Promise<ShownAttempt[]> {
    return page.$$eval(`[data-testid="${scenario}-attempts"] [data-testid="attempt"]`, (items) =>
      items.map((item) => {
        const read = (name: string) => item.querySelector(`[data-field="${name}"]`)?.textContent?.trim() ?? null;
        return {
          label: read('label'),
          status: read('status'),
          replayed: read('replayed'),
          originalRequest: read('original-request'),
          charge: read('charge'),
          code: read('code'),
          requestId: read('request-id'),
          failure: read('failure'),
        };
      }),
    );
  }

  /** The timeline's payment requests, newest first, as the page shows them. */
  async function timeline(): Promise<ShownEvent[]> {
    return page.$$eval('[data-testid="timeline-entry"]', (items) =>
      items.map((item) => ({
        method: item.getAttribute('data-method') ?? '',
        key: item.getAttribute('data-key') ?? '',
        outcome: item.querySelector('[data-field="outcome"]')?.textContent?.trim() ?? '',
        status: item.querySelector('[data-field="status"]')?.textContent?.trim() ?? null,
        fault: item.querySelector('[data-field="fault"]')?.textContent?.trim() ?? null,
      })),
    );
  }

  async function timelineOf(key: string): Promise<ShownEvent[]> {
    return (await timeline()).filter((event) => event.key === key);
  }

  async function chargesListedFor(scenario: string): Promise<number> {
    return page.locator(`[data-testid="charges"] [data-testid="charge"][data-scenario="${scenario}"]`).count();
  }

  /**
   * Saves what a person sees: on a desktop, the card scrolled to the top of the window beside the
   * side panels that follow it down the page; on a phone, the whole page.
   */
  async function screenshot(name: string, scenario?: string): Promise<void> {
    if (scenario) await page.evaluate(`document.querySelector('#scenario-${scenario}').scrollIntoView({ block: 'start' })`);
    await page.screenshot({ path: join(ARTIFACTS, `playground-${name}.png`), fullPage: !scenario });
  }

  it('serves the page at GET / as HTML, while unknown routes keep the JSON 404 envelope', async () => {
    const home = await fetch(`${server.url}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await home.text()).toContain('retry playground');

    const script = await fetch(`${server.url}/playground.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    const style = await fetch(`${server.url}/playground.css`);
    expect(style.status).toBe(200);
    expect(style.headers.get('content-type')).toMatch(/^text\/css/);

    for (const path of ['/no-such-page', '/v1/no-such-thing']) {
      const missing = await fetch(`${server.url}${path}`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await missing.json()).toEqual({ error: expect.objectContaining({ type: 'invalid_request_error' }) });
    }
  });

  it('finds its files beside the module source too, as when the app is booted in-process', async () => {
    const t = await bootApp();
    try {
      const home = await t.http().get('/').expect(200);
      expect(home.headers['content-type']).toMatch(/^text\/html/);
      await t.http().get('/playground-view.js').expect(200);
      const missing = await t.http().get('/no-such-page').expect(404);
      expect(missing.body.error.type).toBe('invalid_request_error');
    } finally {
      await t.app.close();
    }
  });

  it('gives this browser a throwaway test key that survives a reload', async () => {
    await open();
    const key = await text('api-key');
    expect(key).toMatch(/^sk_test_playground_[0-9a-f]{24}$/);
    expect(await storedKey()).toBe(key);

    await open();
    expect(await text('api-key')).toBe(key);
    expect(await text('charges-count')).toBe('0');
    expect(await timeline()).toEqual([]);
  });

  it('1. replays the stored answer when the payment is retried with its key', async () => {
    await step('replay-pay');
    const key = await text('replay-key');
    expect(key).toMatch(/^playground-replay-/);
    const [paid] = await attempts('replay');
    expect(paid.status).toBe('200 OK');
    expect(paid.replayed).toBe('(not sent)');
    expect(paid.charge).toMatch(/^ch_/);

    await step('replay-retry');
    const [, retry] = await attempts('replay');
    expect(retry.status).toBe('200 OK');
    expect(retry.replayed).toBe('true');
    expect(retry.originalRequest).toBe(paid.requestId);
    expect(retry.charge).toBe(paid.charge);
    expect(retry.requestId).not.toBe(paid.requestId);

    expect(await text('replay-charge-count')).toBe('1');
    expect(await chargesListedFor('replay')).toBe(1);
    expect((await timelineOf(key)).map((e) => e.outcome)).toEqual(['replayed', 'executed']);
    expect(await text('replay-explanation')).toMatch(/^Replayed: .*charged nothing more \(1 charge\)/);
    expect(await text('last-explanation')).toContain('Retry after a success');
    await screenshot('1-replay', 'replay');
  });

  it('2. refuses a retry under the same key with another amount: 409 idempotency_key_reused', async () => {
    await step('mismatch-pay');
    const key = await text('mismatch-key');
    await step('mismatch-retry');
    const [paid, changed] = await attempts('mismatch');
    expect(paid.status).toBe('200 OK');
    expect(changed.status).toBe('409 Conflict');
    expect(changed.code).toBe('idempotency_key_reused');
    expect(changed.charge).toBeNull();

    expect(await text('mismatch-charge-count')).toBe('1');
    expect(await chargesListedFor('mismatch')).toBe(1);
    expect((await timelineOf(key)).map((e) => e.outcome)).toEqual(['key_reused', 'executed']);
    expect(await text('mismatch-explanation')).toMatch(/^Refused with 409: .*nothing ran/);
    await screenshot('2-mismatch', 'mismatch');
  });

  it('3. answers 409 idempotency_key_in_use to a double submit while the first is held, then replays', async () => {
    await step('in-use-double');
    const key = await text('in-use-key');
    const [held, second] = await attempts('in-use');
    expect(held.status).toBe('200 OK');
    expect(held.charge).toMatch(/^ch_/);
    expect(second.status).toBe('409 Conflict');
    expect(second.code).toBe('idempotency_key_in_use');
    expect(await text('in-use-explanation')).toMatch(/^The second request came while the first held the key, so it got 409 idempotency_key_in_use/);
    await screenshot('3a-in-use', 'in-use');

    await step('in-use-retry');
    const [, , retry] = await attempts('in-use');
    expect(retry.status).toBe('200 OK');
    expect(retry.replayed).toBe('true');
    expect(retry.charge).toBe(held.charge);
    expect(retry.originalRequest).toBe(held.requestId);

    expect(await text('in-use-charge-count')).toBe('1');
    expect(await chargesListedFor('in-use')).toBe(1);
    // Newest first: the retry, then the held request (logged when it answered), then the refusal.
    const events = await timelineOf(key);
    expect(events.map((e) => e.outcome)).toEqual(['replayed', 'faulted', 'key_in_use']);
    expect(events[1]).toMatchObject({ fault: 'hold', status: '200' });
    expect(await text('in-use-explanation')).toMatch(/^Replayed: .*the same charge/);
    await screenshot('3b-in-use-retry', 'in-use');
  });

  it('4. charges once when the answer is lost and the retry carries the same key', async () => {
    await step('lost-pay');
    const key = await text('lost-key');
    const [lost] = await attempts('lost');
    expect(lost.status).toBe('no response');
    expect(lost.failure).toMatch(/^rejected: /);
    expect(await text('lost-charge-count')).toBe('1');

    await step('lost-retry');
    const [, retry] = await attempts('lost');
    expect(retry.status).toBe('200 OK');
    expect(retry.replayed).toBe('true');
    expect(retry.charge).toMatch(/^ch_/);

    expect(await text('lost-charge-count')).toBe('1');
    expect(await chargesListedFor('lost')).toBe(1);
    const events = await timelineOf(key);
    expect(events.map((e) => e.outcome)).toEqual(['replayed', 'faulted']);
    expect(events[1]).toMatchObject({ fault: 'drop_after_commit', status: 'no response' });
    expect(await text('lost-explanation')).toMatch(/^Replayed: .*instead of charging again: 1 charge\./);
    await screenshot('4-lost', 'lost');
  });

  it('5. charges twice when the answer is lost and the retry carries no key', async () => {
    await step('no-key-pay');
    const [lost] = await attempts('no-key');
    expect(lost.status).toBe('no response');
    expect(await text('no-key-charge-count')).toBe('1');

    await step('no-key-retry');
    const [, retry] = await attempts('no-key');
    expect(retry.status).toBe('200 OK');
    expect(retry.replayed).toBe('(not sent)');
    expect(retry.charge).toMatch(/^ch_/);

    expect(await text('no-key-charge-count')).toBe('2');
    expect(await chargesListedFor('no-key')).toBe(2);
    const payments = (await timeline()).filter((e) => e.method === 'POST');
    expect(payments.slice(0, 2)).toEqual([
      expect.objectContaining({ key: '', outcome: 'executed', status: '200' }),
      expect.objectContaining({ key: '', outcome: 'faulted', fault: 'drop_after_commit', status: 'no response' }),
    ]);
    expect(await text('no-key-explanation')).toMatch(/^Charged again: .*2 charges for one purchase\./);

    // Every card's charges in one account: 1 + 1 + 1 + 1 + 2.
    expect(await text('charges-count')).toBe('6');
    expect(await page.locator('[data-testid="charges"] [data-testid="charge"]').count()).toBe(6);
    await screenshot('5-no-key', 'no-key');
  });

  it('fits a 375 px phone screen without scrolling sideways', async () => {
    await page.setViewportSize(PHONE);
    const widths = await page.evaluate<{ page: number; body: number; viewport: number }>(
      '({ page: document.documentElement.scrollWidth, body: document.body.scrollWidth, viewport: window.innerWidth })',
    );
    expect(widths.viewport).toBe(PHONE.width);
    expect(widths.page).toBeLessThanOrEqual(PHONE.width);
    expect(widths.body).toBeLessThanOrEqual(PHONE.width);
    await screenshot('375px');
    await page.evaluate('window.scrollTo(0, 0)');
    await page.screenshot({ path: join(ARTIFACTS, 'playground-375px-top.png') });
    await page.evaluate(`document.querySelector('#scenario-no-key').scrollIntoView({ block: 'start' })`);
    await page.screenshot({ path: join(ARTIFACTS, 'playground-375px-card-5.png') });
    await page.setViewportSize(DESKTOP);
  });

  it('starts over with a new key, erasing the old account through DELETE /_sandbox/data', async () => {
    const oldKey = await text('api-key');
    await step('new-key');
    const newKey = await text('api-key');
    expect(newKey).toMatch(/^sk_test_playground_[0-9a-f]{24}$/);
    expect(newKey).not.toBe(oldKey);
    expect(await storedKey()).toBe(newKey);
    expect(await text('charges-count')).toBe('0');
    expect(await timeline()).toEqual([]);
    expect(await page.isDisabled('[data-testid="replay-retry"]')).toBe(true);

    const old = await fetch(`${server.url}/v1/charges`, { headers: { Authorization: `Bearer ${oldKey}` } });
    expect(((await old.json()) as { data: unknown[] }).data).toEqual([]);
    await screenshot('new-key', 'replay');
  });
});
