import type { S3Client } from '@aws-sdk/client-s3';
import type { Logger } from '../../../shared/logger';
import type { AuditMirrorRepository } from '../../db/repositories/audit-mirror-repository';
import type { Clock } from '../ports';
import { listFolders } from '../worm/locked-objects';
import { AuditMirror } from './audit-mirror';
import { IntegrityState } from './integrity-state';

const auditRoot = 'audit/v1/';
const logIdPattern = /^[A-Za-z0-9-]{1,64}$/;

/**
 * The ids of every audit log in the bucket (one per installation: audit/v1/<log id>/), read with a
 * delimited listing, so the cost is one request per 1,000 logs whatever their size. Keys that are not
 * a valid log id are left out: the bucket is shared, and its names are not trusted.
 */
export async function listAuditLogIds(s3: S3Client, bucket: string): Promise<Array<string>> {
  return (await listFolders(s3, bucket, auditRoot)).filter((id) => logIdPattern.test(id));
}

export type FirmLogsDeps = {
  s3: S3Client;
  bucket: string;
  /** This installation's own log; its mirror is the audit module's, never a second one. */
  own: AuditMirror;
  repository: AuditMirrorRepository;
  clock: Clock;
  logger: Logger;
};

/**
 * Every workstation's log in the audit bucket, each mirrored into this profile's database (the same
 * tables as our own log, keyed by log id), so that reading them again reads only what is new. Other
 * logs' integrity is recorded per log and never announced as this log's own.
 */
export class FirmLogs {
  private readonly mirrors = new Map<string, AuditMirror>();

  constructor(private readonly deps: FirmLogsDeps) {
    this.mirrors.set(deps.own.logId, deps.own);
  }

  get ownLogId(): string {
    return this.deps.own.logId;
  }

  /** Every log id in the bucket, this installation's own included even before its first event. */
  async logIds(): Promise<Array<string>> {
    const ids = new Set(await listAuditLogIds(this.deps.s3, this.deps.bucket));
    ids.add(this.ownLogId);
    return [...ids].sort();
  }

  /** The mirror of one log (created on first use; another workstation's is read-only). */
  mirrorOf(logId: string): AuditMirror {
    let mirror = this.mirrors.get(logId);
    if (!mirror) {
      const { s3, bucket, repository, clock, logger } = this.deps;
      const state = IntegrityState.ofOtherLog({ repository, logId, clock, logger });
      mirror = new AuditMirror({ s3, bucket, logId, repository, state, logger: logger.child('firm-log') });
      this.mirrors.set(logId, mirror);
    }
    return mirror;
  }

  /** Reads what is new in every log; returns how many events each added. */
  async catchUpAll(): Promise<Map<string, number>> {
    const added = new Map<string, number>();
    for (const logId of await this.logIds()) added.set(logId, await this.mirrorOf(logId).catchUp());
    return added;
  }
}
