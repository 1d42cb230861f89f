import { createPrivateKey, createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { cp, open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AuditCheckpoint } from '../../../shared/domain';
import type { PackDocument, PackProofs, PackRecording, PackSignature } from '../../../shared/pack-format';
import { readWavInfo } from '../../../electron/services/audio/wav';
import { serializeCheckpoint, signCheckpoint } from '../../../electron/services/audit/layout';
import { createKeyringSecretStore } from '../../../electron/services/auth/adapters/keyring-secret-store';
import { CredentialVault } from '../../../electron/services/auth/credentials';
import { profilePaths, updateProfile } from '../../../electron/services/config/profile';
import { SecretRedactor } from '../../../electron/services/logging/redactor';
import { bagInfoValue, formatBagInfo, formatManifest, parseBagInfo, payloadOxum } from '../../../electron/services/packs/bagit';
import { digestFile, digestOf } from '../../../electron/services/packs/file-digests';
import { fingerprintOf, keyIdOf, type SigningKey } from '../../../electron/services/signing/signing-key';
import { shareAtRestKeys, startHarness, uniqueTradingCall, type Harness } from '../../helpers/engine-harness';
import { runCli } from '../../helpers/run-cli';

/**
 * Key pinning against the real radosgw (where installations publish their keys) and the real keychain:
 * a pack re-signed by a stranger's key is refused by `custody pack verify` and `custody review`, and a
 * genuine pack verifies through each kind of trusted key.
 */

const UNTRUSTED_KEY_EXIT = 4;
const cliSecrets = createKeyringSecretStore();
const cliVault = (profile: string) => new CredentialVault(cliSecrets, profile, new SecretRedactor());

let h: Harness;
let packDir: string;
let call: ReturnType<typeof uniqueTradingCall>;
let firmKeyId: string;
let firmKeyFile: string;
const env = (h: Harness) => ({ CUSTODY_CONFIG_DIR: h.env.CUSTODY_CONFIG_DIR, CUSTODY_DATA_DIR: h.env.CUSTODY_DATA_DIR, DISPLAY: '' });
const cliProfiles: Array<string> = [];
let forgetAtRestKeys: (() => Promise<void>) | undefined;

beforeAll(async () => {
  h = await startHarness({ worm: inject('worm').connection });
  call = uniqueTradingCall(h.sandbox);
  packDir = join(h.root, 'genuine');
  await h.composed.packs.build({ selection: { kind: 'tradingIds', tradingIds: [call.tradingId] }, caseReference: 'FCA-2026-0042', outPath: packDir });
  // The CLI runs as the same installation: the app's own keychain entry holds the same signing key.
  const installation = (await new CredentialVault(h.secrets, h.profile, new SecretRedactor()).loadSigningKey())!;
  await cliVault(h.profile).saveSigningKey(installation);
  forgetAtRestKeys = await shareAtRestKeys(h, cliSecrets);
  cliProfiles.push(h.profile);
  const publicPem = createPublicKey(createPrivateKey(installation.privateKeyPem)).export({ type: 'spki', format: 'pem' }).toString();
  firmKeyId = keyIdOf(publicPem);
  firmKeyFile = join(h.root, 'firm-key.pem');
  await writeFile(firmKeyFile, publicPem);
}, 180_000);

afterAll(async () => {
  for (const profile of cliProfiles) for (const kind of ['worm', 'signing-key']) await cliSecrets.delete(`${profile}/${kind}`);
  await forgetAtRestKeys?.();
  await h?.close();
});

/** Another installation of the firm: its own profile, log and keychain, optionally reaching the same audit bucket. */
async function otherInstallation(name: string, worm: { endpoint: string } | null): Promise<string> {
  const profile = `${h.profile}-${name}`;
  await updateProfile(profilePaths(profile, h.env).profileFile, (p) =>
    worm ? { ...p, worm: { endpoint: worm.endpoint, region: h.worm.region, auditBucket: h.bucket, mode: 'COMPLIANCE', auditRetentionDays: 1 } } : p,
  );
  if (worm) await cliVault(profile).saveWorm({ accessKeyId: h.worm.accessKeyId, secretAccessKey: h.worm.secretAccessKey });
  cliProfiles.push(profile);
  return profile;
}

const verify = (path: string, profile: string, ...extra: Array<string>) => runCli(['pack', 'verify', path, '--profile', profile, ...extra], { env: env(h) });

type Forgery = { dir: string; keyId: string };

/**
 * The forgery of issue 9: a copy of a genuine pack with one recording's trading ID, agent and account
 * changed, the WAV copy's samples zeroed, every manifest recomputed and the tag manifest signed with a
 * freshly generated Ed25519 key. `resignCheckpoint` goes further: the checkpoint is re-signed with the
 * same key, so that nothing but the key itself is wrong.
 */
async function forge(name: string, options: { resignCheckpoint: boolean }): Promise<Forgery> {
  const dir = join(h.root, name);
  await cp(packDir, dir, { recursive: true });
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const key: SigningKey = { keyId: keyIdOf(publicKeyPem), publicKeyPem, sign: (data) => sign(null, data, privateKey).toString('base64') };
  const keyPath = `data/keys/${key.keyId}.pem`;
  await writeFile(join(dir, keyPath), publicKeyPem);

  const metadataPath = join(dir, `data/metadata/${call.recording.id}.json`);
  const metadata = JSON.parse(await readFile(metadataPath, 'utf8')) as PackRecording;
  const wavPath = join(dir, metadata.wav.path);
  const wav = await readWavInfo(wavPath);
  const handle = await open(wavPath, 'r+');
  await handle.write(Buffer.alloc(wav.dataBytes), 0, wav.dataBytes, wav.dataOffset);
  await handle.close();
  const wavDigests = await digestFile(wavPath);
  const forged: PackRecording = {
    ...metadata,
    tradingId: 'T-FORGED-0001',
    agent: 'Someone Else',
    clientAccount: 'ACC-FORGED',
    wav: { ...metadata.wav, sha256: wavDigests.sha256, sha512: wavDigests.sha512, identicalToOriginal: false },
  };
  await writeFile(metadataPath, `${JSON.stringify(forged, null, 2)}\n`);
  const document = JSON.parse(await readFile(join(dir, 'data/pack.json'), 'utf8')) as PackDocument;
  await writeFile(join(dir, 'data/pack.json'), `${JSON.stringify({ ...document, signingKeyId: key.keyId }, null, 2)}\n`);

  if (options.resignCheckpoint) {
    const proofs = JSON.parse(await readFile(join(dir, 'data/audit/proofs.json'), 'utf8')) as PackProofs;
    const original = JSON.parse(await readFile(join(dir, proofs.checkpoint.path), 'utf8')) as AuditCheckpoint;
    const checkpoint = signCheckpoint(key, original);
    await writeFile(join(dir, proofs.checkpoint.path), serializeCheckpoint(checkpoint));
    await writeFile(join(dir, 'data/audit/proofs.json'), `${JSON.stringify({ ...proofs, checkpoint: { ...proofs.checkpoint, publicKey: keyPath, value: checkpoint } }, null, 2)}\n`);
  }

  const payload = (await readdir(join(dir, 'data'), { recursive: true, withFileTypes: true }))
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1));
  const digests = await Promise.all(payload.map(async (path) => ({ path, ...(await digestFile(join(dir, path))) })));
  await writeFile(join(dir, 'manifest-sha256.txt'), formatManifest(digests.map((d) => ({ path: d.path, digest: d.sha256 }))));
  await writeFile(join(dir, 'manifest-sha512.txt'), formatManifest(digests.map((d) => ({ path: d.path, digest: d.sha512 }))));
  const bagInfo = parseBagInfo(await readFile(join(dir, 'bag-info.txt'), 'utf8')).fields.map(([label, value]): [string, string] => [
    label,
    label === 'Custody-Signing-Key-Id' ? key.keyId : label === 'Payload-Oxum' ? payloadOxum(digests.reduce((n, d) => n + d.bytes, 0), digests.length) : value,
  ]);
  await writeFile(join(dir, 'bag-info.txt'), formatBagInfo(bagInfo));
  const tagFiles = ['bagit.txt', 'bag-info.txt', 'manifest-sha256.txt', 'manifest-sha512.txt', 'index.html'];
  const tagManifest = formatManifest(await Promise.all(tagFiles.map(async (path) => ({ path, digest: digestOf(await readFile(join(dir, path))).sha256 }))));
  await writeFile(join(dir, 'tagmanifest-sha256.txt'), tagManifest);
  const signatureBase64 = key.sign(Buffer.from(tagManifest, 'utf8'));
  await writeFile(join(dir, 'signature/tagmanifest-sha256.txt.sig'), Buffer.from(signatureBase64, 'base64'));
  const signature = JSON.parse(await readFile(join(dir, 'signature/signature.json'), 'utf8')) as PackSignature;
  await writeFile(join(dir, 'signature/signature.json'), `${JSON.stringify({ ...signature, keyId: key.keyId, publicKey: keyPath, signature: signatureBase64 }, null, 2)}\n`);
  expect(bagInfoValue(bagInfo, 'Custody-Signing-Key-Id')).toBe(key.keyId);
  return { dir, keyId: key.keyId };
}

type VerifyJson = { ok: boolean; signer: { keyId: string; fingerprint: string; trust: string; source: string | null }; problems: Array<{ file: string; problem: string }> };

describe('a pack re-signed with a freshly made key', () => {
  it('is refused by pack verify with the untrusted-key exit code, its fingerprint and how to compare it', async () => {
    const forgery = await forge('forged-perfect', { resignCheckpoint: true });
    const json = await verify(forgery.dir, h.profile, '--json');
    expect(json.code).toBe(UNTRUSTED_KEY_EXIT);
    const report = JSON.parse(json.stdout) as VerifyJson;
    expect(report.ok).toBe(false);
    expect(report.signer).toMatchObject({ keyId: forgery.keyId, trust: 'untrusted', source: null });
    // Everything else about this forgery checks out: only the key gives it away.
    expect(report.problems).toEqual([{ file: 'signature/signature.json', check: 'signature', problem: expect.stringMatching(/not a trusted key/) }]);

    const text = await verify(forgery.dir, h.profile);
    expect(text.code).toBe(UNTRUSTED_KEY_EXIT);
    expect(text.stdout).toContain('UNTRUSTED KEY');
    expect(text.stdout).toContain(fingerprintOf(forgery.keyId));
    expect(text.stdout).toContain('custody audit key');
    expect(text.stdout).toContain('openssl pkey -pubin -in FIRM_KEY.pem -outform DER | sha256sum');
    expect(text.stdout).toMatch(/^NOT VERIFIED/);

    // Pinning the firm's key does not make the stranger's trusted either.
    expect((await verify(forgery.dir, h.profile, '--trusted-key', firmKeyId)).code).toBe(UNTRUSTED_KEY_EXIT);
  }, 60_000);

  it('left with the firm’s checkpoint, does not verify (exit 2): the keys disagree, and the untrusted key is named too', async () => {
    const forgery = await forge('forged-tag-manifest-only', { resignCheckpoint: false });
    const run = await verify(forgery.dir, h.profile, '--json');
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout) as VerifyJson;
    expect(report.signer.trust).toBe('untrusted');
    expect(report.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ file: 'data/audit/checkpoint.json', problem: expect.stringMatching(/not by the key that signed the pack/) })]),
    );
    const text = await verify(forgery.dir, h.profile);
    expect(text.code).toBe(2);
    expect(text.stdout).toContain(`UNTRUSTED KEY`);
    expect(text.stdout).toContain(fingerprintOf(forgery.keyId));
  }, 60_000);

  it('is refused by review --headless, which exits non-zero saying "untrusted key"', async () => {
    const forgery = await forge('forged-for-review', { resignCheckpoint: true });
    const run = await runCli(['review', forgery.dir, '--reviewer', 'Dana Inspector (FCA)', '--headless', '--profile', h.profile], { env: env(h), timeoutMs: 180_000 });
    expect(run.code).toBe(UNTRUSTED_KEY_EXIT);
    expect(`${run.stdout}${run.stderr}`).toContain('untrusted key');
    expect(`${run.stdout}${run.stderr}`).toContain(fingerprintOf(forgery.keyId));
    expect(run.stdout).not.toContain('opened a verified pack');
  }, 200_000);
});

describe('a genuine pack', () => {
  it("verifies through this installation's key (from the keychain)", async () => {
    const run = await verify(packDir, h.profile);
    expect(run.stdout).toContain("trusted: this installation's key");
    expect(run.code).toBe(0);
  });

  it('verifies on a machine without it through --trusted-key, a PEM file or a key id, and not without', async () => {
    const stranger = await otherInstallation('no-bucket', null);
    const untrusted = await verify(packDir, stranger);
    expect(untrusted.code).toBe(UNTRUSTED_KEY_EXIT);
    expect(untrusted.stdout).toContain(fingerprintOf(firmKeyId));
    const byFile = await verify(packDir, stranger, '--trusted-key', firmKeyFile);
    expect(byFile.stdout).toContain('trusted: a pinned key');
    expect(byFile.code).toBe(0);
    expect((await verify(packDir, stranger, '--trusted-key', firmKeyId)).code).toBe(0);
    expect((await verify(packDir, stranger, '--trusted-key', firmKeyId.toUpperCase())).code).toBe(0);
    // A --trusted-key that is neither is an error of the command, not a verdict on the pack.
    const bad = await verify(packDir, stranger, '--trusted-key', join(h.root, 'no-such-key.pem'));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('neither a key id');
  });

  it("verifies from another installation through the key published in the firm's audit bucket", async () => {
    const colleague = await otherInstallation('colleague', { endpoint: h.worm.endpoint });
    const run = await verify(packDir, colleague);
    expect(run.stdout).toContain("trusted: published in the firm's WORM audit bucket");
    expect(run.code).toBe(0);
    // The stranger's key is not in the bucket.
    const forgery = await forge('forged-for-colleague', { resignCheckpoint: true });
    expect((await verify(forgery.dir, colleague)).code).toBe(UNTRUSTED_KEY_EXIT);
  }, 60_000);

  it('with an unreachable bucket, still verifies through a pinned key and counts no bucket key', async () => {
    const offline = await otherInstallation('offline', { endpoint: 'http://127.0.0.1:9' });
    const started = Date.now();
    expect((await verify(packDir, offline)).code).toBe(UNTRUSTED_KEY_EXIT);
    expect((await verify(packDir, offline, '--trusted-key', firmKeyFile)).code).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
  }, 60_000);

  it('opens in review --headless as verified (exit 0)', async () => {
    const run = await runCli(['review', packDir, '--reviewer', 'Dana Inspector (FCA)', '--headless', '--profile', h.profile], { env: env(h), timeoutMs: 180_000 });
    expect(run.stdout).toContain('opened a verified pack');
    expect(run.code).toBe(0);
    expect((await stat(packDir)).isDirectory()).toBe(true);
  }, 200_000);
});
