import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { testDatabaseUrl } from './database';
import { ServerProcess, startServer } from './server-process';

/**
 * What the playground suites (`playground-serving`, `playground-scenarios`) share: the built
 * server started as its own process, Debian's Chromium driving a page on it, and the readers that
 * turn the page's cards, panels and timeline into values a test can compare.
 */

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
export const ARTIFACTS = join(__dirname, 'artifacts');
export const DESKTOP = { width: 1280, height: 1000 };
export const PHONE = { width: 375, height: 812 };

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

/** The server, set by `usePlaygroundServer`, and the page, set by `usePlaygroundBrowser`, before the first test. */
export let server: ServerProcess;
export let page: Page;
let browser: Browser;

/** Launches Chromium on a desktop-sized page for the calling describe block, and closes it after. */
export function usePlaygroundBrowser(): void {
  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`Chromium is missing at ${CHROMIUM}: install it with "apt-get install -y chromium" (as .ci/run does).`);
    }
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    // A context of its own, rather than `browser.newPage`'s, so a test can open a second tab in it.
    page = await (await browser.newContext({ viewport: DESKTOP })).newPage();
  });
  afterAll(async () => {
    await browser?.close();
  });
}

/** Starts the built server against the tests' PostgreSQL for the calling describe block, and stops it after. */
export function usePlaygroundServer(): void {
  beforeAll(async () => {
    server = await startServer({ DATABASE_URL: testDatabaseUrl() });
  });
  afterAll(async () => {
    if (server) {
      server.proc.kill('SIGTERM');
      await server.exited;
    }
  });
}

/** Opens (or reloads) the page and waits for its first look at the account to be shown. */
export async function open(): Promise<void> {
  await page.goto(`${server.url}/`);
  await page.waitForSelector('#playground[data-steps="1"]', { state: 'attached' });
}

/**
 * Opens the page in a second tab of the same browser, which shares the first one's storage, waits
 * for its first look at the account, runs `work` with it, and closes it.
 */
export async function withOtherTab(work: (other: Page) => Promise<void>): Promise<void> {
  const other = await page.context().newPage();
  try {
    await other.goto(`${server.url}/`);
    await other.waitForSelector('#playground[data-steps="1"]', { state: 'attached' });
    await work(other);
  } finally {
    await other.close();
  }
}

/** The key the page keeps in this browser's localStorage. */
export async function storedKey(): Promise<string | null> {
  return page.evaluate<string | null>('localStorage.getItem("oncepay.playground.apiKey")');
}

/** Clicks a button and waits until the page has finished that step and refreshed its panels. */
export async function step(testId: string): Promise<void> {
  const before = Number(await page.getAttribute('#playground', 'data-steps'));
  await page.click(`[data-testid="${testId}"]`);
  await page.waitForSelector(`#playground[data-steps="${before + 1}"]`, { state: 'attached' });
}

export async function text(testId: string): Promise<string> {
  return ((await page.textContent(`[data-testid="${testId}"]`)) ?? '').trim();
}

export async function attempts(scenario: string): Promise<ShownAttempt[]> {
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
export async function timeline(): Promise<ShownEvent[]> {
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

export async function timelineOf(key: string): Promise<ShownEvent[]> {
  return (await timeline()).filter((event) => event.key === key);
}

export async function chargesListedFor(scenario: string): Promise<number> {
  return page.locator(`[data-testid="charges"] [data-testid="charge"][data-scenario="${scenario}"]`).count();
}

/**
 * Saves what a person sees: on a desktop, the card scrolled to the top of the window beside the
 * side panels that follow it down the page; on a phone, the whole page.
 */
export async function screenshot(name: string, scenario?: string): Promise<void> {
  if (scenario) await page.evaluate(`document.querySelector('#scenario-${scenario}').scrollIntoView({ block: 'start' })`);
  await page.screenshot({ path: join(ARTIFACTS, `playground-${name}.png`), fullPage: !scenario });
}
