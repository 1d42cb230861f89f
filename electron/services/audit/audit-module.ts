import { randomUUID } from 'node:crypto';
import type { S3Client } from '@aws-sdk/client-s3';
import type { Workstation } from '../../../shared/domain';
import type { Logger } from '../../../shared/logger';
import type { AuditMirrorRepository } from '../../db/repositories/audit-mirror-repository';
import type { EventHub } from '../events';
import type { Clock } from '../ports';
import type { SigningKey } from '../signing/signing-key';
import { AlertRules, type AlertRuleDeps } from './alert-rules';
import { AuditMirror } from './audit-mirror';
import { verifierInThread, type AuditLogVerifier } from './audit-verifier';
import type { AlertSettings } from './audit-settings';
import { WormAuditWriter } from './audit-writer';
import { BackgroundWork } from './background-work';
import { Checkpointer, type CheckpointPolicy } from './checkpointer';
import { EventChain, type AuditHeadStore, type AuditRetention } from './event-chain';
import { IntegrityMonitor } from './integrity-monitor';
import { IntegrityState } from './integrity-state';

export type AuditModuleDeps = {
  s3: S3Client;
  bucket: string;
  logId: string;
  retention: AuditRetention;
  /** The mirror's tables and the chain's head (the profile's SQLite database). */
  repository: AuditMirrorRepository;
  headStore: AuditHeadStore;
  signingKey: () => Promise<SigningKey>;
  alertSettings: AlertSettings;
  checkpointPolicy: CheckpointPolicy;
  /** Who took part in a call (the index), for the participant-playback alert. */
  participantsOf: AlertRuleDeps['participantsOf'];
  /** Recordings the index ties to a trade, for "who touched trade T". */
  recordingsOfTrade?: (tradingId: string) => Promise<ReadonlyArray<string>>;
  /** The operating-system account of this process; who acts is given with each append (audit-actor.ts). */
  osAccount: string;
  workstation: Workstation;
  clock: Clock;
  logger: Logger;
  events: EventHub;
  /** Shared by every process that appends to this log on this machine. */
  lockFile: string;
  /** Shared by every process of this profile, so one checkpoint is written per tree size. */
  checkpointLockFile: string;
  newEventId?: () => string;
  /** Where a verification from the bucket runs; default this thread (a host with a UI passes its worker's). */
  verifyLog?: AuditLogVerifier;
  /** How often a long-running host looks for a due checkpoint; default one minute. */
  tickMs?: number;
};

/** The audit log's parts, each with one job; every host (through composition/compose-audit.ts) and test builds them here. */
export type AuditModule = {
  logId: string;
  bucket: string;
  /** The retention of this log's locked objects (events, checkpoints, export manifests). */
  retention: AuditRetention;
  /** The WORM store's client for this log's bucket (a host reads an event's lock with it). */
  s3: S3Client;
  /** Verifies a log of the bucket from the bucket alone (this one's, or another workstation's). */
  verifyLog: AuditLogVerifier;
  /** Every access: alerts, the locked append, then the mirror and checkpoints. */
  writer: WormAuditWriter;
  /** The local copy every read goes through: events, items, the Merkle tree and proofs. */
  mirror: AuditMirror;
  /** Signed checkpoints into the bucket, and checked reads of them. */
  checkpointer: Checkpointer;
  /** Consistency at start and after syncs, full verification, the integrity state. */
  integrity: IntegrityMonitor;
  /** Resolves when appended and caught-up events are in the mirror. */
  drain(): Promise<void>;
  /** Resolves when background checkpoints and checks started so far are done. */
  flush(): Promise<void>;
};

export function buildAuditModule(deps: AuditModuleDeps): AuditModule {
  const { s3, bucket, logId, retention, repository, clock, logger, events, osAccount, workstation } = deps;
  const background = new BackgroundWork(logger);
  const state = new IntegrityState({ repository, logId, clock, logger, events });
  const mirror = new AuditMirror({ s3, bucket, logId, repository, state, logger, ...(deps.recordingsOfTrade ? { recordingsOfTrade: deps.recordingsOfTrade } : {}) });
  const checkpointer = new Checkpointer({
    s3,
    bucket,
    logId,
    retention,
    mirror,
    repository,
    state,
    background,
    signingKey: deps.signingKey,
    policy: deps.checkpointPolicy,
    clock,
    logger,
    lockFile: deps.checkpointLockFile,
    ...(deps.tickMs !== undefined ? { tickMs: deps.tickMs } : {}),
  });
  const chain = new EventChain({
    s3,
    bucket,
    logId,
    workstation,
    clock,
    newEventId: deps.newEventId ?? randomUUID,
    retention,
    headStore: deps.headStore,
    lockFile: deps.lockFile,
    logger,
  });
  const alerts = new AlertRules({
    settings: deps.alertSettings,
    countRecent: (operator, actions, sinceMs) => mirror.countOperatorAccesses(operator, actions, sinceMs),
    participantsOf: deps.participantsOf,
  });
  const writer = new WormAuditWriter({ chain, mirror, checkpointer, alerts, osAccount, workstation, clock, logger, events });
  const verifyLog = deps.verifyLog ?? verifierInThread(s3, clock);
  const integrity = new IntegrityMonitor({ verifyLog, mirror, checkpointer, state, background, repository, logId, bucket, clock });
  return { logId, bucket, retention, s3, verifyLog, writer, mirror, checkpointer, integrity, drain: () => mirror.drain(), flush: () => background.flush() };
}
