import { ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

const ROOT = resolve(__dirname, '..');
/** The built server; `npm test` builds it first (`pretest`). */
export const MAIN = resolve(ROOT, 'dist', 'src', 'main.js');
/** The server as `npm start` runs it, without its `prestart` build (`npm test` has built it). */
export const NPM_START = ['npm', 'start', '--ignore-scripts', '--silent'];
/** How long a server may take to start, embedded PostgreSQL's first initdb included. */
const START_TIMEOUT_MS = 60_000;

/** A free TCP port on 127.0.0.1, found by letting the kernel choose one. */
export async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => done(port));
    });
  });
}

export interface ServerProcess {
  proc: ChildProcess;
  port: number;
  url: string;
  /** Everything the process wrote to stdout, one entry per line. */
  stdout: string[];
  stderr: string[];
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<number | NodeJS.Signals>;
}

export async function isServing(url: string): Promise<boolean> {
  try {
    return (await fetch(`${url}/health`)).status === 200;
  } catch {
    return false;
  }
}

/**
 * Starts `node dist/src/main.js` (or `command`, from the project's folder) with these settings and
 * waits until its /health answers 200. With `ownGroup` the process leads a process group of its
 * own, so that `killGroup` can end whatever it started, even a child it left behind; without it,
 * the server stays in the test run's group, and a Ctrl-C of the run stops it too.
 */
export async function startServer(
  env: Record<string, string | undefined>,
  { command = [process.execPath, MAIN], ownGroup = false }: { command?: string[]; ownGroup?: boolean } = {},
): Promise<ServerProcess> {
  const port = Number(env.PORT ?? (await freePort()));
  const proc = spawn(command[0], command.slice(1), {
    cwd: ROOT,
    detached: ownGroup,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const server: ServerProcess = {
    proc,
    port,
    url: `http://127.0.0.1:${port}`,
    stdout: [],
    stderr: [],
    exited: new Promise((done) => proc.once('exit', (code, signal) => done(code ?? signal!))),
  };
  const collect = (into: string[]) => (chunk: Buffer) => into.push(...chunk.toString().split('\n').filter(Boolean));
  proc.stdout!.on('data', collect(server.stdout));
  proc.stderr!.on('data', collect(server.stderr));

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await isServing(server.url))) {
    if (proc.exitCode !== null || proc.signalCode !== null) {
      throw new Error(`server exited while starting: ${server.stderr.join('\n')}`);
    }
    if (Date.now() > deadline) {
      proc.kill('SIGKILL');
      throw new Error(`server did not start in ${START_TIMEOUT_MS} ms: ${server.stdout.join('\n')}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return server;
}

/** Sends SIGKILL to every process still in the process group of a server started with `ownGroup`. */
export function killGroup(server: ServerProcess): void {
  try {
    process.kill(-server.proc.pid!, 'SIGKILL');
  } catch {
    // The group is empty: everything has exited already.
  }
}

/** Runs the server to completion (for settings that must stop it at once). */
export async function runServerToExit(env: Record<string, string | undefined>): Promise<{ code: number | null; stderr: string }> {
  const proc = spawn(process.execPath, [MAIN], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((done) => proc.once('exit', (c) => done(c)));
  return { code, stderr };
}
