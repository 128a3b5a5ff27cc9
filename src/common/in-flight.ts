import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The answers the server still owes, by connection. A client may pipeline requests (send the
 * next before the last is answered), so a connection can owe several at once, which Node sends in
 * the order of their requests. Kept for three uses:
 * - a request on the connection that Node cannot read, whose refusal must come after the answers
 *   owed before it (see `answerClientErrors`);
 * - a bound on how many requests one connection may have waiting (MAX_ANSWERS_OWED_PER_CONNECTION);
 * - a shutdown, from which on every answer closes its connection.
 *
 * An answer is owed until it has gone out, or its connection has closed: an answer queued behind
 * another never gets the socket, and emits no event of its own when the client goes.
 */
const owedByConnection = new WeakMap<Duplex, Set<ServerResponse>>();
/** Every answer owed, on any connection, for the shutdown. */
const owed = new Set<ServerResponse>();

/**
 * The most answers one connection may be owed at once, the request being taken included. A
 * client pipelining more (20 000 GETs in one write, say) would otherwise have every one of them
 * wait for a database connection at once: the pool's waits time out as 503s, and every other
 * client waits behind them. Requests beyond it are refused with a 429 without being run.
 */
export const MAX_ANSWERS_OWED_PER_CONNECTION = 32;

/**
 * How many answers its connection was owed when a request arrived, itself included. Taken then:
 * Node reads every request of one write before the app runs for the first, so by the time the
 * app looks, the later ones are all owed, whatever their order.
 */
const owedOnArrival = new WeakMap<IncomingMessage, number>();

/** The answers a connection owes, kept from its first request until it closes. */
function answersOf(connection: Duplex): Set<ServerResponse> {
  let answers = owedByConnection.get(connection);
  if (!answers) {
    const forConnection = (answers = new Set());
    owedByConnection.set(connection, forConnection);
    // Once the connection is gone, nothing it was owed can still go out.
    connection.once('close', () => {
      for (const res of forConnection) owed.delete(res);
      forConnection.clear();
    });
  }
  return answers;
}

/** Starts keeping count, from the first request the server takes. */
export function trackAnswersOwed(server: Server): void {
  server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
    const answers = answersOf(req.socket);
    answers.add(res);
    owed.add(res);
    owedOnArrival.set(req, answers.size);
    // 'close' comes once the answer has gone out, or once it held the socket when the client went.
    res.once('close', () => {
      answers.delete(res);
      owed.delete(res);
    });
  });
}

/** How many answers its connection was owed when `req` arrived, itself included. */
export function answersOwedOnArrival(req: IncomingMessage): number {
  return owedOnArrival.get(req) ?? 0;
}

/** How many answers the server owes on every connection together. */
export function answersOwed(): number {
  return owed.size;
}

/**
 * Calls `then` once the connection owes no answer to a request it has read whole, or has closed.
 * A request still being read is the one that broke (Node reports a broken body, or one too slow,
 * while the app waits for the rest): its answer would wait forever for a body that never comes.
 */
export function afterAnswersOwed(connection: Duplex, then: () => void): void {
  const pending = [...answersOf(connection)].filter((res) => res.req.complete);
  let left = pending.length;
  if (left === 0) return then();
  let settled = false;
  const settle = () => {
    if (settled) return;
    settled = true;
    then();
  };
  connection.once('close', settle);
  for (const res of pending) {
    res.once('close', () => {
      if (--left === 0) settle();
    });
  }
}

/** Makes every answer owed now, whose headers have not yet gone out, close its connection after it. */
export function closeAfterAnswersOwed(): void {
  for (const res of owed) if (!res.headersSent) res.setHeader('Connection', 'close');
}
