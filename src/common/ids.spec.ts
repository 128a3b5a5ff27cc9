import { isIdOf, newId } from './ids';

describe('newId', () => {
  it('gives ids of the prefix and shape that isIdOf accepts', () => {
    const id = newId('ch');
    expect(id).toMatch(/^ch_[0-9A-Za-z]{24}$/);
    expect(isIdOf('ch', id)).toBe(true);
    expect(isIdOf('cus', id)).toBe(false);
  });

  it('never hands out the same randomness twice, across many blocks of entropy', () => {
    // 5 000 ids draw 120 000 bytes: about thirty blocks, so every boundary between blocks is
    // crossed many times. A byte handed out twice would make two ids share their characters.
    const ids = Array.from({ length: 5_000 }, () => newId('ch'));
    expect(new Set(ids).size).toBe(ids.length);
    const suffixes = new Set(ids.map((id) => id.slice(3, 15)));
    expect(suffixes.size).toBe(ids.length);
  });
});
