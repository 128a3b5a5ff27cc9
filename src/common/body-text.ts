import { parse as parseContentType } from 'content-type';
import { TextDecoder } from 'node:util';
import { InvalidRequestError } from './errors';

/** Names of US-ASCII among the standard's labels, which it reads as windows-1252 (see `bodyText`). */
const ASCII_LABELS = new Set(['us-ascii', 'ascii', 'ansi_x3.4-1968']);

/** The charset a Content-Type names, lower-cased, or undefined when it names none or is malformed. */
function charsetOf(contentType: string | undefined): string | undefined {
  try {
    return contentType === undefined ? undefined : parseContentType(contentType).parameters.charset?.toLowerCase();
  } catch {
    return undefined;
  }
}

/**
 * A body's bytes as text in the charset its Content-Type names (UTF-8 when it names none), decoded
 * by Node's own decoder, which knows the WHATWG Encoding standard's names. The decoder is
 * fatal: bytes that are not valid text in the charset are refused, where a lenient decoder would
 * turn them into U+FFFD and the request would be stored unlike what was sent. One decoder both
 * checks and decodes, so the two cannot disagree about what a charset's name means. Two names
 * the standard reads otherwise are made strict: UTF-8 by any spelling (`utf_8`), and US-ASCII,
 * which the standard reads as windows-1252, so that bytes over 0x7F sent as ASCII are refused
 * rather than read as Latin letters.
 */
export function bodyText(bytes: Buffer, contentType: string | undefined): string {
  const label = charsetOf(contentType) ?? 'utf-8';
  const ascii = ASCII_LABELS.has(label);
  const encoding = ascii || label.replace(/[^a-z0-9]/g, '') === 'utf8' ? 'utf-8' : label;
  let decoder: TextDecoder;
  try {
    decoder = new TextDecoder(encoding, { fatal: true });
  } catch {
    throw new InvalidRequestError(`Unsupported charset ${JSON.stringify(label)}: send UTF-8, or another charset this server can decode.`, {}, 415);
  }
  const notText = () => new InvalidRequestError('The request body is not valid text in its charset (UTF-8 unless the Content-Type names another).');
  if (ascii && bytes.some((byte) => byte > 0x7f)) throw notText();
  try {
    return decoder.decode(bytes);
  } catch {
    throw notText();
  }
}
