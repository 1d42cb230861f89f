import { describe, expect, it } from 'vitest';
import { forwardToRenderer, toRendererPush } from '../../../../../electron/main/ipc/domain-events';
import { createEmitter } from '../../../../../electron/main/ipc/emit';
import { EventHub, type DomainEventKind, type DomainEventOf } from '../../../../../electron/services/events';
import { eventChannels, type EventChannel } from '../../../../../shared/ipc/contract';

const now = new Date().toISOString();
const operator = { osAccount: 'jdoe', name: 'Jane Doe' };
const workstation = { hostname: 'ws-1', addresses: ['10.0.0.5'] };

/** One of every service event: the type makes this list grow with DomainEvent. */
const samples: { [K in DomainEventKind]: DomainEventOf<K> } = {
  'index.syncStarted': { kind: 'index.syncStarted' },
  'index.syncProgress': { kind: 'index.syncProgress', progress: { fromMs: Date.parse('2000-01-01T00:00:00Z'), toMs: Date.parse(now), coveredFraction: 0.25 } },
  'index.syncCompleted': { kind: 'index.syncCompleted', syncedAt: now },
  'index.syncFailed': { kind: 'index.syncFailed', message: 'Genesys could not be reached (HTTP 503); results come from the local index.' },
  'playback.ended': { kind: 'playback.ended', recordingId: 'rec-1', reason: 'case-changed' },
  'playback.mediaStatus': { kind: 'playback.mediaStatus', recordingId: 'rec-1', state: 'streaming', bytesLanded: 1_048_576, totalBytes: 115_200_044, sha256: null, message: null },
  'audit.recorded': {
    kind: 'audit.recorded',
    entry: {
      logId: '6f1b1e2a-1c2d-4e5f-8a9b-0c1d2e3f4a5b',
      seq: 3,
      eventId: 'e-3',
      time: now,
      operator,
      workstation,
      action: 'play',
      conversationId: 'conv-1',
      recordingId: 'rec-1',
      tradingId: 'T-1',
      caseReference: 'FCA-1',
      summary: 'from 0:00',
      alerts: [],
    },
  },
  'audit.integrityChanged': {
    kind: 'audit.integrityChanged',
    integrity: { state: 'failed', source: 'consistency', checkedAt: now, message: 'the log shrank', firstBad: null },
  },
  'pack.progress': { kind: 'pack.progress', progress: { packId: 'pack-1', stage: 'copying', done: 2, total: 5, message: 'rec-2' } },
  'job.progress': {
    kind: 'job.progress',
    progress: {
      id: 'job-1',
      state: 'running',
      message: null,
      caseReference: 'FCA-1',
      selection: { kind: 'queue', queue: 'FX', from: now, to: now },
      outDir: '/out',
      api: 'auto',
      concurrency: 8,
      createdAt: now,
      updatedAt: now,
      finishedAt: null,
      counts: { total: 200, pending: 140, fetching: 4, done: 50, failed: 4, archived: 2 },
      bytes: 6_291_456,
      ratePerMinute: 2950.4,
      etaSeconds: 3,
      inputProblems: 0,
      failures: [],
    },
  },
  'health.changed': {
    kind: 'health.changed',
    status: {
      worm: { state: 'unreachable', checkedAt: now, message: 'WORM store unavailable: HeadBucket custody-audit failed: ECONNREFUSED' },
      genesys: { state: 'reachable', checkedAt: now, message: null },
    },
  },
};

/** The channel each event reaches, as the renderer listens for it. */
const expectedChannels: Record<DomainEventKind, EventChannel> = {
  'index.syncStarted': 'index:syncStatus',
  'index.syncProgress': 'index:syncStatus',
  'index.syncCompleted': 'index:syncStatus',
  'index.syncFailed': 'index:syncStatus',
  'playback.ended': 'playback:ended',
  'playback.mediaStatus': 'playback:mediaStatus',
  'audit.recorded': 'audit:recorded',
  'audit.integrityChanged': 'audit:integrity',
  'pack.progress': 'packs:progress',
  'job.progress': 'jobs:progress',
  'health.changed': 'health:changed',
};

describe('domain events to renderer channels', () => {
  it.each(Object.values(samples))('maps $kind to the channel the renderer expects, with a payload its schema accepts', (event) => {
    const push = toRendererPush(event);
    expect(push.channel).toBe(expectedChannels[event.kind]);
    expect(eventChannels[push.channel].parse(push.payload)).toEqual(push.payload);
  });

  it('says what the index sync did in the renderer shape', () => {
    expect(toRendererPush(samples['index.syncStarted']).payload).toEqual({ state: 'started', lastSyncedAt: null, message: null });
    expect(toRendererPush(samples['index.syncCompleted']).payload).toEqual({ state: 'finished', lastSyncedAt: now, message: null });
    expect(toRendererPush(samples['index.syncFailed']).payload).toEqual({ state: 'failed', lastSyncedAt: null, message: samples['index.syncFailed'].message });
  });

  it('reaches every channel the renderer can listen on (sign-in changes come from the officer session)', () => {
    const reached = new Set<string>([...Object.values(samples).map((e) => toRendererPush(e).channel), 'auth:changed']);
    expect([...reached].sort()).toEqual(Object.keys(eventChannels).sort());
  });

  it('forwards published events through the emitter until unsubscribed', () => {
    const hub = new EventHub();
    const sent: Array<[string, unknown]> = [];
    const stop = forwardToRenderer(hub, createEmitter(() => [{ isDestroyed: () => false, send: (channel, payload) => sent.push([channel, payload]) }]));
    hub.publish(samples['playback.ended']);
    hub.publish(samples['index.syncCompleted']);
    stop();
    hub.publish(samples['index.syncStarted']);
    expect(sent).toEqual([
      ['playback:ended', { recordingId: 'rec-1', reason: 'case-changed' }],
      ['index:syncStatus', { state: 'finished', lastSyncedAt: now, message: null }],
    ]);
  });
});
