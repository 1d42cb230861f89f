import { S3ServiceException } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { classifyS3Failure } from '../../../../../electron/services/worm/s3-errors';

const s3Error = (name: string, status: number, message = name) =>
  new S3ServiceException({ name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status }, message });

describe('classifyS3Failure', () => {
  it('treats refused connections and timeouts as unavailable', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' });
    expect(classifyS3Failure(refused)).toMatchObject({ unavailable: true, status: undefined });
    expect(classifyS3Failure(refused).summary).toContain('ECONNREFUSED');
    const timeout = Object.assign(new Error('Connection timed out after 2000 ms'), { name: 'TimeoutError' });
    expect(classifyS3Failure(timeout).unavailable).toBe(true);
  });

  it('treats 5xx and throttling as unavailable, other statuses as refusals', () => {
    expect(classifyS3Failure(s3Error('ServiceUnavailable', 503))).toMatchObject({ unavailable: true, status: 503 });
    expect(classifyS3Failure(s3Error('SlowDown', 429)).unavailable).toBe(true);
    const denied = classifyS3Failure(s3Error('AccessDenied', 403, 'forbidden by object lock'));
    expect(denied).toMatchObject({ unavailable: false, status: 403 });
    expect(denied.summary).toBe('AccessDenied (HTTP 403): forbidden by object lock');
  });

  it('does not call a programming error an outage', () => {
    expect(classifyS3Failure(new TypeError('x is not a function')).unavailable).toBe(false);
  });
});
