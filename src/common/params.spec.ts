import { InvalidRequestError } from './errors';
import { parseBody, parseForm } from './params';

const JSON_TYPE = 'application/json';

/** The envelope of the InvalidRequestError that `parse` throws; fails the test if it throws none. */
function refusalOf(parse: () => unknown) {
  try {
    parse();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidRequestError);
    return (error as InvalidRequestError).toEnvelope();
  }
  throw new Error('expected the parameters to be refused');
}

describe('parseBody and text or numbers that cannot be stored', () => {
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
    ['a number over 500 characters written out', '{"amount":1e500}', 'amount'],
    ['a negative number over 500 characters written out', '{"metadata":{"n":-1e500}}', 'metadata[n]'],
  ])('refuses %s, naming the parameter', (_name, body, param) => {
    expect(refusalOf(() => parseBody(JSON_TYPE, body)).error.param).toBe(param);
  });
});

describe('parseBody and lists', () => {
  const FORM_TYPE = 'application/x-www-form-urlencoded';

  it.each([
    ['indexed brackets', 'expand[0]=customer&expand[1]=data.customer'],
    ['empty brackets', 'expand[]=customer&expand[]=data.customer'],
    ['indices sent out of order', 'expand[1]=data.customer&expand[0]=customer'],
    ['a repeated name', 'expand=customer&expand=data.customer'],
  ])('reads %s as a list', (_name, body) => {
    expect(parseBody(FORM_TYPE, body)).toEqual({ expand: ['customer', 'data.customer'] });
  });

  it('refuses a list of more elements than a list may hold by that bound, not as too many keys', () => {
    for (const body of ['expand[]=x&'.repeat(1500), 'expand=x&'.repeat(1500)]) {
      expect(refusalOf(() => parseBody(FORM_TYPE, body)).error).toMatchObject({ message: 'Too many elements in expand: at most 100.', param: 'expand' });
    }
    expect(refusalOf(() => parseBody(JSON_TYPE, JSON.stringify({ expand: Array(1500).fill('x') }))).error.message).toBe('Too many elements in expand: at most 100.');
  });

  it('closes up a gap in a list', () => {
    expect(parseBody(FORM_TYPE, 'expand[3]=customer')).toEqual({ expand: ['customer'] });
  });

  it('reads a JSON object keyed by list indices as the same list a form would give', () => {
    expect(parseBody(JSON_TYPE, '{"expand":{"0":"customer"}}')).toEqual(parseBody(FORM_TYPE, 'expand[0]=customer'));
  });

  it('reads all-digit metadata keys as keys, in a form and in JSON alike', () => {
    const form = parseBody(FORM_TYPE, 'metadata[0]=a&metadata[5]=b&metadata[123]=c&metadata[007]=d');
    expect(form).toEqual({ metadata: { '0': 'a', '5': 'b', '123': 'c', '007': 'd' } });
    expect(parseBody(JSON_TYPE, '{"metadata":{"0":"a","5":"b","123":"c","007":"d"}}')).toEqual(form);
  });

  it('keeps digit-named parameters at the top level as parameters', () => {
    expect(parseBody(FORM_TYPE, '0=a&1=b')).toEqual({ '0': 'a', '1': 'b' });
  });

  it.each([
    ['an index at the limit', 'expand[100]=customer'],
    ['101 empty-bracket elements', 'expand[]=customer&'.repeat(101)],
    ['a name repeated 101 times', 'expand=customer&'.repeat(101)],
  ])('refuses %s, naming the list', (_name, body) => {
    expect(refusalOf(() => parseBody(FORM_TYPE, body)).error).toMatchObject({ message: 'Too many elements in expand: at most 100.', param: 'expand' });
  });
});

describe('parseForm and parameter names', () => {
  const FORM_TYPE = 'application/x-www-form-urlencoded';

  it.each([
    ['an unclosed bracket', 'metadata[order=42', 'metadata'],
    ['text after a closing bracket', 'metadata[order]x=42', 'metadata'],
    ['a bracket inside brackets', 'metadata[[order]]=42', 'metadata'],
    ['a stray closing bracket', 'name]=Ann', 'name'],
    ['a name that is only brackets', '[name]=Ann', undefined],
    ['empty brackets after metadata, which would make it a list', 'metadata[]=42', 'metadata'],
  ])('refuses %s rather than reshape it', (_name, body, param) => {
    expect(refusalOf(() => parseBody(FORM_TYPE, body)).error.param).toBe(param);
  });

  it('skips empty pairs, as qs does, but refuses a value without a name, as JSON refuses {"": "x"}', () => {
    expect(parseBody(FORM_TYPE, 'name=Ann&&')).toEqual({ name: 'Ann' });
    expect(refusalOf(() => parseBody(FORM_TYPE, 'name=Ann&=x')).error.message).toMatch(/without a name/);
    expect(refusalOf(() => parseForm('=1')).error.message).toMatch(/without a name/);
  });
});

describe('parseForm and percent-escapes', () => {
  it('decodes UTF-8 escapes and + in names and values, as qs does', () => {
    expect(parseForm('name=caf%C3%A9+au+lait&metadata[%C3%A9t%C3%A9]=1&metadata[a=b]=2')).toEqual({
      name: 'café au lait',
      metadata: { été: '1', 'a=b': '2' },
    });
  });

  it.each([
    ['a broken escape after a good one', 'name=caf%C3%A9%zz', 'name'],
    ['a Latin-1 byte, which is not UTF-8', 'name=caf%E9', 'name'],
    ['a lone % at the end', 'description=100%', 'description'],
    ['a broken escape in a metadata value', 'metadata[order]=%', 'metadata[order]'],
    ['a broken escape in a name', 'metadata[caf%C3%A9%]=1', undefined],
  ])('refuses %s rather than keep the text undecoded', (_name, text, param) => {
    const refusal = refusalOf(() => parseForm(text)).error;
    expect(refusal.param).toBe(param);
    expect(refusal.message).toMatch(/percent-escape/);
  });
});

describe('parseForm and a name sent both as a value and with keys', () => {
  it.each([
    ['metadata=&metadata[c]=3', 'metadata'],
    ['metadata[c]=3&metadata=', 'metadata'],
    ['metadata[a]=1&metadata[a][b]=2', 'metadata[a]'],
    ['expand=customer&expand[0]=customer', 'expand'],
  ])('refuses %s, naming %s', (text, param) => {
    expect(refusalOf(() => parseForm(text)).error).toMatchObject({ param, message: expect.stringMatching(/both as a value .* and with keys/) });
  });

  it('still takes a name repeated the same way, and sibling keys', () => {
    expect(parseForm('metadata[a]=1&metadata[b]=2&expand[]=customer&expand[]=customer')).toEqual({ metadata: { a: '1', b: '2' }, expand: ['customer', 'customer'] });
  });

  it('refuses a name of a million brackets by its depth, without collecting its prefixes', () => {
    expect(refusalOf(() => parseForm(`a${'[b]'.repeat(300_000)}=1&a=2`)).error.message).toMatch(/nested at most 5 levels deep/);
  });
});

describe('parseForm and what qs would read as another list', () => {
  it.each([
    ['metadata=a&metadata=b', 'metadata', /sent more than once it would make a list/],
    ['expand[]=customer&expand[0]=customer', 'expand', /all with \[\] or all with indices/],
    ['expand[1]=customer&expand[]=customer', 'expand', /all with \[\] or all with indices/],
    ['expand[][]=customer', 'expand', /\[\] must end a name/],
    ['expand[][0]=customer', 'expand', /\[\] must end a name/],
  ])('refuses %s, naming %s', (text, param, message) => {
    expect(refusalOf(() => parseForm(text)).error).toMatchObject({ param, message: expect.stringMatching(message) });
  });

  it('still reads a plain parameter sent twice as a list, and a list written one way', () => {
    expect(parseForm('expand=customer&expand=customer')).toEqual({ expand: ['customer', 'customer'] });
    expect(parseForm('expand[0]=a&expand[1]=b&metadata[0]=x')).toEqual({ expand: ['a', 'b'], metadata: { '0': 'x' } });
  });
});

describe('parseJson and numbers', () => {
  it('reads a number from its digits, never through a double that would change it', () => {
    expect(parseBody(JSON_TYPE, '{"amount":1999.99999999999999,"metadata":{"order":123456789012345678}}')).toEqual({
      amount: '1999.99999999999999',
      metadata: { order: '123456789012345678' },
    });
  });

  it.each([
    ['2000', '2000'],
    ['2e3', '2000'],
    ['2000.0', '2000'],
    ['2.000E+3', '2000'],
    ['-0', '0'],
    ['1e21', '1000000000000000000000'],
    ['0.1', '0.1'],
    ['1e-7', '0.0000001'],
    ['-12.50', '-12.5'],
  ])('writes %s as %s, one text for one value', (json, text) => {
    expect(parseBody(JSON_TYPE, `{"n":${json}}`)).toEqual({ n: text });
  });

  it.each(['1e500', '-1e499', '1e-499'])('refuses %s, over 500 characters written out, naming the parameter', (json) => {
    expect(refusalOf(() => parseBody(JSON_TYPE, `{"metadata":{"n":${json}}}`)).error).toMatchObject({ param: 'metadata[n]' });
  });

  it('refuses a key written twice with different values, and takes one written twice with one value', () => {
    expect(refusalOf(() => parseBody(JSON_TYPE, '{"amount":2000,"amount":50}')).error.message).toBe(
      'The request body is not valid JSON: it names the key "amount" twice, with different values.',
    );
    const long = 'k'.repeat(100_000);
    expect(refusalOf(() => parseBody(JSON_TYPE, `{"${long}":1,"${long}":2}`)).error.message.length).toBeLessThan(200);
    expect(parseBody(JSON_TYPE, '{"amount":2000,"amount":2000}')).toEqual({ amount: '2000' });
    expect(parseBody(JSON_TYPE, '{"amount":2000,"amount":2e3}')).toEqual({ amount: '2000' });
  });

  it('compares a key written twice by value at any depth: numbers by what they are worth, the rest as written', () => {
    expect(parseBody(JSON_TYPE, '{"metadata":{"x":2000,"y":"a"},"metadata":{"y":"a","x":2e3}}')).toEqual({ metadata: { x: '2000', y: 'a' } });
    expect(parseBody(JSON_TYPE, '{"expand":[1.50,"customer"],"expand":[15e-1,"customer"]}')).toEqual({ expand: ['1.5', 'customer'] });
    for (const [first, second] of [
      ['{"x":2000}', '{"x":2001}'],
      ['{"x":2000}', '{"x":2000,"y":1}'],
      ['{"x":2000,"y":1}', '{"x":2000,"z":1}'],
      ['[1,2]', '[2,1]'],
      ['{"x":"2000"}', '{"x":2000}'],
      ['{"x":null}', '{"x":""}'],
      ['{"x":1e600}', '{"x":10e599}'],
    ]) {
      expect(refusalOf(() => parseBody(JSON_TYPE, `{"metadata":${first},"metadata":${second}}`)).error.message).toMatch(/names the key "metadata" twice/);
    }
  });

  it('refuses a body whose numbers would be too much text written out', () => {
    const numbers = Array(20_000).fill('1e499').join(',');
    expect(refusalOf(() => parseBody(JSON_TYPE, `{"a":[${numbers}]}`)).error.message).toMatch(/would be over 4194304 characters written out/);
  });

  it('refuses one number too long to write out by its parameter, however long it would be', () => {
    for (const json of ['1e5000000', '1e99999999999999999999']) {
      expect(refusalOf(() => parseBody(JSON_TYPE, `{"amount":${json}}`)).error).toMatchObject({ param: 'amount' });
    }
  });

  it('refuses nesting too deep for the parser with a 400 naming the parameter, not a stack overflow', () => {
    const deep = `{"name":"x","a":${'['.repeat(200_000)}${']'.repeat(200_000)}}`;
    expect(refusalOf(() => parseBody(JSON_TYPE, deep)).error).toMatchObject({ param: 'a', message: expect.stringMatching(/nested at most 5 levels deep/) });
    expect(refusalOf(() => parseBody(JSON_TYPE, `${'['.repeat(200_000)}${']'.repeat(200_000)}`)).error.message).toMatch(/must be an object/);
    // Too deep for the parser, and broken too: a 400, not the fallback's own SyntaxError.
    expect(refusalOf(() => parseBody(JSON_TYPE, `{"a":${'['.repeat(200_000)}`)).error.message).toMatch(/^The request body is not valid JSON/);
  });
});
