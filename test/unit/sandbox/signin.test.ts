import { describe, expect, it } from 'vitest';
import { missingPermissions, officerActions } from '../../../shared/officer-permissions';
import { AGENT_C, OFFICER_A, OFFICER_B } from '../../fakes/officer-session';
import { TokenStore } from '../../sandbox/auth';
import { defaultAnchor, generateDataset } from '../../sandbox/dataset';
import { analyticsRoutes } from '../../sandbox/handlers/analytics';
import { conversationRoutes } from '../../sandbox/handlers/conversations';
import { directoryRoutes } from '../../sandbox/handlers/directory';
import { recordingRoutes } from '../../sandbox/handlers/recordings';
import { escapeHtml, loginForm } from '../../sandbox/login-page';
import { MediaSigner } from '../../sandbox/media-signer';
import { loggablePath } from '../../sandbox/pipeline';
import type { SandboxContext } from '../../sandbox/routes';
import { loopbackRedirect, s256 } from '../../sandbox/signin';
import { SandboxUsers, signInUsers, TRADER_PASSWORD } from '../../sandbox/users';
import { SandboxWorld } from '../../sandbox/world';

const dataset = generateDataset({ seed: 1, anchor: defaultAnchor(), days: 5, conversations: 10 });
const users = signInUsers(dataset);
const byEmail = (email: string) => users.find((u) => u.email === email)!;

describe('sandbox sign-in users', () => {
  it('are the fake officer session’s officers, with the same ids, names and emails', () => {
    for (const officer of [OFFICER_A, OFFICER_B, AGENT_C]) {
      expect(byEmail(officer.email)).toMatchObject({ id: officer.genesysUserId, name: officer.name, email: officer.email });
    }
    expect(users.map((u) => u.id)).toEqual([OFFICER_A.genesysUserId, OFFICER_B.genesysUserId, AGENT_C.genesysUserId, ...dataset.agents.map((a) => a.id)]);
  });

  it('give officers every permission Custody checks, the agent no recording permission, the traders view and download', () => {
    for (const action of officerActions) {
      expect(missingPermissions(byEmail(OFFICER_A.email).permissions, action)).toEqual([]);
      expect(missingPermissions(byEmail(OFFICER_B.email).permissions, action)).toEqual([]);
    }
    expect(byEmail(AGENT_C.email).permissions.filter((p) => p.startsWith('recording:'))).toEqual([]);
    expect(missingPermissions(byEmail(AGENT_C.email).permissions, 'play')).toEqual(['recording:recording:view']);
    const trader = byEmail(dataset.agents[0]!.email);
    expect(trader).toMatchObject({ id: dataset.agents[0]!.id, password: TRADER_PASSWORD });
    expect(missingPermissions(trader.permissions, 'download')).toEqual([]);
    expect(missingPermissions(trader.permissions, 'hold')).toEqual(['recording:deletionProtection:apply']);
  });

  it('let an officer call every sandbox endpoint', () => {
    const ctx: SandboxContext = {
      dataset,
      world: new SandboxWorld(dataset, 1000, Date.now),
      settings: { playbackUrlTtlMinutes: 60, batchUrlTtlMinutes: 60, jobDelayMs: 0, batchDelayMs: 0, detailsQueryMaxDays: 7, attributeSearchRetentionDays: 30, dataLakeLagMs: 0, deletionProtectionCap: 10 },
      signer: new MediaSigner(),
      now: Date.now,
      origin: () => 'http://127.0.0.1:1',
    };
    const granted = byEmail(OFFICER_A.email).permissions;
    for (const route of [...directoryRoutes(ctx), ...analyticsRoutes(ctx), ...conversationRoutes(ctx), ...recordingRoutes(ctx)]) {
      if (route.permissions.length > 0) expect(route.permissions.some((p) => granted.includes(p)), `${route.method} ${route.template}`).toBe(true);
    }
  });

  it('sign in case-insensitively by email; a wrong password, an unknown user and a revoked user are refused', () => {
    const directory = new SandboxUsers(users);
    expect(directory.signIn(' Officer.A@Sandbox.Custody.Test ', 'sandbox-officer-a')).toMatchObject({ ok: true, user: { id: OFFICER_A.genesysUserId } });
    expect(directory.signIn(OFFICER_A.email, 'sandbox-officer-b')).toEqual({ ok: false, reason: 'bad-credentials' });
    expect(directory.signIn('nobody@sandbox.custody.test', 'sandbox-officer-a')).toEqual({ ok: false, reason: 'bad-credentials' });
    directory.revoke(OFFICER_A.genesysUserId);
    expect(directory.signIn(OFFICER_A.email, 'sandbox-officer-a')).toEqual({ ok: false, reason: 'revoked' });
    expect(directory.signIn(OFFICER_A.email, 'wrong')).toEqual({ ok: false, reason: 'bad-credentials' });
    directory.restore(OFFICER_A.genesysUserId);
    expect(directory.signIn(OFFICER_A.email, 'sandbox-officer-a').ok).toBe(true);
  });
});

describe('loopbackRedirect (RFC 8252 section 7.3)', () => {
  it('accepts http on 127.0.0.1 or localhost with an explicit port, and nothing else', () => {
    for (const ok of ['http://127.0.0.1:53682/callback', 'http://localhost:8080/', 'http://127.0.0.1:1', 'http://LOCALHOST:9/cb?x=1']) expect(loopbackRedirect(ok), ok).not.toBeNull();
    const refused = [
      null,
      '',
      'https://127.0.0.1:8080/cb',
      'http://127.0.0.1/cb',
      'http://127.0.0.1:80/cb', // the URL parser drops a default port: no explicit port is left
      'http://[::1]:8080/cb',
      'http://127.0.0.2:8080/cb',
      'http://localhost.evil.example:8080/cb',
      'http://evil.example:8080/http://127.0.0.1:1/',
      'http://u:p@127.0.0.1:8080/cb',
      'http://127.0.0.1:8080/cb#frag',
      'custody://callback',
      'not a url',
    ];
    for (const bad of refused) expect(loopbackRedirect(bad), String(bad)).toBeNull();
  });
});

describe('sign-in secrets stay out of the request log', () => {
  it('redacts codes, verifiers, tokens and credentials in the logged query, keeps the rest', () => {
    const query = new URLSearchParams({ code: 'secret-code', state: 'st', code_verifier: 'v', refresh_token: 'r', access_token: 'a', client_secret: 's', password: 'p', username: 'u', pageSize: '5' });
    const shown = loggablePath('/oauth/authorize', query);
    for (const secret of ['secret-code', '=v&', '=r&', '=a&', '=s&', '=p&', '=u&']) expect(shown).not.toContain(secret);
    expect(shown).toContain('state=st');
    expect(shown).toContain('pageSize=5');
    expect(shown).toContain('code=%3Credacted%3E');
    expect(loggablePath('/media/abc.def', new URLSearchParams())).toBe('/media/<signed>');
    expect(loggablePath('/api/v2/users/me', new URLSearchParams())).toBe('/api/v2/users/me');
  });
});

describe('login page', () => {
  it('escapes everything it echoes', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe('&#60;a href=&#34;x&#34; onclick=&#39;y&#39;&#62;&#38;&#60;/a&#62;');
    const page = loginForm({ action: '/oauth/authorize?state="><script>', organization: '<Org>', username: '"><img src=x>', error: '<b>no</b>' }).html;
    expect(page).not.toMatch(/<script>|<img|<b>|<Org>/);
  });
});

describe('TokenStore user tokens', () => {
  it('revokes one sign-in, one user, or expires a user’s access tokens only', () => {
    let now = 1_000_000;
    const store = new TokenStore([{ clientId: 'c', clientSecret: 's' }], 60, null, () => now, 120);
    const a1 = store.issue('c', { userId: 'a', grantId: 'g1' });
    const a1r = store.issueRefreshToken('c', { userId: 'a', grantId: 'g1' });
    const a2 = store.issue('c', { userId: 'a', grantId: 'g2' });
    const b = store.issue('c', { userId: 'b', grantId: 'g3' });
    const service = store.issue('c');
    store.revokeGrant('g1');
    expect(store.lookup(a1.token).ok).toBe(false);
    expect(store.redeemRefreshToken(a1r)).toBeNull();
    expect(store.lookup(a2.token).ok).toBe(true);
    store.expireUser('a');
    expect(store.lookup(a2.token)).toEqual({ ok: false, reason: 'expired' });
    const a3r = store.issueRefreshToken('c', { userId: 'a', grantId: 'g2' });
    expect(store.redeemRefreshToken(a3r)).toMatchObject({ userId: 'a', grantId: 'g2' });
    expect(store.redeemRefreshToken(a3r)).toBeNull();
    store.revokeUser('b');
    expect(store.lookup(b.token).ok).toBe(false);
    expect(store.lookup(service.token).ok).toBe(true);
    const late = store.issueRefreshToken('c', { userId: 'a', grantId: 'g4' });
    now += 121_000;
    expect(store.redeemRefreshToken(late)).toBeNull();
  });

  it('computes the S256 challenge of RFC 7636 appendix B', () => {
    expect(s256('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });
});
