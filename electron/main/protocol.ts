import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { Readable } from 'node:stream';
import type { PlaybackGrants } from '../services/playback/playback-grants';

/**
 * The app:// and media:// handlers, written as plain Request -> Response functions so that
 * Electron's protocol.handle and the browser shell's page.route serve exactly the same code.
 */
export type ProtocolHandler = (request: Request) => Promise<Response>;

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

const text = (status: number, body: string) => new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } });

/** Serves the built renderer from `rootDir`; nothing outside it, only GET/HEAD, always with the CSP. */
export function createAppProtocolHandler(options: { rootDir: string; csp: string; host: string }): ProtocolHandler {
  const root = normalize(options.rootDir + sep);
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'method not allowed');
    const url = new URL(request.url);
    if (url.host !== options.host) return text(404, 'not found');
    let pathname: string;
    try {
      pathname = decodeURIComponent(url.pathname);
    } catch {
      return text(400, 'bad path');
    }
    const file = normalize(join(root, pathname === '/' ? 'index.html' : pathname));
    if (!file.startsWith(root)) return text(404, 'not found');
    let body: Buffer;
    try {
      body = await readFile(file);
    } catch {
      return text(404, 'not found');
    }
    return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
      status: 200,
      headers: {
        'content-type': contentTypes[extname(file)] ?? 'application/octet-stream',
        'content-security-policy': options.csp,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-cache',
      },
    });
  };
}

/**
 * Serves `media://recording/<recordingId>?grant=<id>` from the media cache, with byte ranges for
 * seeking. No path ever comes from the renderer: the grant names the file, and a grant exists
 * only after the play was recorded in the WORM audit log.
 */
export function createMediaProtocolHandler(options: {
  grants: PlaybackGrants;
  /** Caps open-ended ranges (bytes=N-), for hosts that must buffer each answer (the browser shell). */
  maxOpenRangeBytes?: number;
  /**
   * The app's own origin. The player routes the audio through Web Audio (per-channel volume), which hears
   * only silence from cross-origin media unless it was fetched in CORS mode and allowed for the app.
   */
  allowOrigin?: string;
}): ProtocolHandler {
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD') return text(405, 'method not allowed');
    const url = new URL(request.url);
    const match = /^\/([A-Za-z0-9-]{1,64})$/.exec(url.pathname);
    if (url.host !== 'recording' || !match) return text(404, 'not found');
    // A navigation, download link or script fetch is not a play: media goes to the <audio> player only.
    if (!isMediaElementRequest(request.headers)) return text(403, 'recordings are played, never downloaded');
    const grant = options.grants.use(url.searchParams.get('grant') ?? '', match[1]!);
    if (!grant) return text(403, 'no live playback grant: this play was not audited, or it ended (new play, case changed, view closed, expired)');
    let size: number;
    try {
      size = await grant.content.size();
    } catch {
      return text(404, 'recording not cached');
    }
    const headers = new Headers({
      'content-type': grant.contentType,
      'accept-ranges': 'bytes',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'content-disposition': 'inline',
    });
    if (options.allowOrigin) headers.set('access-control-allow-origin', options.allowOrigin);
    const range = parseRange(request.headers.get('range'), size, options.maxOpenRangeBytes);
    if (range === 'unsatisfiable') {
      headers.set('content-range', `bytes */${size}`);
      return new Response(null, { status: 416, headers });
    }
    const [start, end] = range ?? [0, size - 1];
    headers.set('content-length', String(end - start + 1));
    if (range) headers.set('content-range', `bytes ${start}-${end}/${size}`);
    const body =
      request.method === 'HEAD' || size === 0
        ? null
        : (Readable.toWeb(Readable.from(grant.content.read(start, end), { objectMode: false })) as ReadableStream<Uint8Array>);
    return new Response(body, { status: range ? 206 : 200, headers });
  };
}

/** Chromium's fetch metadata, when sent, must say a media element asked (Save as, links and fetch() say otherwise). */
function isMediaElementRequest(headers: Headers): boolean {
  const dest = headers.get('sec-fetch-dest');
  return headers.get('sec-fetch-mode') !== 'navigate' && (dest === null || dest === 'audio' || dest === 'video');
}

/** One `bytes=` range (RFC 9110 14.2); multiple ranges are answered with the whole file. */
export function parseRange(header: string | null, size: number, maxOpenBytes?: number): [number, number] | null | 'unsatisfiable' {
  if (!header) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m) return null;
  const [, first, last] = m;
  if (first === '' && last === '') return null;
  if (first === '') {
    const suffix = Number(last);
    if (suffix === 0) return 'unsatisfiable';
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(first);
  if (start >= size) return 'unsatisfiable';
  let end = last === '' ? size - 1 : Math.min(Number(last), size - 1);
  if (last === '' && maxOpenBytes !== undefined) end = Math.min(end, start + maxOpenBytes - 1);
  if (end < start) return 'unsatisfiable';
  return [start, end];
}
