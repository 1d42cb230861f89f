import { readFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { composeProfileSettings, type ProfileSettings } from '../../../../../electron/services/composition/compose-settings';
import { ValidationError, WormStoreError } from '../../../../../electron/services/errors';
import { connectWormStore, wormConnectionOf, type WormConnectRequest } from '../../../../../electron/services/worm/worm-connection';
import { memorySecretStore } from '../../../../helpers/audit-module';
import { startAwsFixtureServer, type AwsRequest } from '../../../../helpers/aws-fixture-server';
import { testTempDir } from '../../../../helpers/temp-dir';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';

/** A store whose buckets answer as configured: locked, missing, without Object Lock, or refused. */
async function store(buckets: Record<string, 'locked' | 'missing' | 'unlocked' | 'denied'>) {
  const server = await startAwsFixtureServer((request: AwsRequest) => {
    const state = buckets[request.bucket] ?? 'missing';
    if (state === 'denied') return { fixture: 'access-denied.http' };
    if (state === 'missing') return { fixture: 'head-bucket-missing.http' };
    if (request.method === 'HEAD') return { fixture: 'head-bucket.http' };
    if (request.query.has('object-lock')) return { fixture: state === 'locked' ? 'posture-compliant/object-lock.http' : 'object-lock-missing.http' };
    return null;
  });
  servers.push(server);
  return server;
}
const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function profile(name = 'desk-a', secrets = memorySecretStore()): Promise<ProfileSettings & { file: string; secrets: typeof secrets }> {
  const dir = await testTempDir('custody-connect-');
  const settings = composeProfileSettings({ profile: name, env: { CUSTODY_CONFIG_DIR: join(dir, 'config'), CUSTODY_DATA_DIR: join(dir, 'data') }, secrets });
  return Object.assign(settings, { file: settings.paths.profileFile, secrets });
}

function request(endpoint: string, overrides: Partial<WormConnectRequest> = {}): WormConnectRequest {
  return { endpoint, accessKeyId: 'AKIAEXAMPLEFIRM0001', secretAccessKey: SECRET, auditBucket: 'firm-audit', archiveBucket: 'firm-archive', ...overrides };
}

/** What a failed connect must leave: the profile as it was and no keys in the keychain. */
async function expectUntouched(p: Awaited<ReturnType<typeof profile>>, before: string) {
  expect(await readFile(p.file, 'utf8')).toBe(before);
  expect(await p.vault.loadWorm()).toBeNull();
}

describe('connecting a profile to a firm\'s WORM store', () => {
  it('checks both buckets, keeps the secret in the keychain only, and starts a new log; reconnecting keeps it', async () => {
    const s3 = await store({ 'firm-audit': 'locked', 'firm-archive': 'locked' });
    const p = await profile();
    const before = await p.load();
    const connected = await connectWormStore(p, request(s3.endpoint, { secretAccessKey: `  ${SECRET}\n` }));
    expect(connected).toMatchObject({ auditBucket: 'firm-audit', archiveBucket: 'firm-archive', mode: 'COMPLIANCE', auditRetentionDays: 1826, newLog: true });
    expect(connected.logId).not.toBe(before.logId);
    const saved = await p.load();
    expect(saved.logId).toBe(connected.logId);
    expect(saved.worm).toMatchObject({ endpoint: s3.endpoint, auditBucket: 'firm-audit', archiveBucket: 'firm-archive', region: 'us-east-1' });
    expect(await p.vault.loadWorm()).toEqual({ accessKeyId: 'AKIAEXAMPLEFIRM0001', secretAccessKey: SECRET });
    expect(await readFile(p.file, 'utf8')).not.toContain(SECRET);
    // Both buckets were asked: reachable with these keys, and Object Lock enabled.
    expect(s3.requests.map((r) => `${r.method} ${r.bucket}${r.query.has('object-lock') ? '?object-lock' : ''}`)).toEqual([
      'HEAD firm-audit',
      'GET firm-audit?object-lock',
      'HEAD firm-archive',
      'GET firm-archive?object-lock',
    ]);

    const again = await connectWormStore(p, request(s3.endpoint, { secretAccessKey: 'rotated-secret', auditRetentionDays: 2557 }));
    expect(again).toMatchObject({ logId: connected.logId, newLog: false, auditRetentionDays: 2557 });
    expect((await p.vault.loadWorm())?.secretAccessKey).toBe('rotated-secret');
  });

  it('refuses to move a connected profile to another store unless forced, and then starts a new log', async () => {
    const first = await store({ 'firm-audit': 'locked', 'firm-archive': 'locked' });
    const second = await store({ 'other-audit': 'locked', 'other-archive': 'locked' });
    const p = await profile();
    const { logId } = await connectWormStore(p, request(first.endpoint));
    const before = await readFile(p.file, 'utf8');
    const elsewhere = request(second.endpoint, { auditBucket: 'other-audit', archiveBucket: 'other-archive', secretAccessKey: 'other-secret' });
    await expect(connectWormStore(p, elsewhere)).rejects.toThrow(/connected to audit bucket "firm-audit".*--force.*Nothing was saved/s);
    expect(await readFile(p.file, 'utf8')).toBe(before);
    expect((await p.vault.loadWorm())?.secretAccessKey).toBe(SECRET);
    expect(second.requests).toHaveLength(0);

    const moved = await connectWormStore(p, elsewhere, { force: true });
    expect(moved.newLog).toBe(true);
    expect(moved.logId).not.toBe(logId);
    expect((await p.load()).worm?.auditBucket).toBe('other-audit');
  });

  it.each([
    ['an empty secret', (endpoint: string) => request(endpoint, { secretAccessKey: ' \n ' }), /no secret access key was given/],
    ['an endpoint that is not http(s)', () => request('ftp://store.example/'), /endpoint must be an http\(s\) URL/],
    ['credentials in the endpoint', () => request('http://AKIA:secret@127.0.0.1:9/'), /endpoint must not carry credentials/],
    ['a bucket name S3 refuses', (endpoint: string) => request(endpoint, { auditBucket: '../Audit' }), /auditBucket not an S3 bucket name/],
    ['one bucket for both', (endpoint: string) => request(endpoint, { archiveBucket: 'firm-audit' }), /buckets must differ/],
    ['an access key with spaces', (endpoint: string) => request(endpoint, { accessKeyId: 'AKIA EXAMPLE' }), /accessKeyId not an access key id/],
  ])('refuses %s before asking the store, saving nothing', async (_, make, message) => {
    const s3 = await store({ 'firm-audit': 'locked', 'firm-archive': 'locked' });
    const p = await profile();
    const before = await readFile(p.file, 'utf8').catch(async () => (await p.load(), readFile(p.file, 'utf8')));
    const error = await connectWormStore(p, make(s3.endpoint)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(SECRET);
    expect(s3.requests).toHaveLength(0);
    await expectUntouched(p, before);
  });

  it.each([
    ['a missing bucket', { 'firm-audit': 'locked', 'firm-archive': 'missing' } as const, /bucket "firm-archive" does not exist there\. Nothing was saved/],
    ['a bucket without Object Lock', { 'firm-audit': 'unlocked', 'firm-archive': 'locked' } as const, /Bucket "firm-audit" exists but Object Lock is not enabled.*Nothing was saved/s],
    ['keys the store refuses', { 'firm-audit': 'denied', 'firm-archive': 'locked' } as const, /access key AKIAEXAMPLEFIRM0001 is not allowed bucket "firm-audit".*Nothing was saved/s],
  ])('refuses %s with a clear error, saving nothing', async (_, buckets, message) => {
    const s3 = await store(buckets);
    const p = await profile();
    const before = await readFile(p.file, 'utf8').catch(async () => (await p.load(), readFile(p.file, 'utf8')));
    const error = await connectWormStore(p, request(s3.endpoint)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WormStoreError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain(SECRET);
    await expectUntouched(p, before);
  });

  it('refuses an endpoint where nothing answers, saving nothing', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const p = await profile();
    const before = await readFile(p.file, 'utf8').catch(async () => (await p.load(), readFile(p.file, 'utf8')));
    const error = await connectWormStore(p, request(`http://127.0.0.1:${port}`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WormStoreError);
    expect((error as WormStoreError).unavailable).toBe(true);
    expect((error as Error).message).toMatch(new RegExp(`Could not connect to the WORM store at http://127.0.0.1:${port}.*Nothing was saved`, 's'));
    await expectUntouched(p, before);
  });

  it('copies another profile\'s connection (settings and secret) into a profile of its own log', async () => {
    const s3 = await store({ 'firm-audit': 'locked', 'firm-archive': 'locked' });
    const secrets = memorySecretStore();
    const a = await profile('desk-a', secrets);
    const b = composeProfileSettings({ profile: 'desk-b', env: { CUSTODY_CONFIG_DIR: a.paths.configDir, CUSTODY_DATA_DIR: join(a.paths.dataDir, '..') }, secrets });
    await expect(wormConnectionOf(a)).rejects.toThrow(/Profile "desk-a" is not connected to a WORM store/);
    const fromA = await connectWormStore(a, request(s3.endpoint, { mode: 'GOVERNANCE', auditRetentionDays: 30 }));
    const fromB = await connectWormStore(b, await wormConnectionOf(a));
    expect(fromB).toMatchObject({ profile: 'desk-b', endpoint: s3.endpoint, auditBucket: 'firm-audit', archiveBucket: 'firm-archive', mode: 'GOVERNANCE', auditRetentionDays: 30, newLog: true });
    expect(fromB.logId).not.toBe(fromA.logId);
    expect(await b.vault.loadWorm()).toEqual(await a.vault.loadWorm());
  });
});
