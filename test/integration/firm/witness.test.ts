import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { systemClock } from '../../../electron/services/adapters/system-clock';
import { verifyAuditLog } from '../../../electron/services/audit/audit-verifier';
import { parseSignedNote } from '../../../electron/crypto/signed-note';
import { cosignatureKey, cosignaturesBy, witnessKeyName } from '../../../electron/services/audit/cosignature-note';
import { auditCheckpointKey, auditEventKey, auditPublicKeyKey, serializeCheckpoint, signCheckpoint, toHex } from '../../../electron/services/audit/layout';
import type { Profile } from '../../../electron/services/config/profile';
import { keyIdOf } from '../../../electron/services/signing/signing-key';
import { putLockedObject, readObject } from '../../../electron/services/worm/locked-objects';
import { createKeyringSecretStore } from '../../../electron/services/auth/adapters/keyring-secret-store';
import { shareProfileWithCli } from '../../helpers/cli-profile';
import { startHarness, type Harness } from '../../helpers/engine-harness';
import { deleteNewestVersionBypassingGovernance } from '../../helpers/worm';

// GOVERNANCE: the rollback below deletes A's newest events and checkpoint as a privileged administrator could.
const governance = { auditMode: 'GOVERNANCE' as const, officer: null, profile: (p: Profile) => ({ ...p, audit: { ...p.audit, checkpoint: { everyEvents: 1000, everyMinutes: 600 } } }) };

let a: Harness;
let b: Harness;

beforeAll(async () => {
  a = await startHarness({ worm: inject('worm').connection, ...governance });
  b = await startHarness({ worm: inject('worm').connection, sameStoreAs: a, ...governance });
}, 60_000);
afterAll(async () => {
  await b?.close();
  await a?.close();
});

/** `n` audited searches in the workstation's log (the service account's), then a checkpoint over them. */
async function accessAndCheckpoint(h: Harness, n: number) {
  const log = await h.composed.audit.log();
  const actor = await h.composed.audit.actors.service();
  for (let i = 0; i < n; i++) await log.writer.append({ action: 'search', details: { query: { tradingId: `T-${i}` } } }, actor);
  return (await log.checkpointer.checkpointNow())!;
}

/** The cosignature `witness` stored for `treeSize` of `witnessed`'s log, checked with the key the witness published. */
async function storedCosignature(witnessed: Harness, treeSize: number, witness: Harness) {
  const witnessedLog = witnessed.composed.profile.logId;
  const witnessLog = witness.composed.profile.logId;
  const object = await readObject(a.s3, a.bucket, cosignatureKey(witnessedLog, treeSize, witnessLog));
  if (!object) return null;
  const signingKey = await witness.composed.audit.signingKey();
  const published = await readObject(a.s3, a.bucket, auditPublicKeyKey(witnessLog, signingKey.keyId));
  const note = parseSignedNote(object.text());
  return {
    locked: object.lockMode,
    text: note.text,
    valid: cosignaturesBy(object.text(), note.text, { name: witnessKeyName(witnessLog), publicKeyPem: published!.text() }).length === 1,
  };
}

describe('witnessed checkpoints between two workstations on one store', () => {
  it('B cosigns A and A cosigns B; the next checkpoint is cosigned after a sync, consistent with the one before; the verifier counts them', async () => {
    const aLog = a.composed.profile.logId;
    const bLog = b.composed.profile.logId;
    const first = await accessAndCheckpoint(a, 5);
    await accessAndCheckpoint(b, 2);

    const byB = await b.composed.witness.run();
    expect(byB.outcomes).toEqual([expect.objectContaining({ logId: aLog, verdict: 'cosigned', checkpoint: expect.objectContaining({ treeSize: 5, rootHash: first.rootHash }), cosignedBefore: null })]);
    const cosignature = await storedCosignature(a, 5, b);
    expect(cosignature).toMatchObject({ locked: 'GOVERNANCE', valid: true });
    expect(cosignature!.text).toBe(`custody.audit/${a.bucket}/${aLog}\n5\n${Buffer.from(first.rootHash, 'hex').toString('base64')}\n`);
    const byA = await a.composed.witness.run();
    expect(byA.outcomes).toEqual([expect.objectContaining({ logId: bLog, verdict: 'cosigned' })]);
    expect(await storedCosignature(b, 2, a)).toMatchObject({ valid: true });

    // A moves on; B's next sync witnesses it (in the background, as after every sync).
    const second = await accessAndCheckpoint(a, 3);
    b.composed.events.publish({ kind: 'index.syncCompleted', syncedAt: new Date().toISOString() });
    await expect.poll(() => storedCosignature(a, 8, b), { timeout: 15_000 }).toMatchObject({ valid: true });
    const again = await b.composed.witness.run();
    expect(again.outcomes[0]).toMatchObject({ verdict: 'up-to-date', cosignedBefore: { treeSize: 8, rootHash: second.rootHash } });

    const integrity = (await a.composed.audit.log()).integrity;
    const passing = await integrity.verify({ cosignatures: { minCosignatures: 1 } });
    expect(passing.ok).toBe(true);
    expect(passing.cosignatures!.checkpoints.map((c) => [c.treeSize, c.cosigners.map((w) => w.witnessLogId), c.witnessedBy])).toEqual([
      [5, [bLog], 1],
      [8, [bLog], 1],
    ]);
    const strict = await integrity.verify({ cosignatures: { minCosignatures: 2 } });
    expect(strict.ok).toBe(false);
    expect(strict.problems).toEqual([expect.objectContaining({ kind: 'too-few-cosignatures', treeSize: 5 })]);
  }, 60_000);

  it("A's log rolled back, then re-keyed: B refuses to cosign, records one alert per incident in its own log, and the verifier names the rollback", async () => {
    const aLog = a.composed.profile.logId;
    const bLog = b.composed.profile.logId;
    const aAudit = await a.composed.audit.log();
    // An administrator removes A's last two events and its checkpoint at 8, and signs one at 6 with A's key.
    await deleteNewestVersionBypassingGovernance(a.s3, a.bucket, auditCheckpointKey(aLog, 8));
    for (const seq of [7, 6]) await deleteNewestVersionBypassingGovernance(a.s3, a.bucket, auditEventKey(aLog, seq));
    const smaller = signCheckpoint(await a.composed.audit.signingKey(), { logId: aLog, treeSize: 6, rootHash: toHex(await aAudit.mirror.root(6)), time: new Date().toISOString() });
    await putLockedObject(a.s3, { bucket: a.bucket, key: auditCheckpointKey(aLog, 6), body: serializeCheckpoint(smaller), contentType: 'application/json', retainUntil: new Date(Date.now() + 120_000), mode: 'GOVERNANCE' });

    const refused = await b.composed.witness.run();
    expect(refused.outcomes).toEqual([
      expect.objectContaining({ logId: aLog, verdict: 'rolled-back', checkpoint: expect.objectContaining({ treeSize: 6 }), cosignedBefore: expect.objectContaining({ treeSize: 8 }), cosignature: null, alertRecorded: true }),
    ]);
    expect(await storedCosignature(a, 6, b)).toBeNull();
    const bAudit = await b.composed.audit.log();
    const alerts = await bAudit.mirror.list({ alertsOnly: true });
    expect(alerts.entries).toEqual([expect.objectContaining({ action: 'witness', alerts: [expect.objectContaining({ rule: 'witnessed-log-inconsistent', message: expect.stringContaining('rolled back') })] })]);
    expect(await b.composed.repositories.auditMirror.integrityReport(aLog)).toMatchObject({ state: 'failed' });
    // The incident is recorded once, however often B witnesses again.
    expect((await b.composed.witness.run()).outcomes[0]).toMatchObject({ verdict: 'rolled-back', alertRecorded: false });
    expect((await bAudit.mirror.list({ alertsOnly: true })).total).toBe(1);

    // A verifier of A's log from the bucket alone: B's cosignature of tree size 8 contradicts the log (6 events), whatever the policy.
    const verify = (minCosignatures: number) => verifyAuditLog({ s3: a.s3, bucket: a.bucket, logId: aLog, clock: systemClock, cosignatures: { minCosignatures } });
    const report = await verify(1);
    expect(report.ok).toBe(false);
    expect(report.problems.map((p) => [p.kind, p.treeSize])).toEqual(expect.arrayContaining([['contradicted-by-witness', 8], ['too-few-cosignatures', 6]]));
    expect(report.problems.find((p) => p.kind === 'contradicted-by-witness')!.message).toContain(`witness ${bLog} cosigned tree size 8`);
    const reportOnly = await verify(0);
    expect(reportOnly.problems.map((p) => p.kind)).toEqual(['contradicted-by-witness']);

    // `custody audit witness` on B's profile names it too, and exits 2.
    const cli = await shareProfileWithCli(b, { officer: null });
    const cliKeychain = createKeyringSecretStore();
    await cliKeychain.set(`${b.profile}/signing-key`, (await b.secrets.get(`${b.profile}/signing-key`))!);
    try {
      const run = await cli.run(['audit', 'witness']);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stdout).toMatch(new RegExp(`${aLog}\\s+ROLLED-BACK\\s+6\\s+8`));
      expect(run.stdout).toContain(`ALERT: 1 log(s) inconsistent with what this witness cosigned before; not cosigned, alert recorded in log ${bLog}`);
    } finally {
      await cli.dispose();
      await cliKeychain.delete(`${b.profile}/signing-key`);
    }

    // A checkpoint signed by another key, published beside A's own: B pinned A's first key, so it is an alert, not a new trust.
    const { privateKey } = generateKeyPairSync('ed25519');
    const publicKeyPem = createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString();
    const intruder = { keyId: keyIdOf(publicKeyPem), publicKeyPem, sign: (data: Uint8Array) => sign(null, data, privateKey).toString('base64') };
    const retainUntil = new Date(Date.now() + 120_000);
    await putLockedObject(a.s3, { bucket: a.bucket, key: auditPublicKeyKey(aLog, intruder.keyId), body: publicKeyPem, contentType: 'application/x-pem-file', retainUntil, mode: 'GOVERNANCE' });
    const resigned = signCheckpoint(intruder, { logId: aLog, treeSize: 6, rootHash: smaller.rootHash, time: new Date().toISOString() });
    await putLockedObject(a.s3, { bucket: a.bucket, key: auditCheckpointKey(aLog, 6), body: serializeCheckpoint(resigned), contentType: 'application/json', retainUntil, mode: 'GOVERNANCE' });
    expect((await b.composed.witness.run()).outcomes[0]).toMatchObject({ verdict: 'key-changed', cosignature: null, alertRecorded: true, message: expect.stringContaining(`pinned key ${smaller.keyId}`) });
    expect((await bAudit.mirror.list({ alertsOnly: true })).total).toBe(2);
  }, 90_000);
});
