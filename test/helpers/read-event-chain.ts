import type { S3Client } from '@aws-sdk/client-s3';
import { parseStoredAuditEvent, seqOfAuditEventKey, auditEventsPrefix } from '../../electron/services/audit/layout';
import { describeCause, WormStoreError } from '../../electron/services/errors';
import { listVersionPages, readObjectText } from '../../electron/services/worm/locked-objects';
import { wormEndpointOf } from '../../electron/services/worm/s3-client';
import type { AuditEvent } from '../../shared/domain';

/**
 * Every stored event of a log in seq order; when a seq was stored more than once (a forked chain),
 * each version, oldest first. A full scan of the bucket, for tests: the product reads events through
 * the mirror (electron/services/audit/audit-mirror.ts).
 */
export async function* readEventChain(s3: S3Client, bucket: string, logId: string): AsyncIterable<AuditEvent> {
  let pending: Array<{ key: string; versionId: string }> = [];
  for await (const page of listVersionPages(s3, bucket, auditEventsPrefix(logId))) {
    for (const version of page.Versions ?? []) {
      if (!version.Key || !version.VersionId || seqOfAuditEventKey(logId, version.Key) === null) continue;
      if (pending.length > 0 && pending[0]?.key !== version.Key) {
        yield* readVersions(s3, bucket, pending);
        pending = [];
      }
      pending.unshift({ key: version.Key, versionId: version.VersionId });
    }
  }
  yield* readVersions(s3, bucket, pending);
}

async function* readVersions(s3: S3Client, bucket: string, versions: ReadonlyArray<{ key: string; versionId: string }>): AsyncIterable<AuditEvent> {
  for (const { key, versionId } of versions) {
    const text = (await readObjectText(s3, bucket, key, { versionId })) ?? '';
    try {
      yield parseStoredAuditEvent(text).event;
    } catch (error) {
      const endpoint = await wormEndpointOf(s3);
      throw new WormStoreError(endpoint, `s3://${bucket}/${key} (version ${versionId}) is not a valid audit event: ${describeCause(error)}`, { unavailable: false, cause: error });
    }
  }
}
