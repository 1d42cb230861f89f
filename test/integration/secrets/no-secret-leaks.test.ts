import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openDatabaseSync } from '../../../electron/db/connection';
import { hostEngine } from '../../../electron/main/app-host';
import type { IpcInvokeEventLike, IpcMainLike } from '../../../electron/main/ipc/server';
import { APP_ORIGIN } from '../../../electron/main/security';
import type { Envelope } from '../../../shared/ipc/contract';
import { SANDBOX_CLIENT } from '../../sandbox/server';
import { startHarness, uniqueTradingCall, type Harness } from '../../helpers/engine-harness';
import { completeBrowserSignIn, OFFICER_B_LOGIN } from '../../helpers/officer-signin';

let h: Harness;
afterAll(async () => h?.close());

/**
 * Every row of every table of the encrypted index, as text: a virtual table through its shadow tables (a
 * contentless one cannot be scanned), and the audit bundles the mirror keeps deflated, inflated.
 */
function decryptedIndex(file: string, key: Buffer): string {
  const db = openDatabaseSync(file, key);
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'").all() as Array<{ name: string }>;
    const rows = tables.flatMap(({ name }) => db.prepare(`SELECT * FROM "${name}"`).all() as Array<Record<string, unknown>>);
    const bundles = (db.prepare('SELECT entries FROM audit_event_bundles').pluck().all() as Array<Buffer>).map((packed) => inflateRawSync(packed).toString('latin1'));
    expect(tables.map((t) => t.name)).toContain('audit_event_terms_data');
    return [...rows.map((row) => Object.values(row).map((v) => (Buffer.isBuffer(v) ? v.toString('latin1') : String(v))).join('\t')), ...bundles].join('\n');
  } finally {
    db.close();
  }
}

async function allFiles(dir: string): Promise<Array<string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('secrets', () => {
  it('never reach SQLite, the logs, the profile or anything sent to the renderer', async () => {
    h = await startHarness({ worm: inject('worm').connection, sandbox: { tokenTtlSeconds: 300 } });
    const handlers = new Map<string, (e: IpcInvokeEventLike, r: unknown) => Promise<Envelope>>();
    const ipc: IpcMainLike = { handle: (c, l) => handlers.set(c, l), removeHandler: (c) => handlers.delete(c) };
    const sent: Array<string> = [];
    const host = hostEngine(h.composed, {
      ipc,
      emit: (channel, payload) => sent.push(JSON.stringify({ channel, payload })),
      trustedOrigin: APP_ORIGIN,
      rendererDir: h.root,
      validateResponses: true,
      // The app's sign-in, with "the browser" posting officer B's credentials to the sandbox's login form.
      openSignInPage: async (url) => {
        await completeBrowserSignIn(url, OFFICER_B_LOGIN);
      },
    });
    const invoke = async (channel: string, request: unknown) => {
      const envelope = await handlers.get(channel)!({ senderFrame: { url: `${APP_ORIGIN}/index.html`, isTopFrame: true } }, request);
      sent.push(JSON.stringify(envelope));
      return envelope;
    };

    // A whole session as the renderer drives it, including token expiry and refusals.
    const call = uniqueTradingCall(h.sandbox);
    await invoke('session:get', {});
    await invoke('recordings:search', { tradingId: call.tradingId });
    // The app answers from the index at once and reads the missing history behind the answer; searched
    // again, the call is there with its recordings listed.
    await h.composed.engine.backgroundIdle();
    await invoke('recordings:search', { tradingId: call.tradingId });
    await invoke('session:setCaseReference', { caseReference: 'FCA-2026-0042' });
    await invoke('recordings:get', { recordingId: call.recording.id });
    const play = (await invoke('recordings:authorizePlayback', { recordingId: call.recording.id })) as { ok: true; value: { mediaUrl: string } };
    expect(play, JSON.stringify(play)).toMatchObject({ ok: true });
    const media = await host.mediaHandler(new Request(play.value.mediaUrl, { headers: { range: 'bytes=0-99' } }));
    sent.push(JSON.stringify([...media.headers]));
    await invoke('recordings:getWaveform', { recordingId: call.recording.id, buckets: 100 });
    // Sign-in through the app's IPC (before the client is revoked below): names and expiry cross, never a token.
    const signedIn = await invoke('auth:signIn', {});
    expect(signedIn).toMatchObject({ ok: true, value: { officer: { name: 'Oscar Brandt' } } });
    await invoke('auth:current', {});
    h.sandbox.expireAllTokens();
    await invoke('recordings:search', { queue: 'FX' });
    h.sandbox.revokeClient(SANDBOX_CLIENT.clientId);
    h.sandbox.expireAllTokens();
    // Answered from the index at once; the history read behind it meets the revoked sign-in, which ends it.
    await invoke('recordings:search', { queue: 'Rates' });
    await h.composed.engine.backgroundIdle();
    const refusedSearch = await invoke('recordings:search', { queue: 'Rates' });
    const other = h.sandbox.dataset.recordings.find((r) => r.fileState === 'AVAILABLE' && r.conversationId !== call.conversation.id)!;
    await invoke('recordings:authorizePlayback', { recordingId: other.id });
    await invoke('log:write', { level: 'info', message: 'renderer says hello' });
    await invoke('auth:signOut', {});
    host.dispose();
    await h.composed.close();

    expect(sent.some((s) => s.includes('index:syncStatus'))).toBe(true);
    expect(sent.some((s) => s.includes('auth:changed') && s.includes('Oscar Brandt'))).toBe(true);
    const tokens = h.sandbox.issuedTokens();
    expect(tokens.length).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(refusedSearch)).toMatch(/SIGNIN_REQUIRED/);
    // The index and cache keys are secrets too; the index is searched decrypted, as whoever holds its key reads it.
    const atRestKeys = await Promise.all(['index-key', 'cache-key'].map(async (kind) => (JSON.parse((await h.secrets.get(`${h.profile}/${kind}`))!) as { key: string }).key));
    // Officer A signed in through the sandbox's login page: her authorization code and refresh tokens are secrets too.
    const codes = h.sandbox.issuedAuthorizationCodes();
    expect(codes.length).toBeGreaterThanOrEqual(1);
    const secrets = [SANDBOX_CLIENT.clientSecret, h.worm.secretAccessKey, ...tokens, ...codes, ...atRestKeys];

    const dataFiles = await allFiles(join(h.root, 'data'));
    const configFiles = await allFiles(join(h.root, 'config'));
    expect(dataFiles.some((f) => f.endsWith('index.sqlite'))).toBe(true);
    expect(dataFiles.some((f) => f.includes('logs'))).toBe(true);
    const haystacks: Array<[string, string]> = [
      ...(await Promise.all(
        [...dataFiles, ...configFiles].filter((f) => !f.includes(`${join('data', h.profile, 'media')}`)).map(async (f) => [f, (await readFile(f)).toString('latin1')] as [string, string]),
      )),
      ['sent to the renderer', sent.join('\n')],
      ['the decrypted index', decryptedIndex(join(h.root, 'data', h.profile, 'index.sqlite'), Buffer.from(atRestKeys[0]!, 'hex'))],
    ];
    for (const [where, text] of haystacks) {
      for (const secret of secrets) expect(text.includes(secret), `a secret appears in ${where}`).toBe(false);
    }
    const log = haystacks.find(([f]) => f.endsWith('custody.log'))![1];
    expect(log).toContain('access token issued');
  });
});
