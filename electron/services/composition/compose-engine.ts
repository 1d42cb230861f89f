import { join } from 'node:path';
import type { Logger } from '../../../shared/logger';
import type { AnnotationService } from '../annotations/annotation-service';
import type { ApprovalService } from '../approvals/approval-service';
import type { BulkJobs } from '../bulk/bulk-jobs';
import { MediaCache } from '../cache/media-cache';
import { CustodyEngine } from '../custody-engine';
import { EventHub } from '../events';
import type { HealthMonitor } from '../health/health-monitor';
import type { PackService } from '../packs/pack-service';
import { PlaybackGrants } from '../playback/playback-grants';
import { Session } from '../session';
import { shutdown, type ShutdownBudgets } from '../shutdown';
import { composeAnnotations } from './compose-annotations';
import { composeApprovals } from './compose-approvals';
import { composeArchive, type ArchiveDomain } from './compose-archive';
import { composeAudit, type AuditDomain } from './compose-audit';
import { composeCatalog, type CatalogDomain } from './compose-catalog';
import { composeBase, type Base, type BaseOptions } from './compose-base';
import { composeGenesys, type GenesysConnection } from './compose-genesys';
import { composeHealth } from './compose-health';
import { composeJobs } from './compose-jobs';
import { composePacks } from './compose-packs';
import { composeSiem, type SiemDomain } from './compose-siem';
import { composeTrades, type TradesDomain } from './compose-trades';
import { composeTranscripts } from './compose-transcripts';
import { composeWitness, type WitnessDomain } from './compose-witness';
import type { TranscriptService } from '../transcripts/transcript-service';

/** What a closing host gives the SIEM for the events still queued; the rest goes with the next run. */
const siemCloseBudgetMs = 3_000;

export type ComposeOptions = BaseOptions & {
  /** How this host's renderer addresses media (media:// in Electron, the stand-in origin in the shell). */
  mediaUrlBase: string;
  /** Fetch indexed calls' transcripts in the background after each index sync (the app; not the CLI). */
  backgroundTranscripts?: boolean;
};

/** The whole engine, one field per domain, for the hosts that serve all of it (the app, the CLI). */
export type ComposedEngine = Pick<Base, 'profile' | 'paths' | 'vault' | 'redactor' | 'db' | 'repositories' | 'clock' | 'officer' | 'officerSignIn'> & {
  logger: Logger;
  engine: CustodyEngine;
  events: EventHub;
  session: Session;
  grants: PlaybackGrants;
  audit: AuditDomain;
  genesys: GenesysConnection;
  archive: ArchiveDomain;
  /** The firm's shared catalog in the archive bucket: published by the archiver, synced by workstations. */
  catalog: CatalogDomain;
  /** Four-eyes requests and approvals between signed-in officers (the audit bucket holds them). */
  approvals: ApprovalService;
  packs: PackService;
  /** Officers' notes on ranges of recordings, each change audited first. */
  annotations: AnnotationService;
  jobs: BulkJobs;
  /** Whether the WORM store and Genesys are reachable (probed while a window host watches). */
  health: HealthMonitor;
  /** Transcripts from Genesys speech analytics (audited reads, kept in the index). */
  transcripts: TranscriptService;
  /** Trade reconstruction: blotter import, matching and gaps, reconstruction (each audited as the signed-in officer). */
  trades: TradesDomain;
  /** Every audit event forwarded to the firm's SIEM once WORM acknowledged it (a no-op without `siem` in the profile). */
  siem: SiemDomain;
  /** Cosigns the other workstations' checkpoints after each sync, and on request. */
  witness: WitnessDomain;
  /** The orderly shutdown (see `shutdown`); every host calls it on quit, and later calls share the first. */
  close(budgets?: Partial<ShutdownBudgets>): Promise<void>;
};

/**
 * The engine of one profile, from the per-domain factories in explicit order: base (profile, database,
 * log, keychain, clock), audit, Genesys connection, archive, the engine itself, packs and jobs. Each
 * factory takes only what it uses; a host that needs less composes less (review mode, settings-only commands).
 */
export async function composeEngine(options: ComposeOptions): Promise<ComposedEngine> {
  const base = await composeBase(options);
  const { profile, paths, db, repositories, clock, osAccount, workstation, vault, officer } = base;
  const { logger } = base.log;
  const { index, media } = repositories;
  const cache = new MediaCache({ dir: join(paths.dataDir, 'media'), repository: media, clock, key: await vault.atRestKey('cache-key') });
  const grants = new PlaybackGrants(clock);
  const events = new EventHub();
  const session = new Session(options.profile, officer, osAccount, workstation, (caseReference) => engine.endPlaysOutsideCase(caseReference));
  // A sitting is one officer's: when another signs in (or nobody is), her case and her plays end with it.
  officer.onChange(() => {
    session.clearCaseReference();
    engine.endAllPlays();
  });

  const audit = composeAudit({
    profileName: options.profile,
    profile,
    vault,
    repositories,
    dataDir: paths.dataDir,
    participantsOf: async ({ recordingId, conversationId }) => {
      const match = recordingId ? await index.findRecording(recordingId) : null;
      const conversation = match ?? (conversationId ? (await index.recordingsOfConversation(conversationId))[0] : null);
      return conversation?.participants ?? [];
    },
    recordingsOfTrade: async (tradingId) => (await index.search({ tradingId }, 10_000)).flatMap((m) => (m.recordingId ? [m.recordingId] : [])),
    officer,
    osAccount,
    workstation,
    clock,
    logger,
    events,
  });
  const genesys = composeGenesys({
    profileName: options.profile,
    endpoint: profile.genesys,
    vault,
    officer: base.officer,
    index,
    users: repositories.trades,
    cache,
    http: base.http,
    clock,
    random: base.random,
    logger,
    redactor: base.redactor,
  });
  const approvals = composeApprovals({ profile, audit, officer: base.officer, workstation, clock, logger });
  const archive = composeArchive({
    profileName: options.profile,
    profile,
    vault,
    repositories,
    cache,
    genesys,
    audit: audit.writer,
    officer,
    approvals,
    actors: audit.actors,
    // Read when a posture check runs: by then `trades` (composed after packs, below) exists.
    tradeGaps: () => trades.matching.gaps({}),
    osAccount,
    dataDir: paths.dataDir,
    clock,
    logger,
  });
  const catalog = composeCatalog({
    profileName: options.profile,
    profile,
    vault,
    db,
    s3: archive.s3,
    audit: audit.writer,
    actors: audit.actors,
    dataDir: paths.dataDir,
    clock,
    logger,
  });
  const engine = new CustodyEngine({
    index,
    media,
    cache,
    grants,
    audit: audit.writer,
    actors: audit.actors,
    // Searches, plays and fetches are the signed-in officer's: her token, her rate budget.
    genesys: async () => (await genesys.officer()).services,
    clock,
    logger: logger.child('engine'),
    events,
    mediaUrlBase: options.mediaUrlBase,
    archive: archive.reader,
    refreshCatalog: () => catalog.syncOnCatalogWorkstation(),
    approvals,
    transcripts: repositories.transcripts,
  });
  const transcripts = composeTranscripts({
    repositories,
    audit,
    genesys,
    http: base.http,
    clock,
    logger,
    events,
    background: options.backgroundTranscripts ?? false,
  });
  const annotations = composeAnnotations({ repositories, cache, audit, officer, clock, logger });
  const packs = composePacks({
    engine,
    knownMediaSha256: async (recordingId) => (await cache.get(recordingId))?.sha256 ?? null,
    repositories,
    audit,
    approvals,
    packsDir: join(paths.dataDir, 'packs'),
    clock,
    logger,
    events,
    transcriptOf: (recordingId) => transcripts.stored(recordingId),
  });
  const trades = composeTrades({
    profile,
    repositories,
    audit,
    officer,
    packs,
    listRecordings: async (conversationIds) => (await genesys.officer()).services.sync.syncRecordings(conversationIds),
    syncIndex: async (fromMs, toMs) => {
      await (await genesys.officer()).services.sync.sync(fromMs, toMs);
    },
    session,
    packsDir: join(paths.dataDir, 'packs'),
    clock,
    logger,
  });
  const jobs = composeJobs({
    repositories,
    audit: audit.writer,
    approvals,
    actors: audit.actors,
    genesys,
    officer: base.officer,
    exportsDir: join(paths.dataDir, 'exports'),
    http: base.http,
    clock,
    random: base.random,
    logger,
    events,
  });

  const siem = composeSiem({ profile, vault, db, events: repositories.auditMirror, hub: events, clock, random: base.random, logger });
  const witness = composeWitness({ audit, repositories, hasWorm: profile.worm !== null, clock, logger, events });

  const health = composeHealth({ audit, genesys: profile.genesys, http: base.http, events, clock, redactor: base.redactor });

  let closing: Promise<void> | null = null;
  const close = (budgets?: Partial<ShutdownBudgets>): Promise<void> => {
    closing ??= (async () => {
      const message = 'Custody was closed while the job ran; resume it to continue.';
      await shutdown(
        {
          stopAccepting: () => {
            jobs.refuseNewRuns();
            grants.revokeAll();
            audit.stopChecks();
            void transcripts.stop();
            engine.stopBackground();
            siem.stop();
          },
          pauseJobs: () => jobs.stopAll(message, { atItemBoundary: true }),
          stopJobs: () => jobs.stopAll(message),
          drainAudit: async () => {
            await witness.stop();
            await audit.drain();
            await audit.closeVerifier();
          },
          finishCheckpoints: () => audit.finishCheckpoints(),
          forwardAudit: async () => {
            await siem.deliverPending({ budgetMs: siemCloseBudgetMs });
          },
          closeDatabase: () => base.closeDatabase(),
          closeLog: () => base.log.close(),
        },
        { logger: logger.child('shutdown'), ...(budgets ? { budgets } : {}) },
      );
    })();
    return closing;
  };

  return {
    profile,
    paths,
    vault,
    redactor: base.redactor,
    officer: base.officer,
    officerSignIn: base.officerSignIn,
    logger,
    db,
    repositories,
    clock,
    engine,
    events,
    session,
    grants,
    audit,
    genesys,
    archive,
    catalog,
    approvals,
    packs,
    annotations,
    jobs,
    health,
    transcripts,
    trades,
    siem,
    witness,
    close,
  };
}
