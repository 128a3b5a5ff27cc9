import { bodyText } from './body-text';
import { InvalidRequestError } from './errors';

/** The status of the refusal `bodyText` throws for these bytes, or the text it reads. */
function read(bytes: number[] | string, contentType?: string): string | number {
  try {
    return bodyText(Buffer.from(bytes as never), contentType);
  } catch (error) {
    if (error instanceof InvalidRequestError) return error.status;
    throw error;
  }
}

describe('bodyText', () => {
  it('reads UTF-8 when the Content-Type names no charset', () => {
    expect(read('name=café', 'application/x-www-form-urlencoded')).toBe('name=café');
    expect(read('{"a":"é"}', undefined)).toBe('{"a":"é"}');
  });

  it('reads UTF-8 by any spelling of its name', () => {
    expect(read('é', 'application/json; charset=UTF_8')).toBe('é');
    expect(read('é', 'application/json; charset="utf8"')).toBe('é');
  });

  it('refuses bytes that are not UTF-8 rather than storing U+FFFD', () => {
    expect(read([0x61, 0xff, 0x62], 'application/json')).toBe(400);
    expect(read([0xed, 0xa0, 0x80], 'application/json; charset=utf-8')).toBe(400);
  });

  it('reads US-ASCII strictly: a byte over 0x7F is refused, not read as windows-1252', () => {
    expect(read('a=b', 'application/x-www-form-urlencoded; charset=us-ascii')).toBe('a=b');
    expect(read([0x61, 0x3d, 0xe9], 'application/x-www-form-urlencoded; charset=US-ASCII')).toBe(400);
    expect(read([0x61, 0x3d, 0x80], 'application/x-www-form-urlencoded; charset=ascii')).toBe(400);
  });

  it('decodes another charset the standard names', () => {
    expect(read([0x61, 0x3d, 0xe9], 'application/x-www-form-urlencoded; charset=iso-8859-1')).toBe('a=é');
  });

  it('answers 415 for a charset it cannot decode', () => {
    expect(read('a=b', 'application/x-www-form-urlencoded; charset=klingon')).toBe(415);
  });
});
