import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAppProtocolHandler, createMediaProtocolHandler, parseRange } from '../../../../electron/main/protocol';
import { contentSecurityPolicy } from '../../../../electron/main/security';
import { PlaybackGrants } from '../../../../electron/services/playback/playback-grants';
import { plainRangeSource } from '../../../../electron/services/storage/durable-file';
import { FakeClock } from '../../../helpers/fake-clock';
import { testTempDir } from '../../../helpers/temp-dir';

async function appRoot() {
  const base = await testTempDir('app-');
  const root = join(base, 'app');
  await mkdir(join(root, 'assets'), { recursive: true });
  await writeFile(join(root, 'index.html'), '<!doctype html><title>Custody</title>');
  await writeFile(join(root, 'assets', 'main.js'), 'console.log(1)');
  await writeFile(join(base, 'outside-secret.txt'), 'nope');
  return root;
}

describe('app:// handler', () => {
  it('serves the renderer with the CSP and the right content types', async () => {
    const handler = createAppProtocolHandler({ rootDir: await appRoot(), csp: contentSecurityPolicy, host: 'custody' });
    const index = await handler(new Request('app://custody/'));
    expect(index.status).toBe(200);
    expect(index.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(index.headers.get('content-type')).toContain('text/html');
    expect((await handler(new Request('app://custody/assets/main.js'))).headers.get('content-type')).toContain('javascript');
  });

  it('refuses paths that climb out of the app folder, other hosts and other methods', async () => {
    const handler = createAppProtocolHandler({ rootDir: await appRoot(), csp: contentSecurityPolicy, host: 'custody' });
    expect((await handler(new Request('app://custody/..%2Foutside-secret.txt'))).status).toBe(404);
    expect((await handler(new Request('app://custody/%2e%2e/outside-secret.txt'))).status).toBe(404);
    expect((await handler(new Request('app://evil/index.html'))).status).toBe(404);
    expect((await handler(new Request('app://custody/index.html', { method: 'POST', body: 'x' }))).status).toBe(405);
  });
});

describe('media:// handler', () => {
  async function setup() {
    const dir = await testTempDir('media-');
    const path = join(dir, 'r1.wav');
    const bytes = Buffer.from(Array.from({ length: 1000 }, (_, i) => i % 256));
    await writeFile(path, bytes);
    const grants = new PlaybackGrants(new FakeClock());
    const grant = grants.issue({ recordingId: 'r1', caseReference: 'CASE-A', path, content: plainRangeSource(path), contentType: 'audio/wav', sha256: 'x', auditEventId: 'e1', durationMs: 0 });
    return { bytes, grant, grants };
  }

  it('serves nothing without a grant for that recording', async () => {
    const { grants, grant } = await setup();
    const handler = createMediaProtocolHandler({ grants });
    expect((await handler(new Request('media://recording/r1'))).status).toBe(403);
    expect((await handler(new Request(`media://recording/r2?grant=${grant.id}`))).status).toBe(403);
    expect((await handler(new Request('media://recording/../../etc/passwd'))).status).toBe(404);
  });

  it('refuses a revoked grant, and anything but a media element (navigation, download, script fetch)', async () => {
    const { grants, grant } = await setup();
    const handler = createMediaProtocolHandler({ grants });
    const url = `media://recording/r1?grant=${grant.id}`;
    const played = await handler(new Request(url, { headers: { 'sec-fetch-dest': 'audio', 'sec-fetch-mode': 'no-cors' } }));
    expect(played.status).toBe(200);
    expect(played.headers.get('content-disposition')).toBe('inline');
    expect(played.headers.get('cache-control')).toBe('no-store');
    expect((await handler(new Request(url, { headers: { 'sec-fetch-dest': 'document', 'sec-fetch-mode': 'navigate' } }))).status).toBe(403);
    expect((await handler(new Request(url, { headers: { 'sec-fetch-dest': 'empty', 'sec-fetch-mode': 'cors' } }))).status).toBe(403);
    grants.revokeOtherCases('CASE-B');
    expect((await handler(new Request(url, { headers: { 'sec-fetch-dest': 'audio' } }))).status).toBe(403);
  });

  it("lets the app's own page read the audio in CORS mode (the player's Web Audio mixer), and no other origin", async () => {
    const { grants, grant } = await setup();
    const handler = createMediaProtocolHandler({ grants, allowOrigin: 'app://custody' });
    const url = `media://recording/r1?grant=${grant.id}`;
    const played = await handler(new Request(url, { headers: { 'sec-fetch-dest': 'audio', 'sec-fetch-mode': 'cors', origin: 'app://custody' } }));
    expect(played.status).toBe(200);
    expect(played.headers.get('access-control-allow-origin')).toBe('app://custody');
    expect((await handler(new Request(url, { headers: { 'sec-fetch-dest': 'empty', 'sec-fetch-mode': 'cors' } }))).status).toBe(403);
  });

  it('answers ranges with 206 and the exact bytes, for seeking', async () => {
    const { grants, grant, bytes } = await setup();
    const handler = createMediaProtocolHandler({ grants });
    const whole = await handler(new Request(`media://recording/r1?grant=${grant.id}`));
    expect(whole.status).toBe(200);
    expect(Buffer.from(await whole.arrayBuffer())).toEqual(bytes);
    const part = await handler(new Request(`media://recording/r1?grant=${grant.id}`, { headers: { range: 'bytes=100-199' } }));
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe('bytes 100-199/1000');
    expect(Buffer.from(await part.arrayBuffer())).toEqual(bytes.subarray(100, 200));
    const beyond = await handler(new Request(`media://recording/r1?grant=${grant.id}`, { headers: { range: 'bytes=5000-' } }));
    expect(beyond.status).toBe(416);
  });

  it('parses single byte ranges and caps open ones when asked', () => {
    expect(parseRange('bytes=0-', 1000)).toEqual([0, 999]);
    expect(parseRange('bytes=0-', 1000, 100)).toEqual([0, 99]);
    expect(parseRange('bytes=-100', 1000)).toEqual([900, 999]);
    expect(parseRange('bytes=990-2000', 1000)).toEqual([990, 999]);
    expect(parseRange('bytes=1000-', 1000)).toBe('unsatisfiable');
    expect(parseRange('items=0-1', 1000)).toBeNull();
  });
});
