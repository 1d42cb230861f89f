import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createKeyringSecretStore } from '../../../electron/services/auth/adapters/keyring-secret-store';
import { SignInRequiredError } from '../../../electron/services/errors';
import { shareProfileWithCli } from '../../helpers/cli-profile';
import { startHarness, type Harness } from '../../helpers/engine-harness';
import { AGENT_C_LOGIN, OFFICER_A_LOGIN, OFFICER_B_LOGIN, signInOfficer, signInThroughCli, type SandboxUser } from '../../helpers/officer-signin';

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
      const page = await fetch(authorizeUrl);
      await page.text();
      const posted = await fetch(authorizeUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: user.username, password: user.password }).toString(),
        redirect: 'manual',
      });
      const location = new URL(posted.headers.get('location')!);
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

  it('keeps no token, code or verifier in the profile data, the logs or the CLI output', async () => {
    const secretsSeen: Array<string> = [];
    const run = await signin(OFFICER_A_LOGIN, [], async (url, user) => {
      const posted = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ username: user.username, password: user.password }).toString(),
        redirect: 'manual',
      });
      const location = new URL(posted.headers.get('location')!);
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
