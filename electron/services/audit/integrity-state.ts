import type { AuditIntegrity, AuditProblem } from '../../../shared/audit-views';
import type { Logger } from '../../../shared/logger';
import type { AuditMirrorRepository } from '../../db/repositories/audit-mirror-repository';
import { EventHub } from '../events';
import type { Clock } from '../ports';

type Source = 'consistency' | 'verify';

/**
 * The log's integrity state as this workstation last found it (SQLite), announced on change. Every
 * part reports problems here: the mirror when the bucket's events disagree with its copy, the
 * checkpointer when a checkpoint does, the monitor after its checks.
 */
export class IntegrityState {
  constructor(private readonly deps: { repository: AuditMirrorRepository; logId: string; clock: Clock; logger: Logger; events: EventHub }) {}

  /** Another workstation's log: its state is kept beside our own (keyed by log id) and never announced as this log's. */
  static ofOtherLog(deps: { repository: AuditMirrorRepository; logId: string; clock: Clock; logger: Logger }): IntegrityState {
    return new IntegrityState({ ...deps, logger: deps.logger.child('firm-log'), events: new EventHub() });
  }

  async current(): Promise<AuditIntegrity> {
    const stored = (await this.deps.repository.integrityReport(this.deps.logId)) as AuditIntegrity | null;
    return stored ?? { state: 'unknown', source: null, checkedAt: null, message: 'not checked yet', firstBad: null };
  }

  async fail(source: Source, problem: AuditProblem): Promise<AuditIntegrity> {
    return this.set({ state: 'failed', source, checkedAt: new Date(this.deps.clock.now()).toISOString(), message: problem.message, firstBad: problem });
  }

  /** Stores and announces the state; a passing consistency check does not hide a failed verification. */
  async set(next: AuditIntegrity, options: { keepFailure?: boolean } = {}): Promise<AuditIntegrity> {
    const current = await this.current();
    if (options.keepFailure && current.state === 'failed' && current.source === 'verify') return current;
    await this.deps.repository.saveIntegrityReport(this.deps.logId, next);
    if (next.state === 'failed') this.deps.logger.error('audit log integrity check failed', { source: next.source, problem: next.firstBad?.kind, detail: next.message });
    if (next.state !== current.state || next.message !== current.message) this.deps.events.publish({ kind: 'audit.integrityChanged', integrity: next });
    return next;
  }
}

