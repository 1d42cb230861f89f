import { createHash } from 'node:crypto';
import type { AuditEventRecord } from '../../electron/db/repositories/audit-mirror-repository';
import { itemsOf } from '../../electron/services/audit/audit-items';
import { canonicalJson } from '../../shared/canonical-json';
import { leafHash } from '../../shared/crypto/merkle';
import type { AuditEvent } from '../../shared/domain';
import { testClockStart } from './fake-clock';

const sha256 = (d: Uint8Array) => new Uint8Array(createHash('sha256').update(d).digest());

/** When event 0 of these records happened (event n: n seconds later), from the real time like every test clock. */
export const recordsStartMs = Math.floor(testClockStart() / 1000) * 1000;

/** An audit event as the mirror records it (body, leaf hash, items), for repository tests. */
export function auditRecord(logId: string, seq: number, extra: Partial<AuditEvent> = {}, alertCount = 0): AuditEventRecord & { body: string } {
  const event: AuditEvent = {
    schema: 'custody.audit.v1',
    logId,
    seq,
    eventId: `e-${seq}`,
    time: new Date(recordsStartMs + seq * 1000).toISOString(),
    operator: { osAccount: 'jdoe', name: 'Jane Doe' },
    workstation: { hostname: 'ws-1', addresses: ['10.0.0.5'] },
    action: 'play',
    conversationId: null,
    recordingId: null,
    tradingId: null,
    caseReference: null,
    details: {},
    prevHash: '0'.repeat(64),
    ...extra,
  };
  const body = canonicalJson(event);
  return { event, body, leafHash: leafHash(sha256, new TextEncoder().encode(body)), alertCount, items: itemsOf(event) };
}
