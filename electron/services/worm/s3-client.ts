import { S3Client } from '@aws-sdk/client-s3';

export type WormConnection = {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
};

/**
 * An S3 client for radosgw-style WORM stores. Path-style addressing; checksums only where the API
 * requires them (radosgw accepts a wrong x-amz-checksum-crc32 silently, so callers send Content-MD5,
 * which it does verify). Short timeouts and two attempts: an outage must refuse an access quickly.
 * Large uploads can pass a longer `requestTimeout` per call: `s3.send(command, { requestTimeout })`.
 */
export function createWormS3Client(config: Readonly<WormConnection>): S3Client {
  return new S3Client({
    endpoint: config.endpoint,
    region: config.region,
    forcePathStyle: true,
    credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    // requestTimeout alone only logs a warning in this SDK; a hung store must fail the request.
    requestHandler: { connectionTimeout: 2_000, requestTimeout: 10_000, throwOnRequestTimeout: true, socketTimeout: 10_000 },
    maxAttempts: 2,
  });
}

/** The endpoint a client talks to, for error messages (never includes credentials). */
export async function wormEndpointOf(s3: S3Client): Promise<string> {
  const endpoint = await s3.config.endpoint?.();
  if (!endpoint) return 'the default S3 endpoint';
  const port = endpoint.port === undefined ? '' : `:${endpoint.port}`;
  const path = endpoint.path === '/' ? '' : endpoint.path;
  return `${endpoint.protocol}//${endpoint.hostname}${port}${path}`;
}
