import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import { createIndexRepository } from '../../../../../electron/db/repositories/index-repository';
import { createMediaRepository } from '../../../../../electron/db/repositories/media-repository';
import { auditSettingsSchema } from '../../../../../electron/services/audit/audit-settings';
import { CredentialVault } from '../../../../../electron/services/auth/credentials';
import { MediaCache } from '../../../../../electron/services/cache/media-cache';
import { composeAudit } from '../../../../../electron/services/composition/compose-audit';
import { createProfileRepositories } from '../../../../../electron/services/composition/compose-base';
import { composeEngine } from '../../../../../electron/services/composition/compose-engine';
import { composeGenesys } from '../../../../../electron/services/composition/compose-genesys';
import { EventHub } from '../../../../../electron/services/events';
import { SecretRedactor } from '../../../../../electron/services/logging/redactor';
import type { SecretStore } from '../../../../../electron/services/ports';
import { memorySecretStore } from '../../../../helpers/audit-module';
import { FakeClock } from '../../../../helpers/fake-clock';
import { recordingLogger } from '../../../../helpers/fakes';
import { testTempDir } from '../../../../helpers/temp-dir';
import { testAtRestKey } from '../../../../helpers/sealed-files';
import { FakeOfficerSession, OFFICER_B } from '../../../../fakes/officer-session';

/** A keychain that counts its reads, so a test can tell a rebuilt domain from a cached one. */
function countingSecrets(): SecretStore & { reads: Array<string> } {
  const inner = memorySecretStore();
  const reads: Array<string> = [];
  return { ...inner, reads, get: (account) => (reads.push(account), inner.get(account)) };
}

describe('the Genesys connection factory', () => {
  async function connection(secrets: SecretStore) {
    const dir = await testTempDir('custody-compose-');
    const db = openDatabaseSync(join(dir, 'index.sqlite'), testAtRestKey());
    const clock = new FakeClock();
    return composeGenesys({
      profileName: 'unit',
      endpoint: { gateway: 'http://127.0.0.1:9' },
      vault: new CredentialVault(secrets, 'unit', new SecretRedactor()),
      officer: new FakeOfficerSession(),
      index: createIndexRepository(db),
      cache: new MediaCache({ dir: join(dir, 'media'), repository: createMediaRepository(db), clock, key: testAtRestKey() }),
      http: fetch,
      clock,
      random: () => 0.5,
      logger: recordingLogger(),
      redactor: new SecretRedactor(),
    });
  }

  it('signs in once for every view, and again only after reconnect', async () => {
    const secrets = countingSecrets();
    await new CredentialVault(secrets, 'unit', new SecretRedactor()).saveGenesys({ clientId: 'id', clientSecret: 'secret' });
    const genesys = await connection(secrets);
    const services = await genesys.services();
    expect(await genesys.services()).toBe(services);
    // Holds and posture use the interactive client's own index sync, not a second one.
    expect((await genesys.admin()).sync).toBe(services.sync);
    expect((await genesys.archive()).sync).not.toBe(services.sync);
    expect(secrets.reads).toEqual(['unit/genesys']);

    genesys.reconnect();
    const rebuilt = await genesys.services();
    expect(rebuilt).not.toBe(services);
    expect(rebuilt.governor).not.toBe(services.governor);
    expect((await genesys.admin()).sync).toBe(rebuilt.sync);
    expect(secrets.reads).toEqual(['unit/genesys', 'unit/genesys']);
  });

  it('keeps no failure: credentials stored after a refusal are used on the next call', async () => {
    const secrets = countingSecrets();
    const genesys = await connection(secrets);
    await expect(genesys.services()).rejects.toMatchObject({ code: 'AUTH_REQUIRED' });
    await new CredentialVault(secrets, 'unit', new SecretRedactor()).saveGenesys({ clientId: 'id', clientSecret: 'secret' });
    await expect(genesys.services()).resolves.toHaveProperty('sync');
  });
});

describe('the audit domain factory', () => {
  it('composes without a WORM store, refuses every access, and shuts down without having opened anything', async () => {
    const dir = await testTempDir('custody-compose-');
    const events = new EventHub();
    const audit = composeAudit({
      profileName: 'unit',
      profile: { worm: null, logId: '5b0c1f53-2f1e-4a8e-9d43-6f2f4f0d7a11', audit: auditSettingsSchema.parse({}) },
      vault: new CredentialVault(memorySecretStore(), 'unit', new SecretRedactor()),
      repositories: createProfileRepositories(openDatabaseSync(join(dir, 'index.sqlite'), testAtRestKey())),
      dataDir: dir,
      participantsOf: async () => [],
      officer: new FakeOfficerSession(),
      osAccount: 'jdoe',
      workstation: { hostname: 'ws', addresses: [] },
      clock: new FakeClock(),
      logger: recordingLogger(),
      events,
    });
    await expect(audit.writer()).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE', message: expect.stringContaining('No WORM audit log is configured for profile "unit"') });
    await expect(audit.log()).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    audit.stopChecks();
    await expect(audit.drain()).resolves.toBeUndefined();
    await expect(audit.finishCheckpoints()).resolves.toBeUndefined();
  });
});

describe('the engine composition', () => {
  it('builds a profile with no Genesys org and no WORM store, refuses access, and closes in order', async () => {
    const root = await testTempDir('custody-compose-');
    const env = { CUSTODY_CONFIG_DIR: join(root, 'config'), CUSTODY_DATA_DIR: join(root, 'data') };
    const officer = new FakeOfficerSession();
    const composed = await composeEngine({ profile: 'unit', env, secrets: memorySecretStore(), mediaUrlBase: 'media://recording/', officer });
    // The session shows whoever is signed in at the time, never a configured name.
    expect((await composed.session.info({ lastSyncedAt: null, coveredFrom: null, coveredTo: null })).operator).toMatchObject({ kind: 'officer', name: 'Olivia Adler' });
    officer.signOut();
    await expect(composed.engine.search({ queue: 'FX' }, { caseReference: null })).rejects.toMatchObject({ code: 'SIGNIN_REQUIRED' });
    officer.signIn(OFFICER_B);
    await expect(composed.engine.search({ queue: 'FX' }, { caseReference: null })).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    await expect(composed.archive.job()).rejects.toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('No WORM archive bucket') });
    await expect(composed.genesys.services()).rejects.toMatchObject({ code: 'AUTH_REQUIRED' });
    const closing = composed.close();
    expect(composed.close()).toBe(closing);
    await closing;
    expect(composed.db.open).toBe(false);
  });
});
