import { GetObjectCommand, ListObjectVersionsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';

type Version = { versionId: string; body: Buffer; lastModified: Date };

/**
 * An in-memory versioned bucket behind the S3 client's `send`, for unit tests of code that reads and writes
 * through locked-objects.ts (PutObject, GetObject by version, ListObjectVersions). Every put is a new version.
 */
export function createVersionedS3(): { s3: S3Client; objects: Map<string, Array<Version>>; overwrite(key: string, body: Buffer): void } {
  const objects = new Map<string, Array<Version>>();
  let next = 0;
  const put = (key: string, body: Buffer): string => {
    const versionId = `v${++next}`;
    objects.set(key, [...(objects.get(key) ?? []), { versionId, body, lastModified: new Date(Date.now() + next) }]);
    return versionId;
  };
  const send = async (command: unknown): Promise<unknown> => {
    if (command instanceof PutObjectCommand) {
      const body = command.input.Body;
      return { VersionId: put(command.input.Key!, Buffer.from(typeof body === 'string' ? body : (body as Uint8Array))), ETag: '"etag"' };
    }
    if (command instanceof GetObjectCommand) {
      const versions = objects.get(command.input.Key!) ?? [];
      const found = command.input.VersionId ? versions.find((v) => v.versionId === command.input.VersionId) : versions.at(-1);
      if (!found) throw Object.assign(new Error('NoSuchKey'), { name: 'NoSuchKey', $metadata: { httpStatusCode: 404 } });
      return { Body: { transformToByteArray: async () => new Uint8Array(found.body) } };
    }
    if (command instanceof ListObjectVersionsCommand) {
      const prefix = command.input.Prefix ?? '';
      const Versions = [...objects.entries()]
        .filter(([key]) => key.startsWith(prefix))
        .sort(([a], [b]) => a.localeCompare(b))
        .flatMap(([key, versions]) => [...versions].reverse().map((v, i) => ({ Key: key, VersionId: v.versionId, IsLatest: i === 0, LastModified: v.lastModified, Size: v.body.length })));
      return { Versions, IsTruncated: false };
    }
    throw new Error(`the fake S3 does not answer ${(command as object).constructor.name}`);
  };
  const s3 = { send, config: { endpoint: async () => ({ protocol: 'http:', hostname: 'fake-s3', path: '/' }) } } as unknown as S3Client;
  return {
    s3,
    objects,
    /** Replaces a version's bytes in place (what no WORM store allows: the test's corruption). */
    overwrite: (key, body) => {
      const versions = objects.get(key)!;
      versions[0] = { ...versions[0]!, body };
    },
  };
}
