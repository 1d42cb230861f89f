import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { sha256Hex } from '../../../electron/crypto/sha256';
import { migrate } from '../../../electron/db/migrate';
import { createIndexRepository } from '../../../electron/db/repositories/index-repository';
import { composeEngine } from '../../../electron/services/composition/compose-engine';
import { profilePaths } from '../../../electron/services/config/profile';
import { startHarness, uniqueTradingCall, type Harness } from '../../helpers/engine-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({ worm: inject('worm').connection });
});
afterAll(async () => h?.close());

async function filesUnder(dir: string): Promise<Array<string>> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** The index as Custody wrote it before encryption at rest (the old openDatabaseSync: no key). */
function openPlainIndexTheOldWay(file: string): Database.Database {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return db;
}

describe('encrypted at rest on the workstation', () => {
  it('a stolen disk discloses no client account number from the index and no audio from the cache', async () => {
    const { engine, session } = h.composed;
    const call = uniqueTradingCall(h.sandbox);
    const account = call.conversation.clientAccount!;
    expect(account).toBeTruthy();
    const found = await engine.search({ tradingId: call.tradingId }, { caseReference: null });
    expect(found.matches[0]).toMatchObject({ clientAccount: account });
    session.setCaseReference('FCA-2026-0042');
    const grant = await engine.authorizePlayback(call.recording.id, session.caseReference);
    await engine.waveform(call.recording.id, 100);
    await h.composed.close();

    const dataDir = h.composed.paths.dataDir;
    const index = (await filesUnder(dataDir)).filter((f) => f.includes('index.sqlite'));
    const media = await filesUnder(join(dataDir, 'media'));
    expect(index.some((f) => f.endsWith('index.sqlite'))).toBe(true);
    expect(media.filter((f) => f.endsWith('.wav'))).toHaveLength(1);
    expect(media.filter((f) => f.endsWith('.wav.analysis'))).toHaveLength(1);
    for (const file of index) {
      const bytes = await readFile(file);
      expect(bytes.includes(account), `${file} holds the client account in clear`).toBe(false);
      expect(bytes.includes(call.tradingId), `${file} holds the trading id in clear`).toBe(false);
      expect(bytes.includes('SQLite format 3'), `${file} is a plain SQLite file`).toBe(false);
    }
    for (const file of media) {
      const bytes = await readFile(file);
      expect(bytes.includes('RIFF'), `${file} holds a WAV header in clear`).toBe(false);
      expect(bytes.includes(grant.sha256!), `${file} holds the analysis in clear`).toBe(false);
    }
    // The keys are in the keychain, not beside the data.
    for (const kind of ['index-key', 'cache-key']) {
      const stored = JSON.parse((await h.secrets.get(`${h.profile}/${kind}`))!) as { key: string };
      expect(stored.key).toMatch(/^[0-9a-f]{64}$/);
      for (const file of await filesUnder(h.root)) expect((await readFile(file)).toString('latin1').includes(stored.key), `${kind} appears in ${file}`).toBe(false);
    }
  });

  it('an index key that does not open the index fails with a clear error, and the index is left as it was', async () => {
    const account = `${h.profile}/index-key`;
    const rightKey = (await h.secrets.get(account))!;
    const indexFile = join(h.composed.paths.dataDir, 'index.sqlite');
    const before = sha256Hex(await readFile(indexFile));
    await h.secrets.set(account, JSON.stringify({ key: randomBytes(32).toString('hex') }));
    try {
      await expect(composeEngine({ profile: h.profile, env: h.env, secrets: h.secrets, mediaUrlBase: 'media://recording/' })).rejects.toThrow(
        /does not open with this profile's index key from the OS keychain/,
      );
    } finally {
      await h.secrets.set(account, rightKey);
    }
    expect(sha256Hex(await readFile(indexFile))).toBe(before);
    const reopened = await composeEngine({ profile: h.profile, env: h.env, secrets: h.secrets, mediaUrlBase: 'media://recording/' });
    await reopened.close();
  });

  it('encrypts an index written by an older Custody in place at open, its WAL included', async () => {
    const profile = `${h.profile}-upgrade`;
    const dataDir = profilePaths(profile, h.env).dataDir;
    const staging = join(h.root, 'old-custody');
    await mkdir(dataDir, { recursive: true });
    await mkdir(staging, { recursive: true });
    const plain = openPlainIndexTheOldWay(join(staging, 'index.sqlite'));
    await createIndexRepository(plain).upsertConversations(
      [{ id: 'conv-old', startMs: Date.now() - 3_600_000, endMs: Date.now(), direction: 'inbound', queueId: 'q', queueName: 'FX Spot Desk', agentId: 'a', agentName: 'Old Agent', tradingId: 'T-OLD-1', clientAccount: 'ACC-PLAINTEXT-4711', participants: [], hasRecording: true }],
      Date.now(),
    );
    // As an older Custody killed mid-run leaves it: the newest rows only in the -wal file.
    for (const name of ['index.sqlite', 'index.sqlite-wal']) await copyFile(join(staging, name), join(dataDir, name));
    plain.close();
    expect((await readFile(join(dataDir, 'index.sqlite-wal'))).includes('ACC-PLAINTEXT-4711')).toBe(true);

    const composed = await composeEngine({ profile, env: h.env, secrets: h.secrets, mediaUrlBase: 'media://recording/' });
    try {
      const [match] = await createIndexRepository(composed.db).search({ clientAccount: 'ACC-PLAINTEXT-4711' }, 10);
      expect(match).toMatchObject({ conversationId: 'conv-old', tradingId: 'T-OLD-1', clientAccount: 'ACC-PLAINTEXT-4711' });
    } finally {
      await composed.close();
      for (const kind of ['index-key', 'cache-key']) await h.secrets.delete(`${profile}/${kind}`);
    }
    const left = (await readdir(dataDir)).filter((f) => f.startsWith('index.sqlite'));
    expect(left).toContain('index.sqlite');
    expect(left.filter((f) => f.includes('encrypting'))).toEqual([]);
    for (const file of left) {
      const bytes = await readFile(join(dataDir, file));
      expect(bytes.includes('ACC-PLAINTEXT-4711'), file).toBe(false);
      expect(bytes.includes('SQLite format 3'), file).toBe(false);
    }
  });
});
