import { setTimeout as sleep } from 'node:timers/promises';

/** How long a test waits for a state before it gives up, unless it says otherwise. */
const WAIT_LIMIT_MS = 10_000;
const POLL_MS = 10;

/** Polls `condition` until it holds; throws, naming `what`, once `limitMs` has passed without it. */
export async function waitFor(what: string, condition: () => Promise<boolean>, limitMs = WAIT_LIMIT_MS): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(POLL_MS);
  }
}
