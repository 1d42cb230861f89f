import type { EventChannel, EventPayload } from '../../../shared/ipc/contract';
import type { OfficerSession } from '../../services/auth/officer';
import type { DomainEvent, EventHub, SyncProgress } from '../../services/events';
import type { Emit } from './emit';
import { officerView } from './handlers/auth';

export type RendererPush = { [E in EventChannel]: { channel: E; payload: EventPayload<E> } }[EventChannel];

/** The one place that says which renderer channel tells of which service event, and in what shape. */
export function toRendererPush(event: DomainEvent): RendererPush {
  switch (event.kind) {
    case 'index.syncStarted':
      return { channel: 'index:syncStatus', payload: { state: 'started', lastSyncedAt: null, message: null, ...progressView(event.progress) } };
    case 'index.syncProgress':
      return { channel: 'index:syncStatus', payload: { state: 'progress', lastSyncedAt: null, message: null, ...progressView(event.progress) } };
    case 'index.syncCompleted':
      return { channel: 'index:syncStatus', payload: { state: 'finished', lastSyncedAt: event.syncedAt, message: null, ...progressView(event.progress) } };
    case 'index.syncFailed':
      return { channel: 'index:syncStatus', payload: { state: 'failed', lastSyncedAt: null, message: event.message } };
    case 'playback.ended':
      return { channel: 'playback:ended', payload: { recordingId: event.recordingId, reason: event.reason } };
    case 'playback.mediaStatus': {
      const { kind: _kind, ...status } = event;
      return { channel: 'playback:mediaStatus', payload: status };
    }
    case 'audit.recorded':
      return { channel: 'audit:recorded', payload: event.entry };
    case 'audit.integrityChanged':
      return { channel: 'audit:integrity', payload: event.integrity };
    case 'pack.progress':
      return { channel: 'packs:progress', payload: event.progress };
    case 'job.progress':
      return { channel: 'jobs:progress', payload: event.progress };
    case 'health.changed':
      return { channel: 'health:changed', payload: event.status };
  }
}

function progressView(progress: SyncProgress | undefined): { progress?: { from: string; to: string; coveredFraction: number } } {
  if (!progress) return {};
  const iso = (ms: number) => new Date(ms).toISOString();
  return { progress: { from: iso(progress.fromMs), to: iso(progress.toMs), coveredFraction: progress.coveredFraction } };
}

/** Pushes every service event to the renderer through `emit`; returns the unsubscribe. */
export function forwardToRenderer(events: EventHub, emit: Emit): () => void {
  return events.subscribe((event) => {
    const { channel, payload } = toRendererPush(event);
    emit(channel, payload as never);
  });
}

/** Tells the renderer of every sign-in, sign-out and lost sign-in, as a view without tokens; returns the unsubscribe. */
export function forwardOfficerChanges(officer: Pick<OfficerSession, 'onChange'>, emit: Emit): () => void {
  return officer.onChange((signedIn) => emit('auth:changed', { officer: signedIn ? officerView(signedIn) : null }));
}
