import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Operator, Workstation } from '../../../shared/domain';
import type { Logger } from '../../../shared/logger';
import { AlertRules, type AlertRuleDeps } from '../audit/alert-rules';
import { AuditLog, type AuditHeadStore } from '../audit/audit-log';
import type { AlertSettings } from '../audit/audit-settings';
import { AuditTrail, type AuditTrailDeps } from '../audit/audit-trail';
import type { AuditWriter } from '../audit/audit-writer';
import type { CredentialVault } from '../auth/credentials';
import type { Profile } from '../config/profile';
import { AuditUnavailableError } from '../errors';
import type { EventHub } from '../events';
import type { PackAuditStore } from '../packs/pack-builder';
import type { Clock } from '../ports';
import { loadOrCreateSigningKey, type SigningKey } from '../signing/signing-key';
import { createWormS3Client } from '../worm/s3-client';
import { lazy } from './lazy';

/** What an audit trail is built from: the trail's own settings, plus the log's head store and append lock and the alert rules' settings. */
export type AuditTrailParts = Pick<
  AuditTrailDeps,
  's3' | 'bucket' | 'logId' | 'retention' | 'repository' | 'signingKey' | 'checkpointPolicy' | 'operator' | 'workstation' | 'clock' | 'logger' | 'events' | 'checkpointLockFile' | 'tickMs'
> & {
  headStore: AuditHeadStore;
  /** Taken by every append of every process of this profile. */
  lockFile: string;
  alerts: AlertSettings;
  participantsOf: AlertRuleDeps['participantsOf'];
};

/** The one wiring of the verifiable audit log (WORM writer, alerts, local Merkle mirror, checkpoints): hosts and tests alike. */
export function buildAuditTrail(parts: AuditTrailParts): AuditTrail {
  const { s3, bucket, logId, retention, repository, operator, workstation, clock, logger } = parts;
  const log = new AuditLog({
    s3,
    bucket,
    logId,
    operator,
    workstation,
    clock,
    newEventId: randomUUID,
    retention,
    headStore: parts.headStore,
    lockFile: parts.lockFile,
    logger,
  });
  return new AuditTrail({
    log,
    s3,
    bucket,
    logId,
    retention,
    repository,
    signingKey: parts.signingKey,
    alerts: new AlertRules({
      settings: parts.alerts,
      countRecent: (account, actions, sinceMs) => repository.countOperatorEvents(logId, account, actions, sinceMs),
      participantsOf: parts.participantsOf,
    }),
    checkpointPolicy: parts.checkpointPolicy,
    operator,
    workstation,
    clock,
    logger,
    events: parts.events,
    checkpointLockFile: parts.checkpointLockFile,
    ...(parts.tickMs === undefined ? {} : { tickMs: parts.tickMs }),
  });
}

/** The audit domain of a profile, as the engine's other domains and the hosts ask for it. */
export type AuditDomain = {
  /** The WORM bucket and log the writer uses, for readers (packs, journal sync). */
  store: () => Promise<PackAuditStore>;
  /** The verifiable audit log (alerts, Merkle tree, checkpoints, verification); needs the WORM store's keys. */
  trail: () => Promise<AuditTrail>;
  /** What every access writes through before it happens (the trail). */
  writer: () => Promise<AuditWriter>;
  signingKey: () => Promise<SigningKey>;
  /** Shutdown steps; no-ops when the trail was never opened. */
  stopChecks(): void;
  drain(): Promise<void>;
  finishCheckpoints(): Promise<void>;
};

/**
 * The profile's audit domain. Nothing is opened until first asked for: a profile without a WORM store
 * composes, and every access then fails with AUDIT_UNAVAILABLE.
 */
export function composeAudit(deps: {
  profileName: string;
  profile: Pick<Profile, 'worm' | 'logId' | 'audit'>;
  vault: CredentialVault;
  repositories: { auditTrail: AuditTrailDeps['repository']; auditHead: AuditHeadStore };
  dataDir: string;
  participantsOf: AlertRuleDeps['participantsOf'];
  operator: Operator;
  workstation: Workstation;
  clock: Clock;
  logger: Logger;
  events: EventHub;
}): AuditDomain {
  const { profile, profileName, vault } = deps;
  const store = lazy(async (): Promise<PackAuditStore> => {
    const worm = profile.worm;
    if (!worm) {
      throw new AuditUnavailableError(
        `No WORM audit log is configured for profile "${profileName}" (run "custody worm start" or configure one); nothing can be accessed without it.`,
        undefined,
        { retryable: false },
      );
    }
    const credentials = await vault.loadWorm();
    if (!credentials) {
      throw new AuditUnavailableError(`The WORM store's access keys are not in the keychain for profile "${profileName}".`, undefined, {
        retryable: false,
      });
    }
    return {
      s3: createWormS3Client({ endpoint: worm.endpoint, region: worm.region, ...credentials }),
      bucket: worm.auditBucket,
      logId: profile.logId,
      retention: { mode: worm.mode, durationMs: worm.auditRetentionDays * 86_400_000 },
    };
  });
  const signingKey = lazy(() => loadOrCreateSigningKey(vault));
  let opened: AuditTrail | null = null;
  const trail = lazy(async (): Promise<AuditTrail> => {
    const { s3, bucket, logId, retention } = await store();
    opened = buildAuditTrail({
      s3,
      bucket,
      logId,
      retention,
      repository: deps.repositories.auditTrail,
      headStore: deps.repositories.auditHead,
      lockFile: join(deps.dataDir, 'audit.lock'),
      checkpointLockFile: join(deps.dataDir, 'audit-checkpoint.lock'),
      signingKey,
      alerts: profile.audit.alerts,
      participantsOf: deps.participantsOf,
      checkpointPolicy: profile.audit.checkpoint,
      operator: deps.operator,
      workstation: deps.workstation,
      clock: deps.clock,
      logger: deps.logger.child('audit'),
      events: deps.events,
    });
    return opened;
  });
  // After every successful sync: is the bucket's log still an extension of the one seen before?
  const stopChecks = deps.events.subscribe((event) => {
    if (event.kind === 'index.syncCompleted') opened?.checkConsistencyInBackground();
  });
  return {
    store,
    trail,
    writer: trail,
    signingKey,
    stopChecks,
    drain: async () => opened?.drain(),
    finishCheckpoints: async () => opened?.flush(),
  };
}
