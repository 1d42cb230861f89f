import { describe, expect, it } from 'vitest';
import { forwardOfficerChanges } from '../../../../../electron/main/ipc/domain-events';
import { createEmitter } from '../../../../../electron/main/ipc/emit';
import { authHandlers, isSignInPageUrl, type AuthHandlerDeps } from '../../../../../electron/main/ipc/handlers/auth';
import type { OfficerSignIn, SignedInOfficer } from '../../../../../electron/services/auth/officer';
import { SignInRequiredError } from '../../../../../electron/services/errors';
import { authChannels, officerViewSchema } from '../../../../../shared/ipc/channels/auth';
import { CHECKED_PERMISSIONS } from '../../../../../shared/officer-permissions';
import { AGENT_C, FakeOfficerSession, OFFICER_A, OFFICER_B } from '../../../../fakes/officer-session';

const SANDBOX = { gateway: 'http://127.0.0.1:4010' };
const AUTHORIZE_URL = 'http://127.0.0.1:4010/oauth/authorize?response_type=code&client_id=c&state=s&code_challenge=x&code_challenge_method=S256';

/** The sign-in as KeychainOfficerSession runs it, minus the network: hands out the URL, then waits for "the redirect". */
class ScriptedSignIn implements OfficerSignIn {
  readonly session = new FakeOfficerSession(null);
  authorizeUrl = AUTHORIZE_URL;
  private redirect: ((officer: SignedInOfficer) => void) | null = null;

  async signIn({ onAuthorizeUrl, signal }: Parameters<OfficerSignIn['signIn']>[0]): Promise<SignedInOfficer> {
    const arrived = new Promise<SignedInOfficer>((resolve, reject) => {
      this.redirect = resolve;
      signal?.addEventListener('abort', () => reject(new SignInRequiredError('Sign-in was cancelled; nobody was signed in.')), { once: true });
    });
    await onAuthorizeUrl(this.authorizeUrl);
    const officer = await arrived;
    this.session.signIn(officer);
    return officer;
  }

  async signOut() {
    const officer = await this.session.current();
    this.session.signOut();
    return { officer, revoked: officer !== null };
  }

  /** The browser reached the loopback listener with a good code: `officer` signed in. */
  async redirectAs(officer: SignedInOfficer): Promise<void> {
    await expect.poll(() => this.redirect).not.toBeNull();
    this.redirect!(officer);
    this.redirect = null;
  }
}

function setup(overrides: Partial<AuthHandlerDeps> = {}) {
  const signIn = new ScriptedSignIn();
  const opened: Array<string> = [];
  const lifetime = new AbortController();
  const handlers = authHandlers({
    officer: signIn.session,
    officerSignIn: signIn,
    genesys: SANDBOX,
    openSignInPage: async (url) => {
      opened.push(url);
    },
    hostLifetime: lifetime.signal,
    ...overrides,
  });
  return { signIn, opened, lifetime, handlers };
}

describe('auth IPC handlers', () => {
  it('say nobody is signed in, then who is: names, the permissions Custody checks, the expiry, and nothing else', async () => {
    const { handlers, signIn } = setup();
    expect(await handlers['auth:current']({})).toEqual({ officer: null });

    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    signIn.session.signIn({ ...OFFICER_A, accessExpiresAt: expiresAt });
    const { officer } = await handlers['auth:current']({});
    expect(officer).toEqual({
      genesysUserId: OFFICER_A.genesysUserId,
      name: 'Olivia Adler',
      email: 'officer.a@sandbox.custody.test',
      permissions: CHECKED_PERMISSIONS.map((permission) => ({ permission, granted: true })),
      signedInAt: OFFICER_A.signedInAt,
      accessExpiresAt: expiresAt,
    });
    // The strict contract is what main checks responses against: a token field would be refused.
    expect(authChannels['auth:current'].response.parse({ officer })).toEqual({ officer });
    expect(() => officerViewSchema.parse({ ...officer, accessToken: 'x' })).toThrow();
  });

  it('name each permission Genesys did not grant, and honour its wildcards', async () => {
    const { handlers, signIn } = setup();
    signIn.session.signIn(AGENT_C);
    const agent = (await handlers['auth:current']({})).officer!;
    expect(agent.permissions.every((p) => !p.granted)).toBe(true);

    signIn.session.signIn({ ...OFFICER_B, permissions: ['recording:recording:*'] });
    const granted = (await handlers['auth:current']({})).officer!.permissions.filter((p) => p.granted).map((p) => p.permission);
    expect(granted).toEqual(['recording:recording:download', 'recording:recording:view']);
  });

  it('open the profile’s Genesys login page, and answer with the officer once the redirect arrived', async () => {
    const { handlers, signIn, opened } = setup();
    const answer = handlers['auth:signIn']({});
    await signIn.redirectAs(OFFICER_B);
    expect(await answer).toMatchObject({ officer: { name: 'Oscar Brandt', genesysUserId: OFFICER_B.genesysUserId } });
    expect(opened).toEqual([AUTHORIZE_URL]);
    expect((await handlers['auth:current']({})).officer?.name).toBe('Oscar Brandt');
  });

  it.each([
    ['another host', 'https://evil.example/oauth/authorize?state=s'],
    ['another port of the same host', 'http://127.0.0.1:4011/oauth/authorize'],
    ['a file', 'file:///etc/passwd'],
    ['a javascript: URL', 'javascript:alert(1)'],
    ['user info in the URL', 'http://officer:pw@127.0.0.1:4010/oauth/authorize'],
  ])('never hand a browser %s', async (_what, url) => {
    const { handlers, signIn, opened } = setup();
    signIn.authorizeUrl = url;
    await expect(handlers['auth:signIn']({})).rejects.toMatchObject({ code: 'SIGNIN_REQUIRED', message: expect.stringContaining('nobody was signed in') });
    expect(opened).toEqual([]);
    expect(await handlers['auth:current']({})).toEqual({ officer: null });
  });

  it('say so when no browser could be opened, and nobody is signed in', async () => {
    const { handlers } = setup({
      openSignInPage: async () => {
        throw new Error('xdg-open: not found');
      },
    });
    await expect(handlers['auth:signIn']({})).rejects.toMatchObject({ code: 'SIGNIN_REQUIRED', message: 'No browser could be opened for the Genesys Cloud sign-in; nobody was signed in.' });
    expect(await handlers['auth:current']({})).toEqual({ officer: null });
  });

  it('cancel a sign-in still waiting for the browser, and say when there was none', async () => {
    const { handlers, opened } = setup();
    expect(await handlers['auth:cancelSignIn']({})).toEqual({ cancelled: false });
    const answer = handlers['auth:signIn']({});
    await expect.poll(() => opened.length).toBe(1);
    expect(await handlers['auth:cancelSignIn']({})).toEqual({ cancelled: true });
    await expect(answer).rejects.toMatchObject({ code: 'SIGNIN_REQUIRED', message: expect.stringContaining('cancelled') });
    expect(await handlers['auth:current']({})).toEqual({ officer: null });
    expect(await handlers['auth:cancelSignIn']({})).toEqual({ cancelled: false });
  });

  it('end the waiting sign-in when a new one starts, or when the window host goes away', async () => {
    const { handlers, signIn, opened, lifetime } = setup();
    const first = handlers['auth:signIn']({});
    await expect.poll(() => opened.length).toBe(1);
    const second = handlers['auth:signIn']({});
    await expect(first).rejects.toMatchObject({ code: 'SIGNIN_REQUIRED' });
    await signIn.redirectAs(OFFICER_A);
    expect((await second).officer.name).toBe('Olivia Adler');

    const third = handlers['auth:signIn']({});
    await expect.poll(() => opened.length).toBe(3);
    lifetime.abort();
    await expect(third).rejects.toMatchObject({ code: 'SIGNIN_REQUIRED' });
  });

  it('sign out, saying whether Genesys revoked the token', async () => {
    const { handlers, signIn } = setup();
    signIn.session.signIn(OFFICER_A);
    expect(await handlers['auth:signOut']({})).toEqual({ revoked: true });
    expect(await handlers['auth:current']({})).toEqual({ officer: null });
  });

  it('refuse sign-in and sign-out where the host has no sign-in of its own', async () => {
    const { handlers } = setup({ officerSignIn: null });
    await expect(handlers['auth:signIn']({})).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(handlers['auth:signOut']({})).rejects.toMatchObject({ code: 'VALIDATION' });
  });
});

describe('isSignInPageUrl', () => {
  it('accepts only http(s) pages on the login host of the profile’s org', () => {
    const region = { region: 'mypurecloud.ie' };
    expect(isSignInPageUrl('https://login.mypurecloud.ie/oauth/authorize?client_id=c', region)).toBe(true);
    expect(isSignInPageUrl('https://api.mypurecloud.ie/oauth/authorize', region)).toBe(false);
    expect(isSignInPageUrl('http://login.mypurecloud.ie/oauth/authorize', region)).toBe(false);
    expect(isSignInPageUrl('https://login.mypurecloud.ie.evil.example/oauth/authorize', region)).toBe(false);
    expect(isSignInPageUrl('not a url', region)).toBe(false);
    expect(isSignInPageUrl('http://127.0.0.1:4010/oauth/authorize', SANDBOX)).toBe(true);
  });
});

describe('officer changes to the renderer', () => {
  it('push who signed in as a view, and null when she signed out, until unsubscribed', () => {
    const session = new FakeOfficerSession(null);
    const sent: Array<[string, unknown]> = [];
    const stop = forwardOfficerChanges(session, createEmitter(() => [{ isDestroyed: () => false, send: (channel, payload) => sent.push([channel, payload]) }]));
    session.signIn(OFFICER_A);
    session.signOut();
    stop();
    session.signIn(OFFICER_B);
    expect(sent.map(([channel]) => channel)).toEqual(['auth:changed', 'auth:changed']);
    expect(sent[0]![1]).toMatchObject({ officer: { name: 'Olivia Adler', email: OFFICER_A.email } });
    expect(sent[1]![1]).toEqual({ officer: null });
    expect(JSON.stringify(sent)).not.toContain('token');
  });
});
