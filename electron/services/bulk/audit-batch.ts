import { conversationIdSchema, recordingIdSchema, tradingIdSchema } from '../../../shared/domain';
import type { AuditAppendInput } from '../audit/event-chain';

/**
 * Bytes the item list of one bulk `download` event may take. An audit event is stored only up to
 * 64 KiB; the rest is left to its envelope (operator, workstation, job, alerts).
 */
export const AUDIT_ITEMS_BUDGET_BYTES = 40 * 1024;

export type BatchRecording = { conversationId: string; recordingId: string; tradingId: string | null };
export type DownloadVia = 'batch' | 'per-conversation';

/** True when both IDs are Genesys IDs an audit event may name (they come from Genesys: hostile). */
export function isAuditableRecording(recording: Readonly<BatchRecording>): boolean {
  return conversationIdSchema.safeParse(recording.conversationId).success && recordingIdSchema.safeParse(recording.recordingId).success;
}

/** How many of `recordings`, from the first, one event can list: at most `maxItems`, within `budgetBytes`. */
export function recordingsThatFit(recordings: ReadonlyArray<BatchRecording>, maxItems: number, budgetBytes = AUDIT_ITEMS_BUDGET_BYTES): number {
  let bytes = 2;
  let count = 0;
  for (const recording of recordings) {
    if (count >= maxItems) break;
    const size = Buffer.byteLength(JSON.stringify(itemOf(recording))) + (count > 0 ? 1 : 0);
    if (count > 0 && bytes + size > budgetBytes) break;
    bytes += size;
    count += 1;
  }
  return count;
}

/**
 * The one `download` event that records a batch of a job's recordings before any of them is
 * written. `details.items` lists each as `[conversationId, recordingId]`, the shape the export event
 * uses, so event queries find the event by any recording it lists; what all items share (their
 * conversation, their trading ID, the single recording) is also named at the top, as for any access.
 */
export function bulkDownloadEvent(job: { id: string; caseReference: string }, recordings: ReadonlyArray<BatchRecording>, via: DownloadVia): AuditAppendInput {
  const first = recordings[0];
  if (!first) throw new RangeError('a bulk download event lists at least one recording');
  const shared = <T>(values: ReadonlyArray<T>): T | null => (new Set(values).size === 1 ? values[0]! : null);
  return {
    action: 'download',
    conversationId: shared(recordings.map((r) => r.conversationId)),
    recordingId: recordings.length === 1 ? first.recordingId : null,
    tradingId: shared(recordings.map((r) => (r.tradingId && tradingIdSchema.safeParse(r.tradingId).success ? r.tradingId : null))),
    caseReference: job.caseReference,
    details: { jobId: job.id, via, destination: 'bulk job output folder', items: recordings.map(itemOf) },
  };
}

const itemOf = (recording: Readonly<BatchRecording>): [string, string] => [recording.conversationId, recording.recordingId];
