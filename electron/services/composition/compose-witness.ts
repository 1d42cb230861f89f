import type { Logger } from '../../../shared/logger';
import type { AuditActor } from '../audit/audit-actor';
import { Witness, type WitnessReport } from '../audit/witness';
import { describeCause } from '../errors';
import type { EventHub } from '../events';
import type { Clock } from '../ports';
import type { AuditDomain } from './compose-audit';
import type { ProfileRepositories } from './compose-base';
import { lazy } from './lazy';

/** This installation as a witness of the firm's other audit logs (issue 14, item 3). */
export type WitnessDomain = {
  /** Witnesses every other log now (`custody audit witness`). */
  run(): Promise<WitnessReport>;
  /** Stops witnessing after syncs; resolves when a run already started has finished. */
  stop(): Promise<void>;
};

/**
 * The witness, built on first use from the audit domain. After every completed index sync it witnesses
 * the other logs in the background, as the consistency check of this log runs then (compose-audit.ts);
 * a profile without a WORM store never builds it. Alerts are written as the officer signed in (who ran
 * the sync or the command), else the service account.
 */
export function composeWitness(deps: {
  audit: Pick<AuditDomain, 'log' | 'firmLogs' | 'signingKey' | 'actors'>;
  repositories: Pick<ProfileRepositories, 'witness' | 'auditMirror'>;
  hasWorm: boolean;
  clock: Clock;
  logger: Logger;
  events: EventHub;
}): WitnessDomain {
  const logger = deps.logger.child('witness');
  const witness = lazy(async () => {
    const log = await deps.audit.log();
    return new Witness({
      s3: log.s3,
      bucket: log.bucket,
      ownLogId: log.logId,
      retention: log.retention,
      firmLogs: await deps.audit.firmLogs(),
      repository: deps.repositories.witness,
      auditMirrors: deps.repositories.auditMirror,
      signingKey: deps.audit.signingKey,
      publishOwnKey: () => log.checkpointer.publishSigningKey(),
      recordAlert: async (input) => {
        await log.writer.append(input, await alertActor(deps.audit.actors));
      },
      clock: deps.clock,
      logger,
    });
  });
  const run = async () => (await witness()).run();
  let built: Witness | null = null;
  // One background run at a time: syncs that complete during it are covered by the next one.
  let running: Promise<void> | null = null;
  const unsubscribe = deps.events.subscribe((event) => {
    if (event.kind !== 'index.syncCompleted' || !deps.hasWorm || running) return;
    running = (async () => {
      try {
        built = await witness();
        await built.run();
      } catch (error) {
        logger.warn('witnessing the other audit logs after the sync failed; it runs again after the next one', { cause: describeCause(error) });
      } finally {
        running = null;
      }
    })();
  });
  return {
    run,
    stop: async () => {
      unsubscribe();
      built?.stop();
      await running;
    },
  };
}

async function alertActor(actors: AuditDomain['actors']): Promise<AuditActor> {
  try {
    return await actors.officer('posture');
  } catch {
    return actors.service();
  }
}
