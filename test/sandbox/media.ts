import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** Serving recording bytes the way an object store does: Range requests, HEAD, attachment names, XML errors. */

export type ByteRange = { start: number; end: number };

/**
 * One `bytes=` range. Returns null when there is no usable Range header (serve the whole file, as RFC 9110 allows
 * for malformed or multi-range requests) and 'unsatisfiable' for a range outside the file.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (!header) return null;
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return null;
  const [, first = '', last = ''] = match;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(first);
  const end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (start >= size || start > end) return 'unsatisfiable';
  return { start, end };
}

export function sendXmlError(res: ServerResponse, status: number, code: string, message: string): void {
  const body = `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message></Error>`;
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

/** A recording's bytes as served: a file on disk, or bytes computed by range (the long call, too big to keep). */
export type MediaBody = { size: number; read(start: number, end: number): Readable };

export async function fileBody(path: string): Promise<MediaBody> {
  return { size: (await stat(path)).size, read: (start, end) => createReadStream(path, { start, end }) };
}

/** Bytes computed per range by `bytesAt` (start, end included), in chunks, never the whole body at once. */
export function computedBody(size: number, bytesAt: (start: number, end: number) => Buffer, chunkBytes = 256 * 1024): MediaBody {
  return {
    size,
    read: (start, end) =>
      Readable.from(
        (function* () {
          for (let at = start; at <= end; at += chunkBytes) yield bytesAt(at, Math.min(end, at + chunkBytes - 1));
        })(),
      ),
  };
}

export type MediaFile = {
  body: MediaBody;
  contentType: string;
  /** Sent as Content-Disposition: attachment. */
  fileName?: string;
};

/**
 * Streams the body, or the requested range of it. With `truncate`, announces the full length but closes the
 * connection halfway through, as a dropped download does. Returns the bytes written.
 */
export async function sendMediaFile(req: IncomingMessage, res: ServerResponse, file: Readonly<MediaFile>, truncate: boolean): Promise<number> {
  const { size } = file.body;
  const headers: Record<string, string | number> = {
    'content-type': file.contentType,
    'accept-ranges': 'bytes',
    'cache-control': 'private, max-age=0',
  };
  if (file.fileName) headers['content-disposition'] = `attachment; filename="${file.fileName}"`;
  const range = parseRange(req.headers.range, size);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { ...headers, 'content-range': `bytes */${size}`, 'content-length': 0 });
    res.end();
    return 0;
  }
  const { start, end } = range ?? { start: 0, end: size - 1 };
  const length = end - start + 1;
  if (range) headers['content-range'] = `bytes ${start}-${end}/${size}`;
  res.writeHead(range ? 206 : 200, { ...headers, 'content-length': length });
  if (req.method === 'HEAD' || length === 0) {
    res.end();
    return 0;
  }
  const sendLength = truncate ? Math.max(1, Math.floor(length / 2)) : length;
  await pipeline(file.body.read(start, start + sendLength - 1), res, { end: !truncate });
  if (truncate) res.destroy();
  return sendLength;
}
