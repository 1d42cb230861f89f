import type { Sandbox, SeedConversation } from '../sandbox/server';
import { TEST_ANCHOR } from './engine-harness';

const DAY_MS = 86_400_000;

export type ArchiveWindow = { sinceMs: number; untilMs: number; conversations: Array<SeedConversation> };

/**
 * A run of consecutive seeded conversations, small enough for radosgw's in-memory store, with what a
 * test needs in it (a recording over the multipart threshold, an untagged call). Only calls from
 * 2-25 days back: the attribute search reaches 30 days, and recent calls are still settling.
 */
export function archiveWindow(
  sandbox: Sandbox,
  options: { maxBytes: number; multipartOver?: number; untagged?: boolean; minRecordings?: number; skip?: ReadonlySet<string> },
): ArchiveWindow {
  const eligible = sandbox.dataset.conversations
    .filter((c) => {
      const start = Date.parse(c.startTime);
      return start > TEST_ANCHOR.getTime() - 25 * DAY_MS && start < TEST_ANCHOR.getTime() - 2 * DAY_MS;
    })
    .sort((a, b) => Date.parse(a.startTime) - Date.parse(b.startTime));
  for (let first = 0; first < eligible.length; first += 1) {
    let bytes = 0;
    const picked: Array<SeedConversation> = [];
    for (let i = first; i < eligible.length; i += 1) {
      const conversation = eligible[i]!;
      const size = conversation.recordings.reduce((sum, r) => sum + r.sizeBytes, 0);
      const usable = conversation.recordings.every((r) => r.fileState === 'AVAILABLE') && !options.skip?.has(conversation.id);
      if (!usable || bytes + size > options.maxBytes) break;
      bytes += size;
      picked.push(conversation);
      const recordings = picked.flatMap((c) => c.recordings);
      const ok =
        recordings.length >= (options.minRecordings ?? 1) &&
        (options.multipartOver === undefined || recordings.some((r) => r.sizeBytes > options.multipartOver!)) &&
        (!options.untagged || picked.some((c) => c.tradingId === null));
      if (ok) {
        return { sinceMs: Date.parse(picked[0]!.startTime), untilMs: Date.parse(conversation.startTime) + 1, conversations: [...picked] };
      }
    }
  }
  throw new Error('the seeded dataset has no suitable archive window');
}
