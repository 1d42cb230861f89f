import type { AuditLogSummary, AuditTrailFilter, AuditTrailPage, AuditVerification, FirmVerification, LogVerification } from '../../../shared/audit-views';
import type { Logger } from '../../../shared/logger';
import type { AuditMirrorRepository } from '../../db/repositories/audit-mirror-repository';
import { describeCause } from '../errors';
import type { Clock } from '../ports';
import { listTrailEntries } from './audit-mirror';
import type { AuditModule } from './audit-module';
import type { FirmLogs } from './firm-logs';
import { verifyAndRecord, type VerifyOptions } from './integrity-monitor';
import { IntegrityState } from './integrity-state';

export type FirmTrailDeps = {
  logs: Pick<FirmLogs, 'logIds' | 'catchUpAll'>;
  /** This workstation's own log: its verification goes through its own monitor (and is announced). */
  own: Pick<AuditModule, 'logId' | 'bucket' | 'verifyLog' | 'integrity'>;
  repository: AuditMirrorRepository;
  recordingsOfTrade?: (tradingId: string) => Promise<ReadonlyArray<string>>;
  clock: Clock;
  logger: Logger;
};

/**
 * The firm's audit trail: every workstation's log in the audit bucket, read through this profile's
 * mirrors (incrementally: FirmLogs reads only what is new), filtered together, each entry naming its
 * log, each log's integrity kept and shown per log, and all of them verified one by one.
 */
export class FirmTrail {
  constructor(private readonly deps: FirmTrailDeps) {}

  /** Entries of every log matching `filter`, newest first, after reading what is new when the bucket answers. */
  async list(filter: Readonly<AuditTrailFilter>): Promise<AuditTrailPage> {
    await this.catchUp();
    const logs = await this.summaries();
    const page = await listTrailEntries(
      { repository: this.deps.repository, ...(this.deps.recordingsOfTrade ? { recordingsOfTrade: this.deps.recordingsOfTrade } : {}) },
      logs.map((log) => log.logId),
      filter,
    );
    return { logId: this.deps.own.logId, ...page, logs };
  }

  /** Every log this workstation mirrors (its own first), each with who writes it and its integrity as last found. */
  async summaries(): Promise<Array<AuditLogSummary>> {
    const { repository, own } = this.deps;
    const ids = [...new Set([own.logId, ...(await repository.logIds())])];
    return Promise.all(
      ids.map(async (logId) => {
        const [events, newest, head, integrity] = await Promise.all([
          repository.treeSize(logId),
          repository.newestEventOf(logId),
          repository.verifiedHead(logId),
          this.stateOf(logId).current(),
        ]);
        return {
          logId,
          own: logId === own.logId,
          workstation: newest?.hostname ?? null,
          events,
          newestEventTime: newest?.time ?? null,
          verifiedHead: head ? { treeSize: head.treeSize, rootHash: head.rootHash, time: new Date(head.verifiedMs).toISOString() } : null,
          integrity,
        };
      }),
    );
  }

  /**
   * Verifies every log in the bucket from the bucket alone, one after another, and records each outcome
   * as that log's integrity. A log that fails, or cannot be read, is reported and never stops the others.
   */
  async verifyAll(options: Omit<VerifyOptions, 'onProgress'> & { onProgress?(logId: string, read: number, total: number): void } = {}): Promise<FirmVerification> {
    const { own, repository, clock } = this.deps;
    const logIds = await this.deps.logs.logIds();
    await this.catchUp();
    const results: Array<LogVerification> = [];
    for (const logId of logIds) {
      const verifyOptions: VerifyOptions = { ...options, onProgress: options.onProgress ? (read, total) => options.onProgress!(logId, read, total) : undefined };
      let report: AuditVerification | null = null;
      let error: string | null = null;
      try {
        report =
          logId === own.logId
            ? await own.integrity.verify(verifyOptions)
            : await verifyAndRecord({ verifyLog: own.verifyLog, bucket: own.bucket, logId, clock, repository, state: this.stateOf(logId) }, verifyOptions);
      } catch (caught) {
        error = describeCause(caught);
        this.deps.logger.warn('an audit log could not be verified', { logId, cause: error });
      }
      results.push({ logId, own: logId === own.logId, workstation: (await repository.newestEventOf(logId))?.hostname ?? null, report, error });
    }
    return { ok: results.every((r) => r.report?.ok === true), bucket: own.bucket, logs: results };
  }

  private async catchUp(): Promise<void> {
    try {
      await this.deps.logs.catchUpAll();
    } catch (error) {
      this.deps.logger.warn('audit trail shown from the local copies: the bucket could not be read', { cause: describeCause(error) });
    }
  }

  private stateOf(logId: string): IntegrityState {
    return IntegrityState.ofOtherLog({ repository: this.deps.repository, logId, clock: this.deps.clock, logger: this.deps.logger });
  }
}
