import { ConsoleLogger, LogLevel } from '@nestjs/common';
import { lookup } from 'node:dns/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { isIP } from 'node:net';
import { createApp } from './app.factory';
import { AppConfig, ConfigError, LogLevelName, validateConfig } from './common/config';
import { closeAfterAnswersOwed } from './common/in-flight';
import { openDatabase } from './database/open-database';

/** How long shutdown may take before the process exits anyway. */
const SHUTDOWN_TIMEOUT_MS = 10_000;
/** How often a server started by `npm start` checks that npm's shell is still its parent. */
const PARENT_CHECK_MS = 500;

const NEST_LEVELS: Record<LogLevelName, LogLevel[]> = {
  verbose: ['verbose', 'debug', 'log', 'warn', 'error', 'fatal'],
  debug: ['debug', 'log', 'warn', 'error', 'fatal'],
  info: ['log', 'warn', 'error', 'fatal'],
  warn: ['warn', 'error', 'fatal'],
  error: ['error', 'fatal'],
  fatal: ['fatal'],
  silent: [],
};

function readConfig(): AppConfig {
  try {
    return validateConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`oncepay: ${error.message}\n`);
    process.exit(1);
  }
}

/**
 * Stops with one line when HOST is a name that resolves to no address, before the database is
 * touched; otherwise the migrations would run and only the listen fail.
 */
async function checkHostResolves(host: string): Promise<void> {
  if (isIP(host)) return;
  try {
    await lookup(host);
  } catch {
    throw new Error(`HOST ${host} does not resolve to an address`);
  }
}

async function main(): Promise<void> {
  const config = readConfig();
  await checkHostResolves(config.HOST);
  const logger = new ConsoleLogger('oncepay', { json: true, logLevels: NEST_LEVELS[config.LOG_LEVEL] });
  const database = await openDatabase(config, (line) => logger.log(line));

  const app = await createApp(database.url, logger);
  await app.listen(config.PORT, config.HOST);
  logger.log(`oncepay listening on http://${config.HOST}:${config.PORT}`);

  // Stop taking requests, let the ones in flight finish, close the pool, then stop the embedded
  // server if this process started it, so that PostgreSQL shuts down cleanly rather than being
  // orphaned. A second signal, or a shutdown that hangs, exits at once.
  let stopping = false;
  const shutdown = (reason: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.log(`${reason}, shutting down`);
    setTimeout(() => process.exit(1), SHUTDOWN_TIMEOUT_MS).unref();
    // From now on every answer closes its connection. Closing the server stops new connections,
    // but a client sending one request after another on a kept-alive connection would keep it
    // busy, and the process up, until the timeout above. Prepended, this runs before Express
    // takes the request, so the header is there whenever the answer goes out.
    app.getHttpServer().prependListener('request', (_req: IncomingMessage, res: ServerResponse) => res.setHeader('Connection', 'close'));
    // And so do the answers to requests already taken, but not yet answered.
    closeAfterAnswersOwed();
    void app
      .close()
      .then(() => database.stop())
      .then(() => process.exit(0), (error: unknown) => {
        logger.error(`shutdown failed: ${String(error)}`);
        process.exit(1);
      });
  };
  process.on('SIGINT', () => shutdown('SIGINT received'));
  process.on('SIGTERM', () => shutdown('SIGTERM received'));

  // `npm start` runs the server through a shell, `sh -c`. npm passes a SIGTERM on to that shell,
  // but some shells (dash, Debian's sh) exit on it without passing it to the server, which would
  // be left serving with no parent: so a server started by npm stops when its parent is gone. Only
  // under npm: a server started with nohup or by a supervisor must outlive the shell that ran it.
  if (process.env.npm_lifecycle_event === 'start') {
    const parent = process.ppid;
    const watch = setInterval(() => {
      // Once, and not during a shutdown already begun (npm's shell may exit while it runs): a
      // second call of shutdown means "exit at once", as a second Ctrl-C does.
      if (process.ppid === parent || stopping) return;
      clearInterval(watch);
      shutdown('the process that started it (npm) has gone');
    }, PARENT_CHECK_MS).unref();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`oncepay: could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
