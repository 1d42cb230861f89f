import type { S3Client } from '@aws-sdk/client-s3';
import { keyIdOrNull } from '../signing/signing-key';
import { readObject } from '../worm/locked-objects';
import { auditPublicKeyKey } from './layout';

/**
 * True when the audit bucket publishes `keyId` under log `logId` (audit/v1/<log>/keys/<keyId>.pem) as a
 * locked object holding exactly that key. Objects in the bucket cannot be replaced, only added, so an
 * unlocked one proves nothing.
 */
export async function isKeyPublished(s3: S3Client, bucket: string, logId: string, keyId: string): Promise<boolean> {
  const object = await readObject(s3, bucket, auditPublicKeyKey(logId, keyId));
  return object !== null && Boolean(object.lockMode) && keyIdOrNull(object.text()) === keyId;
}
