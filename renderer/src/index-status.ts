import { assertNever } from '../../shared/assert';
import type { IndexFreshness, SessionInfo } from '../../shared/domain';
import type { EventPayload } from '../../shared/ipc/contract';
import { formatLocalTime, formatRelative, formatUtcTime } from './format';

/** What the header knows about the local recording index, merged from the session, searches and sync pushes. */
export type IndexStatus = {
  lastSyncedAt: string | null;
  /** 'unknown' until a search or a sync tells us whether Genesys is reachable. */
  source: 'live' | 'offline' | 'unknown';
  warning: string | null;
  syncing: boolean;
  /** The window being synced in the background and how much of it the index covers, while it runs. */
  progress: { from: string; to: string; coveredFraction: number } | null;
};

export function indexStatusFromSession(session: Readonly<SessionInfo>): IndexStatus {
  return { lastSyncedAt: session.index.lastSyncedAt, source: 'unknown', warning: null, syncing: false, progress: null };
}

export function indexStatusFromSearch(index: Readonly<IndexFreshness>, previous: Readonly<IndexStatus> | null): IndexStatus {
  return { lastSyncedAt: index.lastSyncedAt, source: index.source, warning: index.warning, syncing: previous?.syncing ?? false, progress: previous?.progress ?? null };
}

export function applySyncEvent(previous: Readonly<IndexStatus> | null, event: Readonly<EventPayload<'index:syncStatus'>>): IndexStatus {
  const lastSyncedAt = event.lastSyncedAt ?? previous?.lastSyncedAt ?? null;
  switch (event.state) {
    case 'started':
    case 'progress':
      return { lastSyncedAt, source: previous?.source ?? 'unknown', warning: previous?.warning ?? null, syncing: true, progress: event.progress ?? null };
    case 'finished':
      return { lastSyncedAt, source: 'live', warning: event.message, syncing: false, progress: null };
    case 'failed':
      return { lastSyncedAt, source: 'offline', warning: event.message, syncing: false, progress: null };
    default:
      return assertNever(event.state, 'unknown sync state');
  }
}

export type IndexStatusText = { text: string; title: string | null; tone: 'ok' | 'offline' | 'stale'; warning: string | null };

export function describeIndexStatus(status: Readonly<IndexStatus>, nowMs: number): IndexStatusText {
  const title = status.lastSyncedAt ? `Last synced ${formatUtcTime(status.lastSyncedAt)}` : null;
  const suffix = !status.syncing ? '' : status.progress ? ` · syncing history ${Math.floor(status.progress.coveredFraction * 100)}%…` : ' · syncing…';
  if (status.source === 'offline') {
    const from = status.lastSyncedAt ? formatLocalTime(status.lastSyncedAt) : 'never synced';
    return { text: `Offline — index from ${from}${suffix}`, title, tone: 'offline', warning: status.warning };
  }
  if (!status.lastSyncedAt) {
    return { text: `Index not synced yet${suffix}`, title, tone: 'stale', warning: status.warning };
  }
  return {
    text: `Index synced ${formatRelative(status.lastSyncedAt, nowMs)}${suffix}`,
    title,
    tone: 'ok',
    warning: status.warning,
  };
}
