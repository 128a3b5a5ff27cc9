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
