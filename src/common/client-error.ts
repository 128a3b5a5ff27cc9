import type { Server } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { InvalidRequestError } from './errors';
import { newId } from './ids';

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

/**
 * Node answers a request it cannot parse (a control character in a header, headers over 16 KB)
 * itself, before the app sees it, with an empty body. This answers it with the error envelope and
 * a `Request-Id`, as every other answer has (CONTRACT §2). The connection is closed after the
 * answer: what follows the broken request on it cannot be trusted to start a new one.
 */
export function answerClientErrors(server: Server): void {
  // Node also answers an HTTP/1.1 request without a Host header itself, with an empty 400 (RFC
  // 9112 requires the 400). Switched off here, the request reaches the app, and the request
  // middleware refuses it with the same status in the error envelope (see `missingHostError`).
  // Nest creates the server, so the `requireHostHeader` option cannot be passed to it; Node keeps
  // the option as a property of the server and reads it on every request, so setting it here,
  // before the server listens, has the same effect. client-error.e2e-spec.ts proves it does.
  Object.assign(server, { requireHostHeader: false });
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // A socket already gone, or reset by the client, has no one to answer.
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = STATUS_BY_CODE[error.code ?? ''] ?? 400;
    const body = JSON.stringify(new InvalidRequestError(MESSAGE_BY_STATUS[status], {}, status).toEnvelope());
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        `Request-Id: ${newId('req')}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  });
}
