import type { IncomingMessage } from 'node:http';

/**
 * How many times a request sent a header. Node merges repeats into `req.headers` in ways that hide
 * them: it keeps only the first `Authorization`, and joins other repeats into one value (`a, b`).
 * The raw list, name and value in turn, still has each one.
 */
export function timesSent(req: Pick<IncomingMessage, 'rawHeaders'>, lowerCaseName: string): number {
  let count = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i].toLowerCase() === lowerCaseName) count += 1;
  }
  return count;
}
