import { decimalText, MAX_NUMBER_TEXT } from './json-number';

describe('decimalText', () => {
  it.each([
    ['2000', '2000'],
    ['2e3', '2000'],
    ['2.000E+3', '2000'],
    ['20000e-1', '2000'],
    ['-0', '0'],
    ['-0.0', '0'],
    ['0e5', '0'],
    ['0.00120', '0.0012'],
    ['120e-2', '1.2'],
    ['-12.50', '-12.5'],
    ['1e-7', '0.0000001'],
    ['1999.99999999999999', '1999.99999999999999'],
    ['123456789012345678', '123456789012345678'],
  ])('writes %s as %s', (token, text) => {
    expect(decimalText(token)).toBe(text);
  });

  it(`writes a number out up to ${MAX_NUMBER_TEXT} characters, and no further`, () => {
    expect(decimalText('1e499')).toHaveLength(MAX_NUMBER_TEXT);
    expect(decimalText('-1e498')).toHaveLength(MAX_NUMBER_TEXT);
    expect(decimalText('1e-498')).toHaveLength(MAX_NUMBER_TEXT);
    expect(decimalText('1.5e499')).toHaveLength(MAX_NUMBER_TEXT);
    for (const token of ['1e500', '-1e499', '1e-499', '1e999999999']) expect(decimalText(token)).toBeUndefined();
  });

  it('reads a number of a million digits at once, zeros between them included', () => {
    // `/0+$/` took minutes over such a number: each run of zeros was tried in turn. This takes
    // milliseconds; done the old way, it would fail by outlasting jest's timeout.
    expect(decimalText(`1${'0'.repeat(1_000_000)}1`)).toBeUndefined();
    expect(decimalText(`0.1${'0'.repeat(1_000_000)}1e-5`)).toBeUndefined();
  });
});
