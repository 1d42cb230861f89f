import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveEngine, RecordingAudioStore, type AudioEngine, type AudioEnginePreference, type AudioSource } from './audio';
import { RateLimiter, TokenStore, type SandboxClient } from './auth';
import { defaultAnchor, generateDataset, type Dataset, type SeedRecording } from './dataset';
import { dialogueFor } from './dialogue';
import { FaultInjector, parseFaultConfig, type FaultConfig, type SlowRange } from './faults';
import { analyticsRoutes } from './handlers/analytics';
import { conversationRoutes } from './handlers/conversations';
import { directoryRoutes } from './handlers/directory';
import { identityRoutes } from './handlers/identity';
import { recordingJobRoutes, type RecordingExportOptions } from './handlers/recording-jobs';
import { recordingRoutes } from './handlers/recordings';
import { speechRoutes, transcriptDocument, type SpeechAnalyticsState } from './handlers/speech';
import { MediaSigner } from './media-signer';
import { RequestPipeline } from './pipeline';
import { UserSignIn } from './signin';
import type { HandlerSettings, SandboxContext } from './routes';
import { StatsRecorder, type SandboxStats } from './stats';
import { SandboxUsers, signInUsers } from './users';
import { SandboxWorld } from './world';

/**
 * The Genesys Cloud sandbox: an HTTP server on 127.0.0.1 that the official SDK reaches through
 * `client.setGateway({ host: '127.0.0.1', protocol: 'http', port })` and that behaves like Genesys Cloud for the API
 * subset Custody uses. Data is seeded and deterministic; faults are injected on request.
 */

export type { Dataset, SeedAgent, SeedConversation, SeedQueue, SeedRecording } from './dataset';
export type { FaultConfig, FaultName } from './faults';
export type { SandboxStats } from './stats';
export type { SandboxClient } from './auth';
export type { SandboxUser } from './users';
export type { RecordingExportOptions } from './handlers/recording-jobs';
export { AGENT_C_USER, OFFICER_A_USER, OFFICER_B_USER, TRADER_PASSWORD } from './users';

export type SandboxOptions = {
  /** Default 0 (ephemeral). */
  port?: number;
  /** Default 1; all data is deterministic from (seed, anchor). */
  seed?: number;
  /** "Now" of the dataset; default now, to the minute. The data spans `days` days before it. */
  anchor?: Date;
  /** Default 240. */
  conversations?: number;
  /** Bulk mode: total recordings, 2-6 s each, tone audio; overrides `conversations`. */
  recordings?: number;
  /** Adds one call this many hours long (stereo, its audio computed by byte range, never held whole): `--long-call`. */
  longCallHours?: number;
  /** Default 30. */
  days?: number;
  /** Access tokens, client credentials and user tokens alike; default 86400. */
  tokenTtlSeconds?: number;
  /** Refresh tokens of the authorization code grant; default 30 days (2592000). */
  refreshTokenTtlSeconds?: number;
  /** Authorization codes; default 60, fractions allowed for tests. */
  authCodeTtlSeconds?: number;
  /** Per token, default 300. */
  rateLimitPerMinute?: number;
  /** Per client; default null (off). */
  tokenCreationLimitPerMinute?: number | null;
  /** Default 60; fractions allowed for tests. */
  playbackUrlTtlMinutes?: number;
  /** Default 60. */
  batchUrlTtlMinutes?: number;
  /** Where generated audio is cached; default a temporary directory removed on close. */
  audioDir?: string;
  /** Default [SANDBOX_CLIENT]. A client with `permissions` gets 403 on endpoints needing others. */
  clients?: Array<SandboxClient>;
  faults?: FaultConfig;
  /** Default 0.2. */
  transcodeFraction?: number;
  /** Default 0.03. */
  archivedFraction?: number;
  logRequests?: boolean;
  /** 'auto' (default) uses espeak-ng when installed, else tone bursts; bulk mode always uses tones. */
  audioEngine?: AudioEnginePreference;
  /** Delay of the "slow" fault; default 2000-5000 ms. */
  slowFaultMs?: SlowRange;
  /** Details jobs are FULFILLED this long after submission; default 300 ms. */
  jobDelayMs?: number;
  /** Batch download jobs complete this long after submission; default 500 ms. */
  batchDelayMs?: number;
  /** Restores move from RESTORING to RESTORED after this long; default 1000 ms. */
  restoreDelayMs?: number;
  /** Longest interval of a synchronous details query; default 7 days. */
  detailsQueryMaxDays?: number;
  /** How far the details-job data lake lags the anchor; default 4 hours. */
  dataLakeLagHours?: number;
  /** Org-wide cap on deletion-protected conversations; default 1000. */
  deletionProtectionCap?: number;
  /** Whether the org has speech and text analytics (transcripts); default true. */
  speechAnalytics?: boolean;
  /** The org's AWS S3 recording bulk actions integration: EXPORT jobs write into this bucket with these keys. */
  recordingExport?: RecordingExportOptions;
  /** Edits the generated data before it is served: how tests make Genesys answer with hostile IDs, names and attributes. */
  amendDataset?: (dataset: Dataset) => void;
};

export const SANDBOX_CLIENT: { clientId: string; clientSecret: string } = Object.freeze({
  clientId: '5a4db0c5-7e57-4c1e-9d00-5a4db0c5c11e',
  clientSecret: 'sandbox-client-secret-not-for-production',
});

export type Sandbox = {
  url: string;
  port: number;
  dataset: Dataset;
  setFaults(f: FaultConfig): void;
  revokeClient(clientId: string): void;
  restoreClient(clientId: string): void;
  expireAllTokens(): void;
  /** Every access and refresh token issued (revoked and expired ones included), for leak checks in tests. */
  issuedTokens(): Array<string>;
  /** Every authorization code issued, for leak checks in tests. */
  issuedAuthorizationCodes(): Array<string>;
  /** The sign-in user (by email) loses her access and refresh tokens and cannot sign in until restored. */
  revokeUser(email: string): void;
  restoreUser(email: string): void;
  /** Expires the user's access tokens only, so that her refresh token still works. */
  expireUserTokens(email: string): void;
  /** Genesys no longer has it: metadata says DELETED, the recording and its media answer 404. */
  deleteRecording(conversationId: string, recordingId: string): void;
  /** Configures (or removes) the org's S3 export integration, e.g. once the test's bucket exists. */
  setRecordingExport(options: RecordingExportOptions | undefined): void;
  /** The org gains or loses speech and text analytics: without it, transcript URLs answer 403. */
  setSpeechAnalytics(enabled: boolean): void;
  /** Genesys did not transcribe this conversation: its transcript URL answers 404. */
  dropTranscript(conversationId: string): void;
  stats(): SandboxStats;
  resetStats(): void;
  close(): Promise<void>;
};

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(`invalid sandbox option: ${message}`);
}

function validate(options: Readonly<SandboxOptions>): void {
  const positive = (value: number | undefined, name: string): void => check(value === undefined || (Number.isFinite(value) && value > 0), `${name} must be positive`);
  const fraction = (value: number | undefined, name: string): void => check(value === undefined || (value >= 0 && value <= 1), `${name} must be between 0 and 1`);
  const wholePositive = (value: number | undefined, name: string): void =>
    check(value === undefined || (Number.isInteger(value) && value > 0), `${name} must be a positive integer`);
  check(options.port === undefined || (Number.isInteger(options.port) && options.port >= 0 && options.port <= 65535), 'port must be 0-65535');
  check(options.seed === undefined || Number.isInteger(options.seed), 'seed must be an integer');
  check(options.anchor === undefined || !Number.isNaN(options.anchor.getTime()), 'anchor must be a valid date');
  wholePositive(options.conversations, 'conversations');
  wholePositive(options.recordings, 'recordings');
  positive(options.days, 'days');
  wholePositive(options.tokenTtlSeconds, 'tokenTtlSeconds');
  wholePositive(options.refreshTokenTtlSeconds, 'refreshTokenTtlSeconds');
  positive(options.authCodeTtlSeconds, 'authCodeTtlSeconds');
  wholePositive(options.rateLimitPerMinute, 'rateLimitPerMinute');
  check(options.tokenCreationLimitPerMinute == null || (Number.isInteger(options.tokenCreationLimitPerMinute) && options.tokenCreationLimitPerMinute > 0), 'tokenCreationLimitPerMinute must be a positive integer or null');
  positive(options.playbackUrlTtlMinutes, 'playbackUrlTtlMinutes');
  positive(options.batchUrlTtlMinutes, 'batchUrlTtlMinutes');
  fraction(options.transcodeFraction, 'transcodeFraction');
  fraction(options.archivedFraction, 'archivedFraction');
  positive(options.detailsQueryMaxDays, 'detailsQueryMaxDays');
  wholePositive(options.deletionProtectionCap, 'deletionProtectionCap');
  for (const [name, value] of [['jobDelayMs', options.jobDelayMs], ['batchDelayMs', options.batchDelayMs], ['restoreDelayMs', options.restoreDelayMs], ['dataLakeLagHours', options.dataLakeLagHours]] as const) {
    check(value === undefined || (Number.isFinite(value) && value >= 0), `${name} must be zero or more`);
  }
  check(options.clients === undefined || options.clients.length > 0, 'clients must not be empty');
  if (options.slowFaultMs) check(options.slowFaultMs.minMs >= 0 && options.slowFaultMs.maxMs >= options.slowFaultMs.minMs, 'slowFaultMs needs 0 <= minMs <= maxMs');
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  validate(options);
  const faultConfig = parseFaultConfig(options.faults ?? {});
  const seed = options.seed ?? 1;
  const now = (): number => Date.now();
  const dataset = generateDataset({
    seed,
    anchor: options.anchor ?? defaultAnchor(),
    days: options.days ?? 30,
    ...(options.recordings !== undefined ? { recordings: options.recordings } : { conversations: options.conversations ?? 240 }),
    archivedFraction: options.archivedFraction ?? 0.03,
    transcodeFraction: options.transcodeFraction ?? 0.2,
    ...(options.longCallHours !== undefined ? { longCallHours: options.longCallHours } : {}),
  });
  options.amendDataset?.(dataset);
  const settings: HandlerSettings = {
    playbackUrlTtlMinutes: options.playbackUrlTtlMinutes ?? 60,
    batchUrlTtlMinutes: options.batchUrlTtlMinutes ?? 60,
    jobDelayMs: options.jobDelayMs ?? 300,
    batchDelayMs: options.batchDelayMs ?? 500,
    detailsQueryMaxDays: options.detailsQueryMaxDays ?? 7,
    attributeSearchRetentionDays: 30,
    dataLakeLagMs: (options.dataLakeLagHours ?? 4) * 3_600_000,
    deletionProtectionCap: options.deletionProtectionCap ?? 1000,
  };

  const ownsAudioDir = options.audioDir === undefined;
  const audioDir = options.audioDir ?? (await mkdtemp(join(tmpdir(), 'custody-sandbox-audio-')));
  const world = new SandboxWorld(dataset, options.restoreDelayMs ?? 1000, now);
  const tokens = new TokenStore(
    options.clients ?? [SANDBOX_CLIENT],
    options.tokenTtlSeconds ?? 86_400,
    options.tokenCreationLimitPerMinute ?? null,
    now,
    options.refreshTokenTtlSeconds ?? 30 * 86_400,
  );
  const users = new SandboxUsers(signInUsers(dataset));
  const signIn = new UserSignIn(tokens, users, dataset.organization.name, (options.authCodeTtlSeconds ?? 60) * 1000, now);
  const limiter = new RateLimiter(options.rateLimitPerMinute ?? 300, now);
  const faults = new FaultInjector(seed, faultConfig, options.slowFaultMs ?? { minMs: 2000, maxMs: 5000 });
  const audio = new RecordingAudioStore(audioDir);
  const stats = new StatsRecorder(now, () => audio.generatedCount);
  const signer = new MediaSigner();
  let origin = '';

  const enginePreference: AudioEnginePreference = dataset.mode === 'bulk' ? 'tones' : (options.audioEngine ?? 'auto');
  let engine: Promise<AudioEngine> | null = null;
  const audioSource = async (recording: Readonly<SeedRecording>): Promise<AudioSource> => {
    engine ??= resolveEngine(enginePreference);
    const conversation = world.conversations.get(recording.conversationId);
    if (!conversation) throw new Error(`recording ${recording.id} has no conversation`);
    return {
      recordingId: recording.id,
      tiled: recording.id === dataset.longCallRecordingId,
      durationMs: recording.durationMs,
      audioSeed: recording.audioSeed,
      dialogue: dialogueFor(conversation, recording, world.agentOf(conversation), world.queueOf(conversation)),
      engine: await engine,
    };
  };

  const ctx: SandboxContext = { dataset, world, settings, signer, now, origin: () => origin };
  const speech: SpeechAnalyticsState = { enabled: options.speechAnalytics ?? true, untranscribed: new Set() };
  const transcript = async (recording: Readonly<SeedRecording>) => {
    const conversation = world.conversations.get(recording.conversationId);
    if (!conversation) throw new Error(`recording ${recording.id} has no conversation`);
    return transcriptDocument(dataset.organization.id, conversation, recording.sessionId, async (r) => audio.turns(await audioSource(r)));
  };
  const userByEmail = (email: string): string => {
    const user = users.byEmailAddress(email);
    if (!user) throw new Error(`no sign-in user ${email}`);
    return user.id;
  };
  const control = {
    revokeClient: (clientId: string) => tokens.revokeClient(clientId),
    issuedTokens: () => tokens.issuedTokens(),
    issuedAuthorizationCodes: () => signIn.codesIssued(),
    revokeUser: (email: string) => {
      const id = userByEmail(email);
      users.revoke(id);
      tokens.revokeUser(id);
      signIn.forgetCodesOf(id);
    },
    restoreUser: (email: string) => users.restore(userByEmail(email)),
    expireUserTokens: (email: string) => tokens.expireUser(userByEmail(email)),
    restoreClient: (clientId: string) => tokens.restoreClient(clientId),
    expireAllTokens: () => tokens.expireAll(),
    deleteRecording: (conversationId: string, recordingId: string) => {
      const recording = world.recording(conversationId, recordingId);
      if (!recording) throw new Error(`no recording ${recordingId} in conversation ${conversationId}`);
      world.delete(recording);
    },
    setSpeechAnalytics: (enabled: boolean) => {
      speech.enabled = enabled;
    },
    dropTranscript: (conversationId: string) => {
      speech.untranscribed.add(conversationId);
    },
  };
  const recordingJobs = recordingJobRoutes(ctx, options.recordingExport, async (recording) => audio.file(await audioSource(recording)));
  const pipeline = new RequestPipeline({
    routes: [...directoryRoutes(ctx), ...identityRoutes(ctx, users, tokens), ...analyticsRoutes(ctx), ...conversationRoutes(ctx), ...recordingRoutes(ctx),
      ...recordingJobs.routes,
      ...speechRoutes(ctx, speech),
    ],
    tokens,
    users,
    signIn,
    limiter,
    faults,
    stats,
    world,
    signer,
    audio,
    audioSource,
    transcript,
    control,
    logRequests: options.logRequests ?? false,
    now,
  });

  const server = createServer((req, res) => {
    pipeline.handle(req, res).catch((error: unknown) => {
      console.error('[sandbox] request failed', error);
      if (!res.headersSent) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'The sandbox failed to handle the request.', code: 'internal.server.error', status: 500 }));
      } else {
        res.destroy();
      }
    });
  });
  server.on('clientError', (_error, socket) => socket.destroy());
  const port = await listen(server, options.port ?? 0);
  origin = `http://127.0.0.1:${port}`;

  return {
    url: origin,
    port,
    dataset,
    setFaults: (f) => faults.set(f),
    setRecordingExport: (exportOptions) => recordingJobs.control.set(exportOptions),
    ...control,
    stats: () => stats.snapshot(),
    resetStats: () => stats.reset(),
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      if (ownsAudioDir) await rm(audioDir, { recursive: true, force: true });
    },
  };
}

function listen(server: Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}
