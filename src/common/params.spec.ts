import { InvalidRequestError } from './errors';
import { parseBody } from './params';

const JSON_TYPE = 'application/json';

describe('parseBody and Unicode', () => {
  it('keeps characters outside the Basic Multilingual Plane, written as a surrogate pair', () => {
    // 😀 is U+1F600: the pair \ud83d\ude00 in JSON, four bytes in UTF-8 in a form.
    expect(parseBody(JSON_TYPE, '{"name":"\\ud83d\\ude00","metadata":{"\\ud83d\\ude00":"ok"}}')).toEqual({
      name: '😀',
      metadata: { '😀': 'ok' },
    });
    expect(parseBody('application/x-www-form-urlencoded', 'name=%F0%9F%98%80')).toEqual({ name: '😀' });
  });

  it.each([
    ['a lone high surrogate in a value', '{"name":"a\\ud800"}', 'name'],
    ['a lone low surrogate in a value', '{"name":"\\udc00b"}', 'name'],
    ['two high surrogates in a row', '{"name":"\\ud800\\ud800"}', 'name'],
    ['a lone surrogate in a key', '{"metadata":{"\\ud800":"x"}}', 'metadata[\ud800]'],
  ])('refuses %s, naming the parameter', (_name, body, param) => {
    let refusal: unknown;
    try {
      parseBody(JSON_TYPE, body);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(InvalidRequestError);
    expect((refusal as InvalidRequestError).toEnvelope().error.param).toBe(param);
  });
});
