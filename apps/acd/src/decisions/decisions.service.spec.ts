import { differences } from './decisions.service';

describe('differences', () => {
  it('names each path where a replayed outcome differs from the stored one', () => {
    expect(differences({ a: 1, b: { c: [1, 2] } }, { a: 1, b: { c: [1, 2] } })).toEqual([]);
    expect(differences({ chosen: ['ann'], ranked: [{ score: 3 }] }, { chosen: ['bob'], ranked: [{ score: 3.5 }], extra: true })).toEqual([
      'chosen.0: stored "ann", replayed "bob"',
      'ranked.0.score: stored 3, replayed 3.5',
      'extra: stored undefined, replayed true',
    ]);
    expect(differences([1], { 0: 1 })).toEqual(['(root): stored [1], replayed {"0":1}']);
  });
});
