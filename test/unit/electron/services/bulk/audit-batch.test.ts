import { describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../../../../shared/domain';
import { genesisHash, serializeAuditEvent } from '../../../../../electron/services/audit/layout';
import { bulkDownloadEvent, isAuditableRecording, recordingsThatFit, type BatchRecording } from '../../../../../electron/services/bulk/audit-batch';

const job = { id: 'job-7f3a', caseReference: 'FCA-2026-0042' };
const recording = (n: number, extra: Partial<BatchRecording> = {}): BatchRecording => ({
  conversationId: `c-${n}`,
  recordingId: `r-${n}`,
  tradingId: 'T-20261125-0044',
  ...extra,
});

/** The event as AuditLog would store it, with a large envelope (long names, many addresses, every alert). */
function stored(input: ReturnType<typeof bulkDownloadEvent>): AuditEvent {
  const alerts = Array.from({ length: 4 }, () => ({ rule: 'unusual-volume', message: 'x'.repeat(400) }));
  return {
    schema: 'custody.audit.v1',
    logId: 'l'.repeat(64),
    seq: 999_999_999_999,
    eventId: '0'.repeat(36),
    time: new Date().toISOString(),
    operator: { osAccount: 'o'.repeat(256), name: 'n'.repeat(256) },
    workstation: { hostname: 'h'.repeat(253), addresses: Array.from({ length: 16 }, () => 'fe80:0000:0000:0000:0000:0000:0000:0001%eth0') },
    action: input.action,
    conversationId: input.conversationId ?? null,
    recordingId: input.recordingId ?? null,
    tradingId: input.tradingId ?? null,
    caseReference: input.caseReference ?? null,
    details: { ...input.details, alerts },
    prevHash: genesisHash,
  };
}

describe('bulk download audit events', () => {
  it('lists a batch as [conversationId, recordingId] items, the shape of the export event, with the job, case and source', () => {
    const event = bulkDownloadEvent(job, [recording(1), recording(2, { conversationId: 'c-9', tradingId: null })], 'batch');
    expect(event).toEqual({
      action: 'download',
      conversationId: null,
      recordingId: null,
      tradingId: null,
      caseReference: 'FCA-2026-0042',
      details: { jobId: 'job-7f3a', via: 'batch', destination: 'bulk job output folder', items: [['c-1', 'r-1'], ['c-9', 'r-2']] },
    });
  });

  it('names at the top what every listed recording shares: conversation, trading ID, and the recording when it is alone', () => {
    expect(bulkDownloadEvent(job, [recording(1)], 'per-conversation')).toMatchObject({ conversationId: 'c-1', recordingId: 'r-1', tradingId: 'T-20261125-0044' });
    const sameCall = bulkDownloadEvent(job, [recording(1), recording(2, { conversationId: 'c-1' })], 'per-conversation');
    expect(sameCall).toMatchObject({ conversationId: 'c-1', recordingId: null, tradingId: 'T-20261125-0044' });
    // A trading ID that is not one (hostile data from Genesys) is never put at the top.
    expect(bulkDownloadEvent(job, [recording(1, { tradingId: 'T\u0000X' })], 'batch').tradingId).toBeNull();
    expect(() => bulkDownloadEvent(job, [], 'batch')).toThrow(RangeError);
  });

  it('sizes a batch so that the stored event stays under the 64 KiB audit record, even with the longest IDs and a large envelope', () => {
    const longest = Array.from({ length: 2_000 }, (_, n) => recording(n, { conversationId: `c${String(n).padStart(63, '0')}`, recordingId: `r${String(n).padStart(63, '0')}` }));
    expect(longest.every(isAuditableRecording)).toBe(true);
    const fit = recordingsThatFit(longest, 2_000);
    expect(fit).toBeGreaterThan(200);
    expect(fit).toBeLessThan(2_000);
    expect(Buffer.byteLength(serializeAuditEvent(stored(bulkDownloadEvent(job, longest.slice(0, fit), 'batch'))))).toBeLessThan(64 * 1024);
    // The count cap applies first; a single recording always fits.
    expect(recordingsThatFit(longest, 16)).toBe(16);
    expect(recordingsThatFit(longest, 5, 10)).toBe(1);
  });

  it('refuses IDs that are not Genesys IDs', () => {
    expect(isAuditableRecording(recording(1))).toBe(true);
    expect(isAuditableRecording(recording(1, { recordingId: '../../etc' }))).toBe(false);
    expect(isAuditableRecording(recording(1, { conversationId: 'c'.repeat(65) }))).toBe(false);
  });
});
