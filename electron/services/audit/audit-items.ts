import type { AuditEvent } from '../../../shared/domain';
import type { AuditItem } from '../../db/repositories/audit-mirror-repository';

const maxIdLength = 128;

/**
 * The items an event lists in `details.items`, as migration 0090 reads them: `[conversationId,
 * recordingId, tradingId?]` (evidence packs) or `{ conversationId, recordingId, tradingId }` (archive
 * runs, batches). Events come from the bucket, so anything else is skipped, never trusted.
 */
export function itemsOf(event: Readonly<Pick<AuditEvent, 'details'>>): Array<AuditItem> {
  const listed = event.details.items;
  if (!Array.isArray(listed)) return [];
  const items: Array<AuditItem> = [];
  for (const entry of listed as Array<unknown>) {
    let fields: Array<unknown>;
    if (Array.isArray(entry)) fields = [entry[0], entry[1], entry[2]];
    else if (entry !== null && typeof entry === 'object') {
      const { conversationId, recordingId, tradingId } = entry as Record<string, unknown>;
      fields = [conversationId, recordingId, tradingId];
    } else continue;
    const [conversationId, recordingId, tradingId] = fields.map(idOrNull);
    if (conversationId === undefined || recordingId === undefined || tradingId === undefined) continue;
    if (conversationId === null && recordingId === null && tradingId === null) continue;
    items.push({ conversationId, recordingId, tradingId });
  }
  return items;
}

/** A string ID within bounds, null when absent, undefined when the item is malformed. */
function idOrNull(value: unknown): string | null | undefined {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' && value.length <= maxIdLength ? value : undefined;
}
