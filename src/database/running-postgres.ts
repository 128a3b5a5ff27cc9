import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Database } from './embedded-postgres';
import { reachDatabase } from './reach-database';

// An embedded PostgreSQL that this process finds already running on its port, with its data: one
// that another oncepay process started and shares (`keepShared`), or one left running by an
// oncepay process killed outright, which this process adopts (`stopAdopted`). The owner file says
// which of the two it is. `startEmbeddedPostgres` decides, in embedded-postgres.ts.

/**
 * The file in DATA_DIR naming the oncepay process that answers for the embedded server (the one
 * that started it, or adopted it): that process stops it when it stops.
 */
export const OWNER_FILE = 'owner.pid';
/** How long stopping an adopted server may take: PostgreSQL's fast shutdown is much quicker. */
const ADOPTED_STOP_TIMEOUT_MS = 10_000;
/**
 * How often a process sharing another's embedded server checks that it still answers. The
 * process that started it stops it when it exits; the sharer then starts it again, and answers
 * 503 (database unavailable) for about this long, plus PostgreSQL's start.
 */
const SHARED_CHECK_MS = 1_000;

/** Whether a server answers at `url` now, in one try. */
export const answers = (url: string): Promise<boolean> => reachDatabase(url, 1).then(() => true, () => false);

/**
 * Whether a process with this id is running (signal 0 only checks). A zombie — a process that has
 * ended but that its parent has not yet reaped, as a killed oncepay can stay for a while where the
 * init process is slow to reap (in a container without `--init`) — is not running; Linux's /proc
 * tells it apart, where there is one.
 */
export function isRunning(pid: number): boolean {
  try {
    // The state follows the name, which is in parentheses and may itself hold spaces.
    if (/\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'))) return false;
  } catch {
    // No /proc, or no such process: the signal below decides.
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The process id in a file whose first line is one, or undefined. */
export function pidIn(file: string): number | undefined {
  if (!existsSync(file)) return undefined;
  const pid = Number(readFileSync(file, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/**
 * Stops a server this process did not start (no handle to it): a SIGINT to its postmaster asks for
 * PostgreSQL's fast shutdown, which ends its sessions and writes its data out cleanly.
 */
export async function stopAdopted(databaseDir: string): Promise<void> {
  const pid = pidIn(resolve(databaseDir, 'postmaster.pid'));
  if (pid === undefined) return;
  process.kill(pid, 'SIGINT');
  const deadline = Date.now() + ADOPTED_STOP_TIMEOUT_MS;
  while (isRunning(pid)) {
    if (Date.now() > deadline) throw new Error(`embedded PostgreSQL (process ${pid}) did not stop`);
    await sleep(50);
  }
}

/**
 * A server another oncepay process started, and will stop when it exits (the `embedded-postgres`
 * package stops the servers it started from its own exit hook). This process checks every
 * SHARED_CHECK_MS that the server still answers; once it does not, it starts it again from the
 * same data folder (`restart`, which is `startEmbeddedPostgres`), and hands over to what that returns: a
 * server it started and now stops on exit, or, if another sharer was quicker, one it shares in
 * turn. Requests meanwhile answer 503, as for any database that went away.
 */
export function keepShared(port: number, serverUrl: string, url: string, restart: () => Promise<Database>, log: (line: string) => void): Database {
  let replacement: Database | undefined;
  let checking = false;
  let stopped = false;
  const watch = setInterval(() => {
    // One check at a time: a start takes longer than the interval.
    if (checking) return;
    checking = true;
    void (async () => {
      if (await answers(serverUrl)) return;
      log(`embedded PostgreSQL on port ${port} stopped with the process that started it; starting it again`);
      replacement = await restart();
      clearInterval(watch);
      // Started while this process was shutting down: stopped at once, as `stop` would have.
      if (stopped) await replacement.stop();
    })()
      // A start that fails (another sharer starting it at the same moment) is tried again.
      .catch((error: unknown) => log(`embedded PostgreSQL could not be started again: ${String(error)}`))
      .finally(() => (checking = false));
  }, SHARED_CHECK_MS);
  // The check alone must not keep the process alive.
  watch.unref();
  return {
    url,
    stop: async () => {
      stopped = true;
      clearInterval(watch);
      await replacement?.stop();
    },
  };
}
