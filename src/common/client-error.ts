import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { InvalidRequestError } from './errors';
import { answeredApiVersion, DEFAULT_API_VERSION, echoedIdempotencyKey } from './headers';
import { newId } from './ids';
import { afterAnswersOwed } from './in-flight';

/** Node's codes for a request it could not read, and what each is answered with. */
const STATUS_BY_CODE: Record<string, number> = {
  HPE_HEADER_OVERFLOW: 431,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

const MESSAGE_BY_STATUS: Record<number, string> = {
  400: 'The request could not be read as HTTP: a header holds a character that is not allowed, or the request line is malformed.',
  408: 'The request took too long to arrive.',
  431: 'The request headers are too large.',
};

/** How long a socket answered here stays open after its answer, for a client that does not close it. */
const LINGER_MS = 5_000;

/**
 * Whether an `Expect` header asks for something other than `100-continue`, the one expectation a
 * server can meet. It is a list, in which HTTP lets a recipient skip empty elements, and Node
 * joins two headers into one (`100-continue, 100-continue`): neither asks for more.
 */
export function asksForMoreThanContinue(value: string | undefined): boolean {
  if (value === undefined) return false;
  return value.split(',').some((item) => item.trim() !== '' && item.trim().toLowerCase() !== '100-continue');
}

/** The message of a 417, for an `Expect` header that asks for more than `100-continue`. */
export function unsupportedExpectation(value: string | undefined): string {
  return `Unsupported Expect header ${JSON.stringify(value)}: only 100-continue is supported.`;
}

/**
 * Requests whose client sent `Expect: 100-continue`: it waits to be invited (a `100 Continue`)
 * before it sends the body, and the invitation is sent only if the body is to be read.
 */
const awaitingInvitation = new WeakSet<IncomingMessage>();

/** Sends the `100 Continue` a client is waiting for, as the request middleware starts to read its body. */
export function inviteBody(req: IncomingMessage, res: ServerResponse): void {
  if (awaitingInvitation.delete(req)) res.writeContinue();
}

/**
 * The error envelope with a `Request-Id` and a `Stripe-Version`, for an answer written before the
 * app sees the request: the version the request named, when Node has read its headers, or else
 * the default.
 */
function envelopeAnswer(status: number, message: string, version = DEFAULT_API_VERSION): { headers: Record<string, string | string[] | number>; body: string } {
  const body = JSON.stringify(new InvalidRequestError(message, {}, status).toEnvelope());
  return {
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'Content-Length': Buffer.byteLength(body),
      'Request-Id': newId('req'),
      'Stripe-Version': version,
      Connection: 'close',
    },
    body,
  };
}

/**
 * Node answers some requests itself, before the app sees them, with an empty body. This answers
 * them with the error envelope and a `Request-Id`, as every other answer has (CONTRACT §2), and
 * closes the connection after the answer:
 *
 * - a request it cannot parse (a control character in a header, headers over 16 KB): what follows
 *   the broken request on the connection cannot be trusted to start a new one;
 * - an `Expect` header other than `100-continue`, which HTTP says to answer 417;
 * - a CONNECT, which Node would drop without an answer.
 */
export function answerClientErrors(server: Server): void {
  // Node also answers an HTTP/1.1 request without a Host header itself, with an empty 400 (RFC
  // 9112 requires the 400). Switched off here, the request reaches the app, and the request
  // middleware refuses it with the same status in the error envelope (see `badHostError`).
  // Nest creates the server, so the `requireHostHeader` option cannot be passed to it; Node keeps
  // the option as a property of the server and reads it on every request, so setting it here,
  // before the server listens, has the same effect. client-error.e2e-spec.ts proves it does.
  Object.assign(server, { requireHostHeader: false });
  // Node reads at most 2 000 headers of a request and drops the rest unseen, but its parser still
  // frames the body by a Content-Length or Transfer-Encoding among them: a request with 2 001
  // headers, the last its Content-Length, would run as one without a body (a capture of `amount`
  // capturing all of it). With no count limit every header is read; the 16 KB limit on the size
  // of their names and values still bounds them.
  server.maxHeadersCount = 0;

  /**
   * Connections already answered here. Node may report a broken connection more than once (each
   * read after the first error fails again), and it gets one answer.
   */
  const answered = new WeakSet<Duplex>();

  /**
   * Writes an answer in the envelope straight to a socket, for a request that the app never sees,
   * and closes it. The answers the connection owes to requests before this one come first: a
   * client that pipelined a charge and then a broken request must get the charge's answer, not a
   * refusal in its place while the charge runs on.
   */
  const answerOnSocket = (socket: Socket, status: number, message: string, version?: string) => {
    if (answered.has(socket)) return;
    answered.add(socket);
    afterAnswersOwed(socket, () => {
      if (!socket.writable) return void socket.destroy();
      const { headers, body } = envelopeAnswer(status, message, version);
      const head = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
      socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n${head}\r\n${body}`);
      // From the answer on, not before: the answers owed before it may take longer than this.
      socket.setTimeout(LINGER_MS, () => socket.destroy());
    });
  };

  server.on('clientError', (error: NodeJS.ErrnoException, duplex: Duplex) => {
    // Node's own server hands over its net.Socket; Duplex is only what the event's type promises.
    const socket = duplex as Socket;
    // A socket already gone, or reset by the client, has no one to answer.
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = STATUS_BY_CODE[error.code ?? ''] ?? 400;
    answerOnSocket(socket, status, MESSAGE_BY_STATUS[status]);
  });

  // Node hands a CONNECT (a request for a tunnel) to this event rather than to the app, and with
  // no listener closes the connection without a word. oncepay is no proxy: it answers as it does
  // any method it has no route for.
  server.on('connect', (req: IncomingMessage, duplex: Duplex) => {
    // Node's own server hands over its net.Socket; Duplex is only what the event's type promises.
    const socket = duplex as Socket;
    // Node hands the socket over without its own error listener: a client that resets it would
    // otherwise raise an error no one catches, and end the process. What the client sends is read
    // and dropped, and a client that never closes its side is let go a while after the answer.
    socket.on('error', () => socket.destroy());
    socket.resume();
    answerOnSocket(socket, 404, `Unrecognized request URL (CONNECT: ${req.url}).`, answeredApiVersion(req));
  });

  // With a listener here, Node no longer sends `100 Continue` as soon as a request asking for it
  // arrives: it would invite a body that the request middleware may never read (a body declared
  // over the limit, or sent without a key, which the client would then send in full for nothing).
  // The request goes on to the app as any other, and the middleware invites the body as it starts
  // to read it (`inviteBody`). A request answered without the invitation (a 401, a 404, a 413)
  // leaves the client free to send its body or not, so no one can tell where a next request on
  // the connection would start: Node closes the connection after such an answer, which RFC 9110
  // §10.1.1 lets a server do instead of reading the body.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    awaitingInvitation.add(req);
    server.emit('request', req, res);
  });

  // With a listener here, Node no longer answers 417 itself.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => {
    // An empty `Expect:` asks for nothing: the request goes on as any other.
    if (!asksForMoreThanContinue(req.headers.expect)) return void server.emit('request', req, res);
    const { headers, body } = envelopeAnswer(417, unsupportedExpectation(req.headers.expect), answeredApiVersion(req));
    // As every POST answer does (see RequestMiddleware), refusals included.
    const echoed = echoedIdempotencyKey(req);
    if (echoed !== undefined) headers['Idempotency-Key'] = echoed;
    res.writeHead(417, headers).end(body);
  });
}
