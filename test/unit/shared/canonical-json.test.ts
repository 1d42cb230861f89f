import { describe, expect, it } from 'vitest';
import { canonicalJson, isCanonicalJsonText } from '../../../shared/canonical-json';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[3,{"y":2,"z":1}]},"b":1}');
  });
  it('refuses values JSON cannot carry faithfully', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/non-finite/);
  });
});

describe('isCanonicalJsonText', () => {
  const check = (text: string) => isCanonicalJsonText(JSON.parse(text), text);
  it('accepts what canonicalJson writes', () => {
    const text = canonicalJson({ b: 1, a: { d: [3, { z: 'é\u2028', y: -0.5 }], c: null } });
    expect(check(text)).toBe(true);
  });
  it('refuses text canonicalJson would write otherwise', () => {
    expect(check('{"b":1,"a":2}')).toBe(false);
    expect(check('{"a":[{"z":1,"y":2}]}')).toBe(false);
    expect(check('{"a": 1}')).toBe(false);
    expect(check('{"a":1.0}')).toBe(false);
    expect(check('{"a":"\\u0041"}')).toBe(false);
    // Integer-like keys come first in a parsed object, in numeric order; canonical order is by code unit.
    expect(check('{"10":2,"9":1}')).toBe(false);
    expect(canonicalJson(JSON.parse('{"10":2,"9":1}'))).toBe('{"10":2,"9":1}');
  });
});
