import type { IncomingMessage } from 'node:http';
import { canonicalizePath, hasUnreadablePath, spellPath } from './canonical-path';

const canonicalPath = (path: string): string => spellPath(path).path;

describe('spellPath and canonicalizePath', () => {
  it.each([
    ['an escaped unreserved character', '/v1/charges/ch%5Fx', '/v1/charges/ch_x'],
    ['an escaped letter in a fixed segment', '/v1/%63harges', '/v1/charges'],
    ['a lower-case escape', '/v1/charges/a%2fb', '/v1/charges/a%2Fb'],
    ['an escaped sub-delimiter a segment may hold', '/v1/charges/a%3Ab%40c%2Bd', '/v1/charges/a:b@c+d'],
    ['a character a path may not hold raw', '/v1/charges/a"b', '/v1/charges/a%22b'],
    ['an escaped space', '/v1/charges/a%20b', '/v1/charges/a%20b'],
    ['UTF-8 escapes in either case', '/v1/customers/caf%c3%a9', '/v1/customers/caf%C3%A9'],
  ])('spells %s one way', (_what, path, canonical) => {
    expect(canonicalPath(path)).toBe(canonical);
  });

  it('leaves a path that needs no change as it is', () => {
    expect(canonicalPath('/v1/charges/ch_3Nab/capture')).toBe('/v1/charges/ch_3Nab/capture');
  });

  it('keeps an escaped slash inside its segment, so it never becomes a path separator', () => {
    expect(canonicalPath('/v1/charges/ch%2Fcapture')).toBe('/v1/charges/ch%2Fcapture');
    expect(canonicalPath('/v1/charges/ch%2Fcapture')).not.toBe(canonicalPath('/v1/charges/ch/capture'));
  });

  it('changes only the case of the escapes of a segment that does not decode, and says so', () => {
    expect(spellPath('/v1/%63harges/%zz')).toEqual({ path: '/v1/charges/%zz', decodes: false });
    expect(spellPath('/v1/customers/caf%e9')).toEqual({ path: '/v1/customers/caf%E9', decodes: false });
  });

  it('spells a prefix that ends inside a character as the start of the paths it matches', () => {
    expect(spellPath('/v1/%63ustomers/a%7Ecaf%c3', { prefix: true })).toEqual({ path: '/v1/customers/a~caf%C3', decodes: true });
    expect(spellPath('/v1/customers/%e2%82', { prefix: true })).toEqual({ path: '/v1/customers/%E2%82', decodes: true });
    // %FF starts no character, and %C3%A9%C3 is é and an unfinished one, which is fine.
    expect(spellPath('/v1/customers/%FF', { prefix: true }).decodes).toBe(false);
    expect(spellPath('/v1/customers/%C3%A9%C3', { prefix: true })).toEqual({ path: '/v1/customers/%C3%A9%C3', decodes: true });
    // Only at the end of a prefix: elsewhere it is a broken character.
    expect(spellPath('/v1/customers/caf%C3').decodes).toBe(false);
  });

  it('gives one spelling that is its own canonical form', () => {
    const once = canonicalPath('/v1/%63ustomers/cus%5Fa%2fb%3d');
    expect(canonicalPath(once)).toBe(once);
  });
});

describe('canonicalizePath', () => {
  const rewrite = (url: string) => {
    const req = { url } as IncomingMessage;
    canonicalizePath(req);
    return { url: req.url, unreadable: hasUnreadablePath(req) };
  };

  it.each([
    ['/v1/%63harges?limit=%33', '/v1/charges?limit=%33'],
    ['http://[::1]:4242/v1/charges?limit=3', '/v1/charges?limit=3'],
    ['http://host', '/'],
    // As written: a URL parser would resolve the dot segments and serve another path.
    ['http://host/v1/customers/x/%2E%2E/cus_1', '/v1/customers/x/../cus_1'],
    ['/v1/charges#fragment', '/v1/charges'],
    ['*', '*'],
  ])('rewrites %s to %s', (url, rewritten) => {
    expect(rewrite(url)).toEqual({ url: rewritten, unreadable: false });
  });

  it.each(['http://[/v1/charges', 'foo://host/v1/charges', '/v1/%zz', '/v1/customers/caf%E9'])('marks %s unreadable', (url) => {
    expect(rewrite(url).unreadable).toBe(true);
  });
});
