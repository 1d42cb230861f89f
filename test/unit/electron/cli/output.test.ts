import { describe, expect, it } from 'vitest';
import { createOutput, table } from '../../../../electron/cli/output';
import { hasUnsafeText } from '../../../../shared/unsafe-text';

function capture(json: boolean) {
  const out: Array<string> = [];
  const err: Array<string> = [];
  const output = createOutput(json, { out: { write: (s: string) => out.push(s) }, err: { write: (s: string) => err.push(s) } } as never);
  return { output, out, err };
}

const name = 'Ann\u001b]0;pwned\u0007 \u001b[2K\u202eEvil';

describe('CLI output', () => {
  it('prints control and bidi characters as visible escapes in text, notes, errors and tables', () => {
    const { output, out, err } = capture(false);
    output.result({}, () => `${table(['agent'], [[name]])}\nsecond line`);
    output.note(`note ${name}`);
    output.error({ code: 'VALIDATION', message: `bad ${name}`, retryable: false });
    for (const text of [...out, ...err]) expect(hasUnsafeText(text.replace(/\n/g, ''))).toBe(false);
    expect(out.join('')).toContain('Ann\\x1b]0;pwned\\x07 \\x1b[2K\\u202eEvil');
    expect(out.join('').split('\n')).toHaveLength(5);
  });

  it('writes JSON whose strings carry the escapes as \\u sequences', () => {
    const { output, out } = capture(true);
    output.result({ agent: `${name}\u0085` }, () => '');
    expect(hasUnsafeText(out.join('').trimEnd())).toBe(false);
    expect(JSON.parse(out.join(''))).toEqual({ agent: `${name}\u0085` });
  });
});
