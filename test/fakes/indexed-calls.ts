import type { IndexRepository } from '../../electron/db/repositories/index-repository';
import { conversationRow } from '../helpers/index-rows';

export type IndexedCall = {
  conversationId: string;
  recordingId?: string;
  tradingId?: string | null;
  startMs: number;
  fileState?: string;
};

/**
 * Puts calls into a real index as a sync would, and marks the year before `nowMs` as covered so
 * that IndexSync has nothing to ask Genesys for: tests start from a synced workstation.
 */
export async function indexCalls(index: IndexRepository, calls: ReadonlyArray<IndexedCall>, nowMs: number): Promise<void> {
  await index.upsertConversations(
    calls.map((c) => conversationRow(c.conversationId, c.startMs, { tradingId: c.tradingId ?? null })),
    nowMs,
  );
  for (const c of calls) {
    if (!c.recordingId) continue;
    const recordings = calls.filter((other) => other.conversationId === c.conversationId && other.recordingId);
    await index.replaceRecordings(
      c.conversationId,
      recordings.map((r) => ({ id: r.recordingId!, startMs: r.startMs, endMs: r.startMs + 60_000, media: 'audio', fileState: r.fileState ?? 'AVAILABLE', archiveDate: null, deleteDate: null })),
      nowMs,
    );
  }
  await index.addCoverage(nowMs - 365 * 86_400_000, nowMs, nowMs);
}
