import { canonicalPath } from './canonical-path';

describe('canonicalPath', () => {
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

  it('changes only the case of the escapes of a path with a broken or non-UTF-8 escape, for the router to refuse', () => {
    expect(canonicalPath('/v1/charges/%zz')).toBe('/v1/charges/%zz');
    expect(canonicalPath('/v1/customers/caf%e9')).toBe('/v1/customers/caf%E9');
    // A fault's prefix that ends inside a character still matches the paths that go on with it.
    expect(canonicalPath('/v1/customers/caf%c3')).toBe('/v1/customers/caf%C3');
  });

  it('gives one spelling that is its own canonical form', () => {
    const once = canonicalPath('/v1/%63ustomers/cus%5Fa%2fb%3d');
    expect(canonicalPath(once)).toBe(once);
  });
});
