import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import { createKeyringSecretStore } from '../../electron/services/auth/adapters/keyring-secret-store';
import type { AtRestKeyKind } from '../../electron/services/auth/credentials';
import { composeProfileSettings } from '../../electron/services/composition/compose-settings';
import { composeEngine, type ComposedEngine } from '../../electron/services/composition/compose-engine';
import type { Profile } from '../../electron/services/config/profile';
import type { LockMode } from '../../electron/services/worm/locked-objects';
import type { SecretStore } from '../../electron/services/ports';
import { createWormS3Client, type WormConnection } from '../../electron/services/worm/s3-client';
import { SANDBOX_CLIENT, startSandbox, type Sandbox, type SandboxOptions } from '../sandbox/server';
import { OFFICER_A_LOGIN, signInOfficer, type SandboxUser } from './officer-signin';
import { createTestBucket } from './worm';

export type Harness = {
  sandbox: Sandbox;
  composed: ComposedEngine;
  profile: string;
  env: NodeJS.ProcessEnv;
  root: string;
  s3: S3Client;
  bucket: string;
  /** The profile's WORM archive bucket (Object Lock, default retention 1 day). */
  archiveBucket: string;
  worm: WormConnection;
  /** The keychain entries of this profile (a private service name, never the app's own). */
  secrets: SecretStore;
  close(): Promise<void>;
};

/** The keychain entries of the index's and the media cache's keys, created by the first compose. */
const AT_REST_KEYS: ReadonlyArray<AtRestKeyKind> = ['index-key', 'cache-key'];

/**
 * Copies the harness's index and cache keys to another keychain service (the CLI's own, 'custody'),
 * so a `custody` process opens the same encrypted index and cache; returns what removes them again.
 */
export async function shareAtRestKeys(h: Pick<Harness, 'profile' | 'secrets'>, to: SecretStore): Promise<() => Promise<void>> {
  for (const kind of AT_REST_KEYS) await to.set(`${h.profile}/${kind}`, (await h.secrets.get(`${h.profile}/${kind}`))!);
  return async () => {
    for (const kind of AT_REST_KEYS) await to.delete(`${h.profile}/${kind}`);
  };
}

/** A fixed "now" for the seeded data, so tests can compute what the sandbox holds. */
export const TEST_ANCHOR = new Date(Date.now() - 60_000);

/**
 * The whole engine on real parts: the Genesys sandbox reached through the official SDK, a real
 * radosgw bucket with Object Lock, the real OS keychain (a private Secret Service), a real SQLite
 * file, all in a private profile under a temporary directory.
 */
export async function startHarness(options: {
  worm: WormConnection;
  sandbox?: SandboxOptions;
  mediaUrlBase?: string;
  auditRetentionMs?: number;
  /** GOVERNANCE only for tests that must delete or replace audit objects (tampering). */
  auditMode?: LockMode;
  /** The archive bucket's default retention mode; GOVERNANCE only for tests that must shorten a recording's retention. */
  archiveMode?: LockMode;
  /** Further profile settings (e.g. the audit section's checkpoint policy and alert rules). */
  profile?: (p: Profile) => Profile;
  /** Who is signed in when the engine starts (a real PKCE sign-in through the sandbox); null: nobody. Default: officer A. */
  officer?: SandboxUser | null;
  /**
   * A second workstation of the same firm: its own profile, log id and signing key, on the other
   * harness's buckets and sandbox (which it neither creates nor closes).
   */
  sameStoreAs?: Harness;
  /** Whether the profile holds the Genesys service account's credentials; default true. */
  serviceAccount?: boolean;
}): Promise<Harness> {
  const root = await mkdtemp(join(tmpdir(), 'custody-it-'));
  const env = { ...process.env, CUSTODY_CONFIG_DIR: join(root, 'config'), CUSTODY_DATA_DIR: join(root, 'data') };
  const profile = `it-${randomBytes(4).toString('hex')}`;
  const shared = options.sameStoreAs;
  const sandbox = shared?.sandbox ?? (await startSandbox({ anchor: TEST_ANCHOR, audioEngine: 'tones', ...options.sandbox }));
  const s3 = createWormS3Client(options.worm);
  const mode = options.auditMode ?? 'COMPLIANCE';
  const bucket = shared?.bucket ?? (await createTestBucket(s3, 'audit', { mode, defaultRetentionDays: 1 }));
  const archiveBucket = shared?.archiveBucket ?? (await createTestBucket(s3, 'archive', { mode: options.archiveMode ?? 'COMPLIANCE', defaultRetentionDays: 1 }));
  const secrets = createKeyringSecretStore('custody-test');
  const settings = composeProfileSettings({ profile, env, secrets });
  if (options.serviceAccount ?? true) await settings.vault.saveGenesys(SANDBOX_CLIENT);
  await settings.vault.saveWorm({ accessKeyId: options.worm.accessKeyId, secretAccessKey: options.worm.secretAccessKey });
  await settings.update((p) =>
    (options.profile ?? ((same) => same))({
      ...p,
      genesys: { gateway: sandbox.url },
      // Parallel tests cannot share one registered port; the sandbox accepts any loopback port (RFC 8252).
      officerSignIn: { redirectPort: 0 },
      worm: {
        endpoint: options.worm.endpoint,
        region: options.worm.region,
        auditBucket: bucket,
        mode,
        auditRetentionDays: (options.auditRetentionMs ?? 120_000) / 86_400_000,
        archiveBucket,
      },
    }),
  );
  const officer = options.officer === undefined ? OFFICER_A_LOGIN : options.officer;
  if (officer) await signInOfficer({ profile, env, secrets, user: officer });
  const composed = await composeEngine({ profile, env, secrets, mediaUrlBase: options.mediaUrlBase ?? 'media://recording/' });
  return {
    sandbox,
    composed,
    profile,
    env,
    root,
    s3,
    bucket,
    archiveBucket,
    worm: options.worm,
    secrets,
    close: async () => {
      await composed.close();
      if (!shared) await sandbox.close();
      await secrets.delete(`${profile}/genesys`);
      await secrets.delete(`${profile}/worm`);
      await secrets.delete(`${profile}/signing-key`);
      await secrets.delete(`${profile}/review-journal`);
      await secrets.delete(`${profile}/officer`);
      for (const kind of AT_REST_KEYS) await secrets.delete(`${profile}/${kind}`);
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** A trading id the seeded desk holds on exactly one conversation with an available recording. */
export function uniqueTradingCall(sandbox: Sandbox) {
  const { conversations, recordings } = sandbox.dataset;
  const counts = new Map<string, number>();
  for (const c of conversations) if (c.tradingId) counts.set(c.tradingId, (counts.get(c.tradingId) ?? 0) + 1);
  const conversation = conversations.find(
    (c) =>
      c.tradingId &&
      counts.get(c.tradingId) === 1 &&
      Date.parse(c.startTime) < TEST_ANCHOR.getTime() - 86_400_000 &&
      recordings.filter((r) => r.conversationId === c.id).length === 1 &&
      recordings.some((r) => r.conversationId === c.id && r.fileState === 'AVAILABLE' && r.durationMs < 120_000),
  );
  if (!conversation) throw new Error('the seeded dataset has no suitable trading call');
  const recording = recordings.find((r) => r.conversationId === conversation.id)!;
  return { conversation, recording, tradingId: conversation.tradingId! };
}
