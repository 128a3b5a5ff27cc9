import { parseForm, parseJson } from '../common/params';
import { canonicalJson, requestFingerprint } from './fingerprint';

describe('requestFingerprint', () => {
  const fp = (params: Parameters<typeof requestFingerprint>[2], path = '/v1/charges', method = 'POST') =>
    requestFingerprint(method, path, params);

  it('is the same for the form and the JSON encoding of one request', () => {
    const form = parseForm('amount=2000&currency=usd&metadata[order]=42&expand[]=customer');
    const json = parseJson('{"amount": 2000, "currency": "usd", "metadata": {"order": 42}, "expand": ["customer"]}');
    expect(fp(form)).toBe(fp(json));
  });

  it('does not depend on the order of keys, at any depth', () => {
    expect(fp({ a: '1', b: { x: '1', y: '2' } })).toBe(fp({ b: { y: '2', x: '1' }, a: '1' }));
  });

  it('treats expand[] and expand[0] as the same parameter', () => {
    expect(fp(parseForm('expand[]=customer'))).toBe(fp(parseForm('expand[0]=customer')));
  });

  it('changes when a value, the path or the method changes', () => {
    const base = fp({ amount: '2000' });
    expect(fp({ amount: '2001' })).not.toBe(base);
    expect(fp({ amount: '2000' }, '/v1/customers')).not.toBe(base);
    expect(fp({ amount: '2000' }, '/v1/charges', 'PUT')).not.toBe(base);
    expect(fp({ amount: '2000', description: '' })).not.toBe(base);
  });

  it('keeps the order of array elements', () => {
    expect(fp({ expand: ['a', 'b'] })).not.toBe(fp({ expand: ['b', 'a'] }));
  });

  it('cannot be confused by keys or values that contain JSON punctuation', () => {
    expect(canonicalJson({ 'a":"b': 'c' })).not.toBe(canonicalJson({ a: 'b":"c' }));
    expect(fp({ 'a":"b': 'c' })).not.toBe(fp({ a: 'b":"c' }));
  });

  it('is a 64-character hex SHA-256', () => {
    expect(fp({})).toMatch(/^[0-9a-f]{64}$/);
  });
});
