import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { keyIdOf } from '../signing/signing-key';
import { classifyS3Failure } from '../worm/s3-errors';
import { auditPublicKeyKey } from './checkpoint';

/**
 * True when the audit bucket publishes `keyId` under log `logId` (audit/v1/<log>/keys/<keyId>.pem) as a
 * locked object holding exactly that key. Objects in the bucket cannot be replaced, only added, so an
 * unlocked one proves nothing.
 */
export async function isKeyPublished(s3: S3Client, bucket: string, logId: string, keyId: string): Promise<boolean> {
  const key = auditPublicKeyKey(logId, keyId);
  try {
    const object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
    const pem = (await object.Body?.transformToString('utf8')) ?? '';
    return Boolean(object.ObjectLockMode) && keyIdOf(pem) === keyId;
  } catch (error) {
    if (classifyS3Failure(error).status === 404) return false;
    throw error;
  }
}
