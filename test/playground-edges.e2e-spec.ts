import { attempts, open, page, server, step, storedKey, text, usePlaygroundBrowser, usePlaygroundServer, withOtherTab } from './playground-helpers';
import { waitFor } from './wait-for';

/**
 * The retry playground away from its happy path: the keyboard, a step that overlaps the last one's
 * explanation, an account with more charges than one page, a second tab, and oncepay gone. The
 * tests run in order on one page; the last one stops the server.
 */
describe('the retry playground page, at its edges', () => {
  usePlaygroundBrowser();
  usePlaygroundServer();

  /** The page's `data-steps`: how many steps it has finished. */
  const stepsDone = async () => Number(await page.getAttribute('#playground', 'data-steps'));

  it('loads without an error in the console or a failed request', async () => {
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error') problems.push(message.text());
    });
    page.on('response', (response) => {
      if (response.status() >= 400) problems.push(`${response.status()} ${response.url()}`);
    });
    await open();
    expect(problems).toEqual([]);
  });

  it('gives the keyboard focus back to the button pressed, once its step has run', async () => {
    await page.focus('[data-testid="replay-pay"]');
    const before = await stepsDone();
    await page.keyboard.press('Enter');
    await page.waitForSelector(`#playground[data-steps="${before + 1}"]`, { state: 'attached' });
    expect(await page.evaluate('document.activeElement?.dataset.testid')).toBe('replay-pay');
  });

  it("clears a card's explanation as a new run starts, so the last run's is never shown beside it", async () => {
    await step('in-use-double');
    expect(await text('in-use-explanation')).toMatch(/^The second request came while the first held the key/);
    const before = await stepsDone();
    await page.click('[data-testid="in-use-double"]');
    // Mid-run: the first submit is held for 1.5 s.
    await page.waitForSelector('[data-testid="in-use-attempts"] [data-field="status"]:text("held…")');
    expect(await text('in-use-explanation')).toBe('');
    await page.waitForSelector(`#playground[data-steps="${before + 1}"]`, { state: 'attached' });
    expect(await text('in-use-explanation')).toMatch(/^The second request came while the first held the key/);
  });

  it("describes each card's buttons by the card's heading, as the side panel names the card", async () => {
    const described = await page.$$eval('.scenario button', (buttons) =>
      buttons.map((b) => b.ownerDocument.getElementById(b.getAttribute('aria-describedby') ?? '')?.textContent === b.closest('article')?.querySelector('h2')?.textContent),
    );
    expect(described).toEqual(Array(10).fill(true));
    expect(await text('last-explanation')).toMatch(/^Card 3 · Double submit while the first is in flight/);
  });

  it('says on a faulted line of the request log what the fault left behind', async () => {
    const title = await page.getAttribute('[data-testid="timeline-entry"][data-outcome="faulted"] [data-field="outcome"]', 'title');
    expect(title).toBe('the fault kept the request in flight for a while (with its key locked, if it ran) before it answered');
  });

  it('counts the charges as 100+ when the account has more than the one page it lists', async () => {
    const key = await storedKey();
    const charge = () =>
      fetch(`${server.url}/v1/charges`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'amount=500&currency=usd&source=tok_visa',
      });
    // 101: one more than the page lists, whatever the earlier tests left in the account.
    for (let i = 0; i < 10; i++) await Promise.all(Array.from({ length: 10 }, charge));
    await charge();
    await open();
    expect(await text('charges-count')).toBe('100+');
  });

  it('follows a new key taken in another tab, rather than go on under the account it erased', async () => {
    await withOtherTab(async (other) => {
      await other.click('[data-testid="new-key"]');
      await other.waitForSelector('#playground[data-steps="2"]', { state: 'attached' });
      const newKey = ((await other.textContent('[data-testid="api-key"]')) ?? '').trim();
      // The page reads in the browser: a string, since this file is compiled without the DOM's types.
      await page.waitForFunction(`document.querySelector('[data-testid="api-key"]')?.textContent === ${JSON.stringify(newKey)}`);
      await page.waitForFunction(`document.querySelector('[data-testid="charges-count"]')?.textContent === '0'`);
      await page.waitForSelector('#playground[data-busy="false"]', { state: 'attached' });
      expect(await page.isDisabled('[data-testid="in-use-retry"]')).toBe(true);
      expect(await page.isDisabled('[data-testid="in-use-double"]')).toBe(false);
    });
  });

  it('follows a new key taken in another tab only once the step running here has ended', async () => {
    await withOtherTab(async (other) => {
      const before = Number(await page.getAttribute('#playground', 'data-steps'));
      await page.click('[data-testid="in-use-double"]');
      // The other tab takes its new key while this one's first submit is held (1.5 s).
      await page.waitForSelector('[data-testid="in-use-attempts"] [data-field="status"]:text("held…")');
      await other.click('[data-testid="new-key"]');
      await other.waitForSelector('#playground[data-steps="2"]', { state: 'attached' });
      // The double submit ends as it began, under one key, and then the page follows the new one.
      await page.waitForSelector(`#playground[data-steps="${before + 2}"][data-busy="false"]`, { state: 'attached' });
      expect(await text('api-key')).toBe(((await other.textContent('[data-testid="api-key"]')) ?? '').trim());
      const buttons = await page.$$eval('.scenario button', (all) => all.map((b) => [b.getAttribute('data-testid'), (b as { disabled?: boolean }).disabled]));
      expect(buttons.filter(([, disabled]) => disabled).map(([id]) => id)).toEqual(['replay-retry', 'mismatch-retry', 'in-use-retry', 'lost-retry', 'no-key-retry']);
      expect(await text('last-explanation')).toMatch(/^New key: another tab/);
    });
  });

  it('ends every tab on one key when two tabs take new keys at once', async () => {
    await withOtherTab(async (other) => {
      await Promise.all([page.click('[data-testid="new-key"]'), other.click('[data-testid="new-key"]')]);
      // What a tab shows: its key, and whether a step is running.
      const shown = (tab: typeof page) =>
        tab.evaluate<string>(`document.querySelector('#playground').dataset.busy + ' ' + document.querySelector('[data-testid="api-key"]').textContent`);
      // Each tab answers the other's new key once its own step has ended; then both rest on one.
      await waitFor('both tabs to rest on one key', async () => {
        const [mine, theirs] = await Promise.all([shown(page), shown(other)]);
        return mine === theirs && mine === `false ${await storedKey()}`;
      });
      await page.waitForTimeout(500);
      const [mine, theirs] = await Promise.all([shown(page), shown(other)]);
      expect(theirs).toBe(mine);
      expect(mine).toBe(`false ${await storedKey()}`);
    });
  });

  it('says oncepay is down, not that it dropped the answer, when the server is stopped', async () => {
    server.proc.kill('SIGTERM');
    await server.exited;
    await step('lost-pay');
    const [attempt] = await attempts('lost');
    expect(attempt.status).toBe('no answer, oncepay down');
    expect(attempt.failure).toMatch(/oncepay does not answer \/health either$/);
    expect(await text('lost-explanation')).toMatch(/^Could not reach oncepay: /);
  });
});
