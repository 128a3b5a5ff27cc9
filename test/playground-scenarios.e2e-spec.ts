import { join } from 'node:path';
import {
  ARTIFACTS,
  attempts,
  chargesListedFor,
  DESKTOP,
  open,
  page,
  PHONE,
  screenshot,
  server,
  step,
  storedKey,
  text,
  timeline,
  timelineOf,
  usePlaygroundBrowser,
  usePlaygroundServer,
} from './playground-helpers';

/**
 * The retry playground in Debian's headless Chromium against the built server: the throwaway key
 * the page gives this browser, each of the five scenario cards, a phone-sized screen, and starting
 * over with a new key. The tests run in order on one page and one account, as a person would click
 * through it: the fifth card counts the charges of all five, and the new key erases them all.
 */

describe('the retry playground page', () => {
  usePlaygroundBrowser();
  usePlaygroundServer();

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
