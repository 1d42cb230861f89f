import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import { createIndexRepository } from '../../../../../electron/db/repositories/index-repository';
import { createMediaRepository } from '../../../../../electron/db/repositories/media-repository';
import { MediaCache } from '../../../../../electron/services/cache/media-cache';
import { FakeClock } from '../../../../helpers/fake-clock';
import { MemoryLogger } from '../../../../helpers/memory-logger';
import { testAtRestKey } from '../../../../helpers/sealed-files';
import { testTempDir } from '../../../../helpers/temp-dir';
import { FakeGenesysOrg } from '../../../../fakes/genesys-org';
import { IssuingOfficerSession } from '../../../../fakes/issuing-officer-session';
import { OFFICER_A, OFFICER_B } from '../../../../fakes/officer-session';

/** The profile's Genesys connections over a fake org, with officer A signed in through a fake session. */
async function setUp() {
  const dir = await testTempDir('custody-connections-');
  const clock = new FakeClock();
  const db = openDatabaseSync(':memory:');
  const org = new FakeGenesysOrg().add({ id: 'r-1', conversationId: 'c-1', audio: new Uint8Array([1, 2, 3]) });
  const session = new IssuingOfficerSession();
  session.signIn(OFFICER_A);
  const cache = new MediaCache({ dir: join(dir, 'media'), repository: createMediaRepository(db), clock, key: testAtRestKey() });
  const genesys = await org.connection({ clock, random: () => 0, logger: new MemoryLogger(), index: createIndexRepository(db), cache, officer: session });
  const tokensSent = () => org.requests.map((r) => r.token);
  return { org, session, genesys, tokensSent };
}

describe('Genesys connections per token holder', () => {
  it("sends the officer's calls with her own token and the service's with the client's, each holder with its own rate governor", async () => {
    const { org, session, genesys, tokensSent } = await setUp();
    const officer = await genesys.officer();
    expect(officer.officer).toEqual({ genesysUserId: OFFICER_A.genesysUserId, name: 'Olivia Adler', email: OFFICER_A.email });
    await officer.admin.client.organization();
    await (await genesys.admin()).client.organization();
    expect(tokensSent()).toEqual([session.tokenOf(OFFICER_A), 'token-1']);
    // The officer's calls never signed in with the client credentials.
    expect(org.logins).toBe(1);
    expect(officer.services.governor).not.toBe((await genesys.services()).governor);
    expect((await genesys.officer()).services.governor).toBe(officer.services.governor);
  });

  it('after a 401 on her token, takes a fresh one and replays the call once', async () => {
    const { org, session, genesys, tokensSent } = await setUp();
    const first = session.tokenOf(OFFICER_A);
    org.revoke(first);
    const listed = await (await genesys.officer()).services.bulk.conversationRecordingsWithMedia('c-1');
    expect(listed.recordings.map((r) => r.id)).toEqual(['r-1']);
    expect(tokensSent()).toEqual([first, session.tokenOf(OFFICER_A)]);
    expect(session.tokenOf(OFFICER_A)).not.toBe(first);
  });

  it('lets a lost sign-in surface as SignInRequiredError after one 401, with no retry and no service token', async () => {
    const { org, session, genesys, tokensSent } = await setUp();
    const officer = await genesys.officer();
    await officer.admin.client.organization();
    org.revoke(session.tokenOf(OFFICER_A));
    session.revoked = true;
    await expect(officer.services.bulk.conversationRecordingsWithMedia('c-1')).rejects.toMatchObject({ code: 'SIGNIN_REQUIRED', message: expect.stringContaining('Olivia Adler') });
    expect(tokensSent()).toEqual([session.tokenOf(OFFICER_A), session.tokenOf(OFFICER_A)]);
    expect(org.logins).toBe(0);
  });

  it("keeps an officer's connection to her own sign-in: with another officer signed in it refuses, naming her; his calls carry his token and his budget", async () => {
    const { session, genesys, tokensSent } = await setUp();
    const olivia = await genesys.forOfficer(OFFICER_A);
    await olivia.admin.client.organization();
    session.signIn(OFFICER_B);
    await expect(olivia.admin.client.organization()).rejects.toMatchObject({ code: 'SIGNIN_REQUIRED', message: expect.stringContaining('Olivia Adler must sign in again') });
    const oscar = await genesys.officer();
    expect(oscar.officer.name).toBe('Oscar Brandt');
    await oscar.admin.client.organization();
    expect(tokensSent()).toEqual([session.tokenOf(OFFICER_A), session.tokenOf(OFFICER_B)]);
    expect(oscar.services.governor).not.toBe(olivia.services.governor);

    // Olivia signs in again: her connection (and her governor) serve her again, with her new token.
    session.signIn(OFFICER_A);
    await olivia.admin.client.organization();
    expect(tokensSent().at(-1)).toBe(session.tokenOf(OFFICER_A));
    expect((await genesys.officer()).services.governor).toBe(olivia.services.governor);
  });

  it('refuses officer work with nobody signed in, while the service connection still serves unattended work', async () => {
    const { session, genesys } = await setUp();
    session.signOut();
    await expect(genesys.officer()).rejects.toMatchObject({ code: 'SIGNIN_REQUIRED' });
    await expect((await genesys.admin()).client.organization()).resolves.toMatchObject({ id: 'org-1' });
  });
});
