// What a process costs, read from Linux's /proc: CPU time and resident memory. The bench uses it
// to give CPU per request for the server under test, PostgreSQL and the load generator.
import { readdirSync, readFileSync } from 'node:fs';

/** CPU seconds a process has used (user + system), from /proc; null where there is no /proc. */
function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
/** Linux's USER_HZ, the unit of /proc/<pid>/stat's times: 100 on every architecture Node runs on. */
const CLOCK_TICKS = 100;

/** Every PostgreSQL process on the machine: the postmaster, its backends and its workers. */
function postgresPids() {
  const commandOf = (pid) => {
    try {
      return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      return null; // gone since the directory was read, or no /proc at all
    }
  };
  let pids = [];
  try {
    pids = readdirSync('/proc').filter((pid) => /^\d+$/.test(pid));
  } catch {
    return [];
  }
  return pids.filter((pid) => commandOf(pid) === 'postgres');
}

/**
 * CPU used while `work` runs, per request: by the server under test, by PostgreSQL (every
 * process alive at the end; one that exits midway, such as an idle connection a pool closes, takes
 * its time with it) and by this process, the load generator. On two shared cores, CPU per request is what a request really costs.
 */
export async function withCpu(serverPid, work, requestsOf) {
  const pgBefore = new Map(postgresPids().map((pid) => [pid, cpuSeconds(pid)]));
  const serverBefore = cpuSeconds(serverPid);
  const clientBefore = process.cpuUsage();
  const result = await work();
  const requests = requestsOf(result);
  let postgres = 0;
  for (const pid of postgresPids()) {
    // A backend that started midway (a pool opening a connection) counts from its start.
    postgres += (cpuSeconds(pid) ?? 0) - (pgBefore.get(pid) ?? 0);
  }
  const client = process.cpuUsage(clientBefore);
  const perRequest = (seconds) => (serverBefore === null || requests === 0 ? null : Math.round((seconds * 1000 * 100) / requests) / 100);
  return {
    result,
    cpu_ms: {
      server: perRequest(cpuSeconds(serverPid) - serverBefore),
      postgres: perRequest(postgres),
      load_generator: perRequest((client.user + client.system) / 1e6),
    },
  };
}

export const rss = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
