import { describe, expect, it } from 'vitest';
import { TokenManager, TokenRejectedError, type IssuedToken } from '../../../../../electron/services/auth/token-manager';
import { AuthError } from '../../../../../electron/services/errors';
import { FakeClock, flushMicrotasks } from '../../../../helpers/fake-clock';
import { recordingLogger } from '../../../../helpers/fakes';

function setup(lifetimeMs = 60_000) {
  const clock = new FakeClock();
  let issued = 0;
  const gates: Array<() => void> = [];
  let holdLogins = false;
  const login = async (): Promise<IssuedToken> => {
    if (holdLogins) await new Promise<void>((resolve) => gates.push(resolve));
    issued += 1;
    return { accessToken: `token-${issued}`, expiresInMs: lifetimeMs };
  };
  const seen: Array<string> = [];
  const manager = new TokenManager({ login, clock, logger: recordingLogger(), onToken: (t) => seen.push(t) });
  return {
    clock,
    manager,
    seen,
    logins: () => issued,
    hold: () => (holdLogins = true),
    release: () => {
      holdLogins = false;
      gates.splice(0).forEach((g) => g());
    },
  };
}

describe('TokenManager', () => {
  it('logs in once for concurrent callers (single flight)', async () => {
    const t = setup();
    t.hold();
    const calls = Promise.all([t.manager.getToken(), t.manager.getToken(), t.manager.getToken()]);
    await flushMicrotasks();
    t.release();
    expect(await calls).toEqual(['token-1', 'token-1', 'token-1']);
    expect(t.logins()).toBe(1);
    expect(t.seen).toEqual(['token-1']);
  });

  it('refreshes ahead of expiry in the background while the old token still serves', async () => {
    const t = setup(60_000);
    expect(await t.manager.getToken()).toBe('token-1');
    await t.clock.advance(47_000);
    expect(await t.manager.getToken()).toBe('token-1');
    expect(t.logins()).toBe(1);
    await t.clock.advance(2_000); // 49 s: past 80% of the 60 s life
    expect(await t.manager.getToken()).toBe('token-1');
    await flushMicrotasks();
    expect(t.logins()).toBe(2);
    expect(await t.manager.getToken()).toBe('token-2');
  });

  it('never hands out an expired token: past expiry the caller waits for a new login', async () => {
    const t = setup(60_000);
    await t.manager.getToken();
    await t.clock.advance(61_000);
    expect(await t.manager.getToken()).toBe('token-2');
    expect(t.logins()).toBe(2);
  });

  it('replays a call once after a 401 with a fresh token', async () => {
    const t = setup();
    const used: Array<string> = [];
    const result = await t.manager.withToken(async (token) => {
      used.push(token);
      if (used.length === 1) throw new TokenRejectedError('GET /api/v2/x');
      return 'ok';
    });
    expect(result).toBe('ok');
    expect(used).toEqual(['token-1', 'token-2']);
  });

  it('gives up with an AuthError when the fresh token is rejected too', async () => {
    const t = setup();
    const attempt = t.manager.withToken(async () => {
      throw new TokenRejectedError('GET /api/v2/x');
    });
    await expect(attempt).rejects.toBeInstanceOf(AuthError);
    expect(t.logins()).toBe(2);
  });

  it('refuses a login answer without a token', async () => {
    const clock = new FakeClock();
    const manager = new TokenManager({
      login: async () => ({ accessToken: '', expiresInMs: 1000 }),
      clock,
      logger: recordingLogger(),
    });
    await expect(manager.getToken()).rejects.toMatchObject({ code: 'AUTH_REFRESH_FAILED' });
  });
});
