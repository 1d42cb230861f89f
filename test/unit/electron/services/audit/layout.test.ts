import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  auditEventKey,
  auditEventsPrefix,
  genesisHash,
  hashAuditEvent,
  parseStoredAuditEvent,
  seqOfAuditEventKey,
  serializeAuditEvent,
} from '../../../../../electron/services/audit/layout';
import type { AuditEvent } from '../../../../../shared/domain';

const logId = '3f0c9a52-6f0e-4c8e-9d1a-0b6c2f1e7a11';

const event: AuditEvent = {
  schema: 'custody.audit.v1',
  logId,
  seq: 7,
  eventId: 'e-7',
  time: '2026-11-26T09:00:00.000Z',
  operator: { osAccount: 'jdoe', name: 'Jane Doe' },
  workstation: { hostname: 'ws-1', addresses: ['10.0.0.5'] },
  action: 'play',
  conversationId: 'c-1',
  recordingId: 'r-1',
  tradingId: null,
  caseReference: 'CASE-42',
  details: { offsetMs: 1200, reason: 'regulator request' },
  prevHash: genesisHash,
};

describe('audit event hashing', () => {
  it('hashes the canonical JSON with SHA-256, independent of key order', () => {
    const reordered = Object.fromEntries(Object.entries(event).reverse()) as AuditEvent;
    const canonical =
      '{"action":"play","caseReference":"CASE-42","conversationId":"c-1","details":{"offsetMs":1200,"reason":"regulator request"},' +
      '"eventId":"e-7","logId":"3f0c9a52-6f0e-4c8e-9d1a-0b6c2f1e7a11","operator":{"name":"Jane Doe","osAccount":"jdoe"},' +
      '"prevHash":"0000000000000000000000000000000000000000000000000000000000000000","recordingId":"r-1","schema":"custody.audit.v1",' +
      '"seq":7,"time":"2026-11-26T09:00:00.000Z","tradingId":null,"workstation":{"addresses":["10.0.0.5"],"hostname":"ws-1"}}';
    expect(serializeAuditEvent(event)).toBe(canonical);
    expect(hashAuditEvent(event)).toBe(createHash('sha256').update(canonical).digest('hex'));
    expect(hashAuditEvent(reordered)).toBe(hashAuditEvent(event));
  });

  it('changes when any field changes', () => {
    expect(hashAuditEvent({ ...event, details: { offsetMs: 1201, reason: 'regulator request' } })).not.toBe(hashAuditEvent(event));
  });

  it('parses a stored event and hashes the bytes as stored, including fields it does not know', () => {
    const stored = parseStoredAuditEvent(serializeAuditEvent(event));
    expect(stored.event).toEqual(event);
    expect(stored.hash).toBe(hashAuditEvent(event));
    const withExtra = parseStoredAuditEvent(JSON.stringify({ ...event, signature: 'abc' }));
    expect(withExtra.hash).not.toBe(hashAuditEvent(event));
  });

  it('refuses stored text that is not an audit event', () => {
    expect(() => parseStoredAuditEvent('{"seq":')).toThrow(/not JSON/);
    expect(() => parseStoredAuditEvent(JSON.stringify({ ...event, prevHash: 'xyz' }))).toThrow(/custody\.audit\.v1/);
  });
});

describe('audit event keys', () => {
  it('zero-pads seq to 12 digits under the log prefix', () => {
    expect(auditEventKey(logId, 0)).toBe(`audit/v1/${logId}/events/000000000000.json`);
    expect(auditEventKey(logId, 123456)).toBe(`audit/v1/${logId}/events/000000123456.json`);
    expect(auditEventsPrefix(logId)).toBe(`audit/v1/${logId}/events/`);
  });

  it('sorts lexicographically in seq order', () => {
    const seqs = [10, 9, 100, 0, 99, 1_000_000, 11];
    const keys = seqs.map((seq) => auditEventKey(logId, seq)).sort();
    expect(keys.map((key) => seqOfAuditEventKey(logId, key))).toEqual([...seqs].sort((a, b) => a - b));
  });

  it('maps keys back to seqs and ignores foreign keys', () => {
    expect(seqOfAuditEventKey(logId, auditEventKey(logId, 42))).toBe(42);
    expect(seqOfAuditEventKey(logId, `audit/v1/${logId}/events/42.json`)).toBeNull();
    expect(seqOfAuditEventKey(logId, auditEventKey('other-log', 42))).toBeNull();
  });

  it('refuses unsafe log ids and out-of-range seqs', () => {
    expect(() => auditEventKey('../etc', 1)).toThrow(/log id/);
    expect(() => auditEventKey(logId, -1)).toThrow(/out of range/);
    expect(() => auditEventKey(logId, 1.5)).toThrow(/out of range/);
    expect(() => auditEventKey(logId, 10 ** 12)).toThrow(/out of range/);
  });
});
