import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { reachDatabase } from './reach-database';

// An embedded PostgreSQL that this process finds already running on its port, with its data: one
// that another oncepay process started, which this process shares and leaves to it, or one left
// running by an oncepay process killed outright, which this process adopts (`stopAdopted`). The
// owner file says which of the two it is. `startEmbeddedPostgres` decides, in embedded-postgres.ts.

/**
 * The file in DATA_DIR naming the oncepay process that answers for the embedded server (the one
 * that started it, or adopted it): that process stops it when it stops.
 */
export const OWNER_FILE = 'owner.pid';
/** How long stopping an adopted server may take: PostgreSQL's fast shutdown is much quicker. */
const ADOPTED_STOP_TIMEOUT_MS = 10_000;
/** How often to look whether the adopted server has stopped. */
const ADOPTED_STOP_POLL_MS = 50;

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
    await sleep(ADOPTED_STOP_POLL_MS);
  }
}
