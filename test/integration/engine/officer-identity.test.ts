import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { auditEvents } from '../../helpers/bulk';
import { shareProfileWithCli } from '../../helpers/cli-profile';
import { startHarness, uniqueTradingCall, type Harness } from '../../helpers/engine-harness';
import { AGENT_C_LOGIN, OFFICER_A_LOGIN, signInOfficer } from '../../helpers/officer-signin';
import { TRADER_PASSWORD } from '../../sandbox/users';

const OFFICER_A = { genesysUserId: '0ff1ce00-0000-4000-8000-00000000000a', name: 'Olivia Adler', email: 'officer.a@sandbox.custody.test' };
const CASE = 'FCA-2026-0042';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ worm: inject('worm').connection });
});
afterAll(async () => h?.close());

/** Signs `user` in on the harness's profile (a real PKCE sign-in through the sandbox); the engine asks at its next action. */
const signInOnEngine = (user: { username: string; password: string }) => signInOfficer({ profile: h.profile, env: h.env, secrets: h.secrets, user });

describe('identity in every record, through the CLI', () => {
  it('names officer A by her Genesys user id on her fetch, whatever is typed; signed out, every officer command is refused and writes nothing', async () => {
    const cli = await shareProfileWithCli(h, { through: 'cli' });
    try {
      const call = uniqueTradingCall(h.sandbox);
      // The operator name is no setting any more.
      const typed = await cli.run(['config', '--operator', 'Mallory Typed']);
      expect(typed.code).toBe(1);
      expect(typed.stderr).toMatch(/--operator/);

      const fetched = await cli.run(['fetch', '--conversation', call.conversation.id, '--case', CASE, '--out', join(h.root, 'fetched'), '--json']);
      expect(fetched.code, fetched.stderr).toBe(0);
      const downloads = (await auditEvents(h)).filter((e) => e.action === 'download');
      expect(downloads.map((e) => e.operator)).toEqual([{ kind: 'officer', ...OFFICER_A, osAccount: expect.any(String) }]);
      const show = await cli.run(['audit', 'show', '--operator', OFFICER_A.email, '--action', 'download']);
      expect(show.code, show.stderr).toBe(0);
      expect(show.stdout).toContain('Olivia Adler <officer.a@sandbox.custody.test> (Genesys 0ff1ce00-0000-4000-8000-00000000000a)');

      expect((await cli.run(['signout'])).code).toBe(0);
      const before = (await auditEvents(h)).length;
      const ids = join(h.root, 'ids.csv');
      await writeFile(ids, `trading_id\n${call.tradingId}\n`);
      const refusals = [
        ['search', '--trading-id', call.tradingId],
        ['fetch', '--conversation', call.conversation.id, '--case', CASE, '--out', join(h.root, 'refused-fetch')],
        ['retrieve', '--trading-ids', ids, '--case', CASE, '--out', join(h.root, 'refused-retrieve')],
        ['pack', 'build', '--trading-id', call.tradingId, '--case', CASE, '--out', join(h.root, 'refused-pack')],
        ['posture'],
      ];
      for (const args of refusals) {
        const run = await cli.run(args);
        expect(run.code, `${args[0]}: ${run.stderr}`).toBe(1);
        expect(run.stderr, args[0]).toMatch(/No officer is signed in/);
      }
      expect(await auditEvents(h)).toHaveLength(before);
      expect((await readdir(h.root)).filter((name) => name.startsWith('refused'))).toEqual([]);
      expect(await h.composed.jobs.list()).toEqual([]);
    } finally {
      await cli.dispose();
    }
  });
});

describe('permissions and identity in the engine', () => {
  it('refuses the agent playback with the missing permission named, and records nothing', async () => {
    const call = uniqueTradingCall(h.sandbox);
    await h.composed.engine.search({ tradingId: call.tradingId }, { caseReference: null });
    await signInOnEngine(AGENT_C_LOGIN);
    try {
      const before = (await auditEvents(h)).length;
      await expect(h.composed.engine.authorizePlayback(call.recording.id, CASE)).rejects.toMatchObject({
        code: 'PERMISSION_DENIED',
        message: 'Carla Costa may not play: missing Genesys permission recording:recording:view.',
      });
      await expect(h.composed.engine.download(call.conversation.id, CASE, join(h.root, 'agent-download'))).rejects.toThrow(
        /missing Genesys permission recording:recording:view, recording:recording:download/,
      );
      expect(await auditEvents(h)).toHaveLength(before);
      await expect(readdir(join(h.root, 'agent-download'))).rejects.toMatchObject({ code: 'ENOENT' });
    } finally {
      await signInOnEngine(OFFICER_A_LOGIN);
    }
  });

  it('raises the participant alert when a seeded trader signs in and plays her own call, and not for the officer', async () => {
    const call = uniqueTradingCall(h.sandbox);
    const agentId = call.conversation.participants.find((p) => p.purpose === 'agent')?.userId;
    const trader = h.sandbox.dataset.agents.find((a) => a.id === agentId)!;
    await h.composed.engine.search({ tradingId: call.tradingId }, { caseReference: null });
    await signInOnEngine({ username: trader.email, password: TRADER_PASSWORD });
    let traderPlay: string;
    try {
      traderPlay = (await h.composed.engine.authorizePlayback(call.recording.id, CASE)).auditEventId;
    } finally {
      await signInOnEngine(OFFICER_A_LOGIN);
    }
    const officerPlay = (await h.composed.engine.authorizePlayback(call.recording.id, CASE)).auditEventId;
    const events = await auditEvents(h);
    const byTrader = events.find((e) => e.eventId === traderPlay)!;
    expect(byTrader.operator).toMatchObject({ kind: 'officer', genesysUserId: trader.id, name: trader.name, email: trader.email });
    expect(byTrader.details.alerts).toContainEqual({ rule: 'participant-playback', message: expect.stringContaining(`${trader.name} is a participant of this call`) });
    const byOfficer = events.find((e) => e.eventId === officerPlay)!;
    expect(byOfficer.operator.genesysUserId).toBe(OFFICER_A.genesysUserId);
    expect(((byOfficer.details.alerts as Array<{ rule: string }> | undefined) ?? []).map((a) => a.rule)).not.toContain('participant-playback');
  });
});
