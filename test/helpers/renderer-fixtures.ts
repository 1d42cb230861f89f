import type { AuditStatus, AuditTrailEntry } from '../../shared/audit-views';
import type { OfficerView } from '../../shared/ipc/channels/auth';
import { CHECKED_PERMISSIONS } from '../../shared/officer-permissions';
import type { PlaybackGrant, RecordingDetail, RecordingMatch, SearchResult, SessionInfo, Waveform } from '../../shared/domain';

/** Canned data for renderer tests and the UI preview: realistic shapes, valid against the contract. */

const minutesAgo = (now: number, minutes: number) => new Date(now - minutes * 60_000).toISOString();

export function sampleSession(now = Date.now(), caseReference: string | null = null): SessionInfo {
  return {
    profile: 'production',
    operator: { osAccount: 'CORP\\mhartmann', name: 'Maria Hartmann' },
    workstation: { hostname: 'LON-CMP-0142', addresses: ['10.20.4.17'] },
    caseReference,
    index: {
      lastSyncedAt: minutesAgo(now, 3),
      coveredFrom: '2025-01-01T00:00:00.000Z',
      coveredTo: minutesAgo(now, 3),
    },
  };
}

export const sampleMatches: Array<RecordingMatch> = [
  {
    conversationId: 'c0a1e5d2-4f0b-4d7e-9a31-2b8f1e6c7d01',
    recordingId: 'r7f3b2c1-0d4e-4a5b-8c6d-9e0f1a2b3c01',
    tradingId: 'T-2025-004817',
    clientAccount: 'ACC-10442',
    startTime: '2025-03-14T09:12:05.000Z',
    endTime: '2025-03-14T09:16:47.000Z',
    durationMs: 282_000,
    queue: 'FX Desk',
    agent: 'James Whitfield',
    direction: 'inbound',
    fileState: 'AVAILABLE',
  },
  {
    conversationId: 'c0a1e5d2-4f0b-4d7e-9a31-2b8f1e6c7d02',
    recordingId: 'r7f3b2c1-0d4e-4a5b-8c6d-9e0f1a2b3c02',
    tradingId: null,
    clientAccount: 'ACC-10442',
    startTime: '2025-03-14T10:41:30.000Z',
    endTime: '2025-03-14T10:43:02.000Z',
    durationMs: 92_000,
    queue: 'FX Desk',
    agent: 'James Whitfield',
    direction: 'outbound',
    fileState: 'AVAILABLE',
  },
  {
    conversationId: 'c0a1e5d2-4f0b-4d7e-9a31-2b8f1e6c7d03',
    recordingId: 'r7f3b2c1-0d4e-4a5b-8c6d-9e0f1a2b3c03',
    tradingId: 'T-2025-004829',
    clientAccount: 'ACC-20917',
    startTime: '2025-03-14T13:05:11.000Z',
    endTime: '2025-03-14T13:24:58.000Z',
    durationMs: 1_187_000,
    queue: 'Rates Sales',
    agent: 'Priya Raman',
    direction: 'inbound',
    fileState: 'ARCHIVED',
  },
  {
    conversationId: 'c0a1e5d2-4f0b-4d7e-9a31-2b8f1e6c7d04',
    recordingId: null,
    tradingId: 'T-2025-004830',
    clientAccount: null,
    startTime: '2025-03-14T15:59:40.000Z',
    endTime: null,
    durationMs: null,
    queue: null,
    agent: 'Priya Raman',
    direction: 'outbound',
    fileState: null,
  },
];

export function sampleSearchResult(now = Date.now(), matches = sampleMatches): SearchResult {
  return {
    matches,
    index: { lastSyncedAt: minutesAgo(now, 3), coveredFrom: '2025-01-01T00:00:00.000Z', coveredTo: minutesAgo(now, 3), source: 'live', warning: null },
    auditEventId: 'evt-000184-search',
  };
}

export function sampleDetail(match: RecordingMatch): RecordingDetail {
  return {
    ...match,
    participants: [
      { purpose: 'agent', name: match.agent, userId: 'u-5521' },
      { purpose: 'customer', name: 'External client', userId: null },
    ],
    cached: null,
  };
}

export function sampleGrant(recordingId: string, mediaUrl = `media://recording/${recordingId}`): PlaybackGrant {
  return {
    recordingId,
    mediaUrl,
    auditEventId: 'evt-000185-play',
    sha256: '3f1c9a0e5b7d24c8e6f0a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f6',
    bytes: 4_512_044,
    durationMs: 282_000,
    contentType: 'audio/ogg',
  };
}

/** Two channels of speech-like peaks: the agent and the client take turns, with some overlap. */
export function sampleWaveform(recordingId: string, durationMs = 282_000, buckets = 1000): Waveform {
  const lane = (phase: number) =>
    Array.from({ length: buckets }, (_, i) => {
      const turn = Math.sin((i / buckets) * Math.PI * 14 + phase) > -0.2 ? 1 : 0.06;
      const syllables = 0.45 + 0.55 * Math.abs(Math.sin(i * 0.9 + phase) * Math.cos(i * 0.23));
      return Math.round(Math.min(1, turn * syllables * 0.9) * 1000) / 1000;
    });
  return { recordingId, durationMs, peaks: [lane(0), lane(Math.PI)] };
}

/** The sandbox's officer A as the header shows her: every checked permission granted, access for another hour. */
export function sampleOfficer(now = Date.now()): OfficerView {
  return {
    genesysUserId: '0ff1ce00-0000-4000-8000-00000000000a',
    name: 'Olivia Adler',
    email: 'officer.a@sandbox.custody.test',
    permissions: CHECKED_PERMISSIONS.map((permission) => ({ permission, granted: true })),
    signedInAt: new Date(now - 600_000).toISOString(),
    accessExpiresAt: new Date(now + 3_600_000).toISOString(),
  };
}

/** The audit log id the renderer tests' trail pages name. */
export const SAMPLE_LOG_ID = '6f1b1e2a-1c2d-4e5f-8a9b-0c1d2e3f4a5b';

/** Yesterday (UTC) at midnight, from the real clock: sample entries are never dated in a fixed past or the future. */
const trailDay = () => {
  const yesterday = new Date(Date.now() - 86_400_000);
  return Date.UTC(yesterday.getUTCFullYear(), yesterday.getUTCMonth(), yesterday.getUTCDate());
};

/** An audit trail entry: Maria Hartmann plays rec-1 of trade T-2025-004817 under FCA-2025-0193, at 09:<seq> UTC yesterday. */
export function sampleTrailEntry(seq: number, overrides: Partial<AuditTrailEntry> = {}): AuditTrailEntry {
  return {
    logId: SAMPLE_LOG_ID,
    seq,
    eventId: `evt-${seq}`,
    time: new Date(trailDay() + (9 * 60 + seq) * 60_000).toISOString(),
    operator: { osAccount: 'mhartmann', name: 'Maria Hartmann' },
    workstation: { hostname: 'LON-CMP-0142', addresses: ['10.20.4.17'] },
    action: 'play',
    conversationId: 'conv-1',
    recordingId: 'rec-1',
    tradingId: 'T-2025-004817',
    caseReference: 'FCA-2025-0193',
    summary: 'from 0:00',
    alerts: [],
    ...overrides,
  };
}

/** The log's status: three events, checkpointed and verified up to tree size 3. */
export function sampleAuditStatus(overrides: Partial<AuditStatus> = {}): AuditStatus {
  return {
    logId: SAMPLE_LOG_ID,
    bucket: 'custody-audit',
    localTreeSize: 3,
    lastCheckpoint: { treeSize: 3, rootHash: 'ab'.repeat(32), time: '2026-11-26T09:03:00.000Z' },
    verifiedHead: { treeSize: 3, rootHash: 'ab'.repeat(32), time: '2026-11-26T09:04:00.000Z' },
    integrity: { state: 'ok', source: 'consistency', checkedAt: '2026-11-26T09:04:00.000Z', message: 'the log at tree size 3 extends the head verified before (size 2)', firstBad: null },
    keyId: 'cd'.repeat(32),
    ...overrides,
  };
}
