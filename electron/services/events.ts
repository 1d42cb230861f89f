import type { AuditIntegrity, AuditTrailEntry } from '../../shared/audit-views';
import type { HealthStatus } from '../../shared/health';
import type { JobProgress } from '../../shared/jobs';

/** A window being read from Genesys into the index, and how much of it the index covers now. */
export type SyncProgress = { fromMs: number; toMs: number; coveredFraction: number };

export type PackBuildStage = 'audited' | 'copying' | 'proving' | 'finished' | 'failed';
export type PackProgress = { packId: string; stage: PackBuildStage; done: number; total: number; message: string };

/**
 * What the services announce, in their own words. Hosts decide who hears it: Electron's main maps
 * these to IPC channels (electron/main/ipc/domain-events.ts), the CLI shows progress from them.
 */
export type DomainEvent =
  | { kind: 'index.syncStarted'; progress?: SyncProgress }
  /** A part of the window landed in the index: searches over it can be read again. */
  | { kind: 'index.syncProgress'; progress: SyncProgress }
  | { kind: 'index.syncCompleted'; syncedAt: string; progress?: SyncProgress }
  /** Genesys could not be reached; searches are answered from the local index. */
  | { kind: 'index.syncFailed'; message: string }
  /** A play ended by main, not by the viewer: its media is no longer served. */
  | { kind: 'playback.ended'; recordingId: string; reason: 'case-changed' | 'officer-changed' | 'integrity-failed' }
  /** A play's recording streaming into the cache: progress, then verified (with its hash) or failed. */
  | {
      kind: 'playback.mediaStatus';
      recordingId: string;
      state: 'streaming' | 'verified' | 'failed';
      bytesLanded: number;
      totalBytes: number | null;
      sha256: string | null;
      message: string | null;
    }
  /** An access was written to the WORM log (with any alerts it raised). */
  | { kind: 'audit.recorded'; entry: AuditTrailEntry }
  /** The log's integrity state changed (a consistency check or a verification). */
  | { kind: 'audit.integrityChanged'; integrity: AuditIntegrity }
  | { kind: 'pack.progress'; progress: PackProgress }
  | { kind: 'job.progress'; progress: JobProgress }
  /** The WORM store or Genesys was probed, or a real call saw whether it answers. */
  | { kind: 'health.changed'; status: HealthStatus };

export type DomainEventKind = DomainEvent['kind'];
export type DomainEventOf<K extends DomainEventKind> = Extract<DomainEvent, { kind: K }>;

/** Services publish; hosts subscribe. */
export class EventHub {
  private readonly listeners = new Set<(event: DomainEvent) => void>();

  publish(event: DomainEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  subscribe(listener: (event: DomainEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
