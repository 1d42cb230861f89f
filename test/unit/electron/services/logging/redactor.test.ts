import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../../../electron/services/logging/file-logger';
import { SecretRedactor } from '../../../../../electron/services/logging/redactor';

describe('SecretRedactor', () => {
  it('masks registered secrets anywhere in text and nested values', () => {
    const r = new SecretRedactor();
    r.register('s3cr3t-client-secret');
    expect(r.redactText('login with s3cr3t-client-secret failed')).toBe('login with [redacted] failed');
    expect(r.redact({ a: ['x s3cr3t-client-secret y'] })).toEqual({ a: ['x [redacted] y'] });
  });

  it('masks secret-looking keys and bearer credentials whatever their value', () => {
    const r = new SecretRedactor();
    expect(r.redact({ accessToken: 'abc', Authorization: 'Bearer xyz', note: 'sent Bearer eyJhbGciOi.x.y' })).toEqual({
      accessToken: '[redacted]',
      Authorization: '[redacted]',
      note: 'sent Bearer [redacted]',
    });
  });

  it('redacts errors, their causes and log lines', () => {
    const r = new SecretRedactor();
    r.register('tok-1234567890');
    const lines: Array<string> = [];
    const logger = createLogger({ sink: (l) => lines.push(l), redactor: r });
    logger.error('call failed', { error: new Error('outer', { cause: new Error('token tok-1234567890 rejected') }) });
    expect(lines.join('')).not.toContain('tok-1234567890');
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'error', error: { message: 'outer', cause: { message: 'token [redacted] rejected' } } });
  });
});
