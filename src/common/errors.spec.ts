import { MAX_QUOTED_NAME, shortName } from './errors';

describe('shortName', () => {
  it('quotes a name up to MAX_QUOTED_NAME whole', () => {
    const name = 'n'.repeat(MAX_QUOTED_NAME);
    expect(shortName(name)).toBe(name);
  });

  it('cuts a longer name short, with an ellipsis', () => {
    expect(shortName('n'.repeat(MAX_QUOTED_NAME + 1))).toBe(`${'n'.repeat(MAX_QUOTED_NAME)}…`);
  });

  it('never cuts an emoji in half, which would leave a lone surrogate', () => {
    const quoted = shortName(`${'x'.repeat(MAX_QUOTED_NAME - 1)}😀yyyyy`);
    expect(quoted).toBe(`${'x'.repeat(MAX_QUOTED_NAME - 1)}…`);
    expect(quoted).not.toMatch(/\p{Surrogate}/u);
  });
});
