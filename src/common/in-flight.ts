import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The answers the server still owes, by connection. A client may pipeline requests (send the
 * next before the last is answered), so a connection can owe several at once, which Node sends in
 * the order of their requests. Kept for two moments when they matter: a request on the connection
 * that Node cannot read, whose refusal must come after the answers owed before it (see
 * `answerClientErrors`), and a shutdown, from which on every answer closes its connection.
 */
const owedByConnection = new WeakMap<Duplex, Set<ServerResponse>>();

/**
 * The most answers one connection may be owed at once, the request being taken included. A
 * client pipelining more (20 000 GETs in one write, say) would otherwise have every one of them
 * wait for a database connection at once: the pool's waits time out as 503s, and every other
 * client waits behind them. Requests beyond it are refused with a 429 without being run.
 */
export const MAX_ANSWERS_OWED_PER_CONNECTION = 32;
const owed = new Set<ServerResponse>();
/**
 * How many answers its connection was owed when a request arrived, itself included. Taken then:
 * Node reads every request of one write before the app runs for the first, so by the time the
 * app looks, the later ones are all owed, whatever their order.
 */
const owedOnArrival = new WeakMap<IncomingMessage, number>();

/** Starts keeping count, from the first request the server takes. */
export function trackAnswersOwed(server: Server): void {
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    let forConnection = owedByConnection.get(req.socket);
    if (!forConnection) owedByConnection.set(req.socket, (forConnection = new Set()));
    forConnection.add(res);
    owed.add(res);
    owedOnArrival.set(req, forConnection.size);
    // 'close' comes once the answer has gone out, or the connection has gone without it.
    res.once('close', () => {
      forConnection.delete(res);
      owed.delete(res);
    });
  });
}

/** How many answers its connection was owed when `req` arrived, itself included. */
export function answersOwedOnArrival(req: IncomingMessage): number {
  return owedOnArrival.get(req) ?? 0;
}

/** Calls `then` once the connection owes no answer it owed when this was called. */
export function afterAnswersOwed(connection: Duplex, then: () => void): void {
  const pending = [...(owedByConnection.get(connection) ?? [])];
  let left = pending.length;
  if (left === 0) return then();
  for (const res of pending) {
    res.once('close', () => {
      if (--left === 0) then();
    });
  }
}

/** Makes every answer owed now, whose headers have not yet gone out, close its connection after it. */
export function closeAfterAnswersOwed(): void {
  for (const res of owed) if (!res.headersSent) res.setHeader('Connection', 'close');
}
