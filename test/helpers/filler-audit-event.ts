import { randomUUID } from 'node:crypto';
import type { AuditEvent } from '../../shared/domain';

/** An event as the app writes them, about a call of its own, chained after `prevHash` (benchmarks' filler). */
export function fillerAuditEvent(logId: string, seq: number, prevHash: string, timeMs: number): AuditEvent {
  return {
    schema: 'custody.audit.v1',
    logId,
    seq,
    eventId: randomUUID(),
    time: new Date(timeMs).toISOString(),
    operator: { osAccount: `officer${seq % 7}`, name: `Officer ${seq % 7}` },
    workstation: { hostname: `LON-CMP-${seq % 13}`, addresses: ['10.20.4.17', 'fd00:20::17'] },
    action: (['search', 'preview', 'play', 'seek', 'download'] as const)[seq % 5]!,
    conversationId: randomUUID(),
    recordingId: randomUUID(),
    tradingId: `T-2026-${String(seq % 9973).padStart(6, '0')}`,
    caseReference: `FCA-2026-${String(seq % 97).padStart(4, '0')}`,
    details: { startOffsetMs: 0 },
    prevHash,
  };
}
