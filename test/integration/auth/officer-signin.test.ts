import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKeyringSecretStore } from '../../../electron/services/auth/adapters/keyring-secret-store';
import { systemClock } from '../../../electron/services/adapters/system-clock';
import { composeOfficerSession } from '../../../electron/services/composition/compose-officer';
import { composeProfileSettings } from '../../../electron/services/composition/compose-settings';
import { SignInRequiredError } from '../../../electron/services/errors';
import { MemoryLogger } from '../../helpers/memory-logger';
import { shareProfileWithCli } from '../../helpers/cli-profile';
import { startHarness, uniqueTradingCall, type Harness } from '../../helpers/engine-harness';
import { AGENT_C_LOGIN, OFFICER_A_LOGIN, OFFICER_B_LOGIN, signInOfficer, signInThroughCli, submitLoginForm, type SandboxUser } from '../../helpers/officer-signin';

const OFFICER_A_ID = '0ff1ce00-0000-4000-8000-00000000000a';
const OFFICER_B_ID = '0ff1ce00-0000-4000-8000-00000000000b';

let h: Harness;
let cli: Awaited<ReturnType<typeof shareProfileWithCli>>;
const cliSecrets = createKeyringSecretStore();

beforeAll(async () => {
  h = await startHarness({ worm: inject('worm').connection, officer: null });
  cli = await shareProfileWithCli(h, { officer: null });
});
afterAll(async () => {
  await cli?.dispose();
  await h?.close();
});

const cliEnv = () => ({ CUSTODY_CONFIG_DIR: h.env.CUSTODY_CONFIG_DIR, CUSTODY_DATA_DIR: h.env.CUSTODY_DATA_DIR });
const signin = (user: SandboxUser, extra: Array<string> = [], browser?: (url: string, user: SandboxUser) => Promise<unknown>) =>
  signInThroughCli(['--profile', h.profile, ...extra], cliEnv(), user, browser);

async function whoami(): Promise<{ code: number | null; body: Record<string, unknown> }> {
  const run = await cli.run(['whoami', '--json']);
  return { code: run.code, body: JSON.parse(run.stdout) as Record<string, unknown> };
}

describe('custody signin / whoami / signout', () => {
  it('signs officer A in through the browser: the authorize URL alone on stdout, the loopback redirect served once', async () => {
    const run = await signin(OFFICER_A_LOGIN);
    expect(run.code, run.stderr).toBe(0);
    const firstLine = run.stdout.split('\n')[0]!;
    expect(firstLine).toBe(run.authorizeUrl);
    const url = new URL(firstLine);
    expect(url.pathname).toBe('/oauth/authorize');
    expect(url.searchParams.get('response_type')).toBe('code');
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(url.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const redirect = new URL(url.searchParams.get('redirect_uri')!);
    expect(redirect.hostname).toBe('127.0.0.1');
    expect(run.stdout).toContain('Signed in: Olivia Adler <officer.a@sandbox.custody.test>');
    // The listener served its one redirect and closed.
    await expect(fetch(`${redirect.origin}/callback?code=x&state=${url.searchParams.get('state')}`)).rejects.toThrow();

    const me = await whoami();
    expect(me.code).toBe(0);
    expect(me.body).toMatchObject({
      signedIn: true,
      genesysUserId: OFFICER_A_ID,
      name: 'Olivia Adler',
      email: 'officer.a@sandbox.custody.test',
      permissions: {
        'recording:recording:view': true,
        'recording:recording:download': true,
        'recording:deletionProtection:apply': true,
        'recording:deletionProtection:revoke': true,
      },
    });
  });

  it('signing in as B replaces A (A signed out first), and signout revokes B at Genesys', async () => {
    expect((await signin(OFFICER_B_LOGIN)).code).toBe(0);
    expect((await whoami()).body).toMatchObject({ genesysUserId: OFFICER_B_ID });
    const out = await cli.run(['signout', '--json']);
    expect(out.code, out.stderr).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ signedOut: OFFICER_B_ID, revoked: true });
    const after = await whoami();
    expect(after.code).toBe(1);
    expect(after.body).toEqual({ signedIn: false });
    expect(await cliSecrets.get(`${h.profile}/officer`)).toBeNull();
  });

  it('a redirect with the wrong state signs nobody in and says why', async () => {
    const forged = async (authorizeUrl: string, user: SandboxUser) => {
      const location = await submitLoginForm(authorizeUrl, user);
      location.searchParams.set('state', 'not-the-state-custody-sent');
      return (await fetch(location)).status;
    };
    const run = await signin(OFFICER_A_LOGIN, [], forged);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('wrong state');
    expect((await whoami()).code).toBe(1);
  });

  it('a closed browser (no redirect) ends with a clear error and nobody signed in', async () => {
    const run = await signin(OFFICER_A_LOGIN, ['--timeout', '2'], async () => undefined);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('No sign-in arrived within 2 s');
    expect((await whoami()).code).toBe(1);
  });

  it('the agent signs in and whoami names the recording permissions she lacks', async () => {
    expect((await signin(AGENT_C_LOGIN)).code).toBe(0);
    const me = await whoami();
    expect(me.body).toMatchObject({ name: 'Carla Costa', permissions: { 'recording:recording:view': false, 'recording:recording:download': false } });
    const text = await cli.run(['whoami']);
    expect(text.stdout).toContain('recording:recording:view: MISSING');
    await cli.run(['signout']);
  });
});

describe('the officer session in the engine', () => {
  it('refreshes an expired access token with the rotated refresh token, and signout makes the old token useless', async () => {
    await signInOfficer({ profile: h.profile, env: h.env, secrets: h.secrets, user: OFFICER_A_LOGIN });
    const session = h.composed.officer;
    const tokens = await session.tokens();
    const first = await tokens.getToken();
    const storedBefore = await h.secrets.get(`${h.profile}/officer`);
    await fetch(`${h.sandbox.url}/__sandbox/tokens/expire`, { method: 'POST' });
    tokens.invalidate(first);
    const second = await tokens.getToken();
    expect(second).not.toBe(first);
    expect(await h.secrets.get(`${h.profile}/officer`)).not.toBe(storedBefore);
    const me = await fetch(`${h.sandbox.url}/api/v2/users/me`, { headers: { authorization: `Bearer ${second}` } });
    expect(((await me.json()) as { id: string }).id).toBe(OFFICER_A_ID);

    const { revoked } = await h.composed.officerSignIn!.signOut();
    expect(revoked).toBe(true);
    const after = await fetch(`${h.sandbox.url}/api/v2/users/me`, { headers: { authorization: `Bearer ${second}` } });
    expect(after.status).toBe(401);
    expect(await session.current()).toBeNull();
    await expect(session.require('play')).rejects.toThrow(SignInRequiredError);
  });

  it('two processes refreshing one rotating refresh token at once both go on, and the sign-in survives', async () => {
    await signInOfficer({ profile: h.profile, env: h.env, secrets: h.secrets, user: OFFICER_A_LOGIN });
    // Two sessions over the same keychain entry, as the app and a CLI command are; neither holds an access token yet.
    const settings = composeProfileSettings({ profile: h.profile, env: h.env, secrets: h.secrets });
    const sessions = [0, 1].map(() => composeOfficerSession({ settings, http: fetch, clock: systemClock, logger: new MemoryLogger() }));
    const tokens = await Promise.all(sessions.map(async (session) => (await session.tokens()).getToken()));
    expect(new Set(tokens).size).toBe(2);
    for (const token of tokens) {
      const me = await fetch(`${h.sandbox.url}/api/v2/users/me`, { headers: { authorization: `Bearer ${token}` } });
      expect(me.status).toBe(200);
    }
    expect((await h.composed.officer.current())?.genesysUserId).toBe(OFFICER_A_ID);
    await h.composed.officerSignIn!.signOut();
  });

  it('a revoked officer loses her sign-in at the next refresh: a clear error, and nothing half-signed-in left', async () => {
    await signInOfficer({ profile: h.profile, env: h.env, secrets: h.secrets, user: OFFICER_A_LOGIN });
    const tokens = await h.composed.officer.tokens();
    const token = await tokens.getToken();
    h.sandbox.revokeUser(OFFICER_A_LOGIN.username);
    try {
      tokens.invalidate(token);
      const refused = await tokens.getToken().catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(SignInRequiredError);
      expect((refused as Error).message).toMatch(/Olivia Adler's sign-in is no longer valid \(expired or revoked\); sign in again/);
      expect(await h.secrets.get(`${h.profile}/officer`)).toBeNull();
      expect(await h.composed.officer.current()).toBeNull();
      // She cannot sign in again while revoked: the login form refuses her, and nobody is signed in.
      await expect(signInOfficer({ profile: h.profile, env: h.env, secrets: h.secrets, user: OFFICER_A_LOGIN })).rejects.toThrow(/did not redirect/);
    } finally {
      h.sandbox.restoreUser(OFFICER_A_LOGIN.username);
    }
    expect((await signInOfficer({ profile: h.profile, env: h.env, secrets: h.secrets, user: OFFICER_A_LOGIN })).genesysUserId).toBe(OFFICER_A_ID);
    await h.composed.officerSignIn!.signOut();
  });

  it("an officer's sitting ends with her sign-in: her case reference is cleared and her plays stop", async () => {
    await signInOfficer({ profile: h.profile, env: h.env, secrets: h.secrets, user: OFFICER_A_LOGIN });
    const { engine, session, grants, events } = h.composed;
    const call = uniqueTradingCall(h.sandbox);
    await engine.search({ tradingId: call.tradingId }, { caseReference: null });
    session.setCaseReference('FCA-2026-0042');
    await engine.authorizePlayback(call.recording.id, session.caseReference);
    expect(grants.current(call.recording.id)).not.toBeNull();
    const ended: Array<unknown> = [];
    const unsubscribe = events.subscribe((event) => ended.push(event));
    await h.composed.officerSignIn!.signOut();
    unsubscribe();
    expect(grants.current(call.recording.id)).toBeNull();
    expect(session.caseReference).toBeNull();
    expect(ended).toContainEqual({ kind: 'playback.ended', recordingId: call.recording.id, reason: 'officer-changed' });
  });

  it('keeps no token, code or verifier in the profile data, the logs or the CLI output', async () => {
    const secretsSeen: Array<string> = [];
    const run = await signin(OFFICER_A_LOGIN, [], async (url, user) => {
      const location = await submitLoginForm(url, user);
      secretsSeen.push(location.searchParams.get('code')!);
      return (await fetch(location)).status;
    });
    expect(run.code).toBe(0);
    const stored = JSON.parse((await cliSecrets.get(`${h.profile}/officer`))!) as { refreshToken: string };
    secretsSeen.push(stored.refreshToken);
    const access = await (await h.composed.officer.tokens().catch(() => null))?.getToken().catch(() => null);
    if (access) secretsSeen.push(access);
    const files = await listFiles(h.env.CUSTODY_DATA_DIR!);
    const texts = [run.stdout, run.stderr];
    for (const file of files) texts.push((await readFile(file)).toString('latin1'));
    for (const secret of secretsSeen) for (const text of texts) expect(text.includes(secret)).toBe(false);
    await cli.run(['signout']);
  });
});

async function listFiles(dir: string): Promise<Array<string>> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}
