import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { createSha256 } from '../../crypto/sha256';
import type { WrittenFile } from '../cache/media-cache';
import { AppError, HttpError, NetworkError, StorageError } from '../errors';
import type { HttpClient } from '../ports';
import { sinkOf, type FileSink, type StreamedFile } from '../storage/durable-file';

/** The pre-signed media link is no longer valid: ask Genesys for a new one. */
export class MediaLinkExpiredError extends AppError {
  constructor() {
    super('UPSTREAM_UNAVAILABLE', 'The recording download link expired before it was used', { retryable: true });
  }
}

/** Fewer bytes arrived than the server announced: the connection broke mid-file. */
export class TruncatedDownloadError extends AppError {
  constructor(expected: number, received: number) {
    super('UPSTREAM_UNAVAILABLE', `The download stopped after ${received} of ${expected} bytes`, {
      retryable: true,
      details: { expected, received },
    });
  }
}

const MEDIA_ENDPOINT = 'media download';
const WRITE_BATCH_BYTES = 1024 * 1024;
/** The first bytes are written in smaller batches, so a play streaming them starts sooner. */
const FIRST_BATCH_BYTES = 128 * 1024;
const FIRST_BATCHES_UNTIL = 4 * 1024 * 1024;

/**
 * Streams a pre-signed media URL (no Authorization header: the URL carries its own credential) into
 * `target` (a path for a plain file, or the media cache's sealed file), hashing while writing, checking the size against Content-Length and flushing to disk
 * before returning, so the caller can rename the file into place knowing it is complete.
 */
export async function downloadToFile(
  http: HttpClient,
  url: string,
  target: FileSink | string,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<WrittenFile> {
  // An idle timeout, not a total one: a 10-hour call (1.15 GB) may take minutes, and plays while it lands.
  const stalled = new AbortController();
  const idleMs = options.timeoutMs ?? 120_000;
  const idle = setTimeout(() => stalled.abort(new Error(`no bytes for ${Math.round(idleMs / 1000)} s`)), idleMs);
  const signal = options.signal ? AbortSignal.any([options.signal, stalled.signal]) : stalled.signal;
  try {
    return await streamToFile(http, url, target, signal, () => idle.refresh());
  } finally {
    clearTimeout(idle);
  }
}

async function streamToFile(http: HttpClient, url: string, target: FileSink | string, signal: AbortSignal, progressed: () => void): Promise<WrittenFile> {
  let response: Response;
  try {
    response = await http(url, { signal, redirect: 'follow' });
  } catch (error) {
    throw new NetworkError(MEDIA_ENDPOINT, error);
  }
  if (response.status === 403 || response.status === 410) {
    await response.body?.cancel();
    throw new MediaLinkExpiredError();
  }
  if (!response.ok || !response.body) {
    await response.body?.cancel();
    throw new HttpError(response.status, MEDIA_ENDPOINT, `The media server answered ${response.status}`);
  }
  const announced = Number(response.headers.get('content-length') ?? NaN);
  const contentType = response.headers.get('content-type')?.split(';')[0]?.trim() || 'application/octet-stream';
  const hash = createSha256();
  let bytes = 0;
  const { path } = sinkOf(target);
  let handle: StreamedFile;
  // Chunks are gathered up to WRITE_BATCH_BYTES per write (smaller at first, for a play that streams).
  let pending: Array<Buffer> = [];
  let pendingBytes = 0;
  try {
    handle = await sinkOf(target).open(Number.isFinite(announced) ? announced : null);
  } catch (error) {
    await response.body.cancel();
    throw new StorageError(`Cannot write ${path}`, error);
  }
  try {
    const flush = async () => {
      const data = pending.length === 1 ? pending[0]! : Buffer.concat(pending, pendingBytes);
      pending = [];
      pendingBytes = 0;
      try {
        await handle.append(data);
      } catch (error) {
        throw new StorageError(`Cannot write ${path}`, error);
      }
    };
    for await (const chunk of Readable.fromWeb(response.body as WebReadableStream<Uint8Array>)) {
      const buffer = chunk as Buffer;
      progressed();
      hash.update(buffer);
      bytes += buffer.length;
      pending.push(buffer);
      pendingBytes += buffer.length;
      if (pendingBytes >= (bytes <= FIRST_BATCHES_UNTIL ? FIRST_BATCH_BYTES : WRITE_BATCH_BYTES)) await flush();
    }
    if (pendingBytes > 0) await flush();
    try {
      await handle.complete();
    } catch (error) {
      throw new StorageError(`Cannot write ${path}`, error);
    }
  } catch (error) {
    if (error instanceof StorageError) throw error;
    throw Number.isFinite(announced) ? new TruncatedDownloadError(announced, bytes) : new NetworkError(MEDIA_ENDPOINT, error);
  } finally {
    await handle.close();
  }
  if (Number.isFinite(announced) && bytes !== announced) throw new TruncatedDownloadError(announced, bytes);
  if (bytes === 0) throw new TruncatedDownloadError(Number.isFinite(announced) ? announced : 1, 0);
  return { bytes, sha256: hash.digest('hex'), contentType };
}
