import type { RecordingMatch } from '../../shared/domain';

/** The results table's sortable columns. */
export type ResultColumn = 'start' | 'tradingId' | 'clientAccount' | 'agent' | 'queue' | 'direction' | 'duration' | 'fileState';
export type ResultSort = { column: ResultColumn; descending: boolean };


type Key = string | number | null;

const keyOf: Record<ResultColumn, (m: RecordingMatch) => Key> = {
  start: (m) => Date.parse(m.startTime),
  tradingId: (m) => m.tradingId,
  clientAccount: (m) => m.clientAccount,
  agent: (m) => m.agent,
  queue: (m) => m.queue,
  direction: (m) => m.direction,
  duration: (m) => m.durationMs,
  fileState: (m) => m.fileState,
};

const collator = new Intl.Collator(undefined, { numeric: true, sensitivity: 'base' });

/** Blanks sort last in both directions: a missing trading ID is a finding, not a first row. */
function compareKeys(a: Key, b: Key, descending: boolean): number {
  if (a === b) return 0;
  if (a === null) return 1;
  if (b === null) return -1;
  const order = typeof a === 'number' && typeof b === 'number' ? a - b : collator.compare(String(a), String(b));
  return descending ? -order : order;
}

/**
 * The rows in the asked order. Ties keep a conversation's recordings together, in recording order,
 * so the parts of one call sit next to each other under every sort by a call-wide column.
 */
export function sortMatches(matches: ReadonlyArray<RecordingMatch>, sort: ResultSort): Array<RecordingMatch> {
  const key = keyOf[sort.column];
  const callStart = new Map<string, number>();
  for (const m of matches) {
    const start = Date.parse(m.startTime);
    callStart.set(m.conversationId, Math.min(callStart.get(m.conversationId) ?? start, start));
  }
  return [...matches].sort(
    (a, b) =>
      compareKeys(key(a), key(b), sort.descending) ||
      compareKeys(callStart.get(a.conversationId)!, callStart.get(b.conversationId)!, true) ||
      collator.compare(a.conversationId, b.conversationId) ||
      Date.parse(a.startTime) - Date.parse(b.startTime) ||
      collator.compare(a.recordingId ?? '', b.recordingId ?? ''),
  );
}

/** Sorting by `column` (from the answer's own order, null: newest call first, a call's parts together): a second click on the same column turns the order round; a new column starts as its natural order. */
export function nextSort(current: ResultSort | null, column: ResultColumn): ResultSort {
  if (current?.column === column) return { column, descending: !current.descending };
  return { column, descending: column === 'start' || column === 'duration' };
}

/** Which part of its conversation each recording is (1 of 2 …), for conversations with more than one. */
export function recordingParts(matches: ReadonlyArray<RecordingMatch>): Map<RecordingMatch, { part: number; of: number }> {
  const byConversation = new Map<string, Array<RecordingMatch>>();
  for (const m of matches) {
    const recordings = byConversation.get(m.conversationId);
    if (recordings) recordings.push(m);
    else byConversation.set(m.conversationId, [m]);
  }
  const parts = new Map<RecordingMatch, { part: number; of: number }>();
  for (const recordings of byConversation.values()) {
    if (recordings.length < 2) continue;
    const ordered = [...recordings].sort((a, b) => Date.parse(a.startTime) - Date.parse(b.startTime) || collator.compare(a.recordingId ?? '', b.recordingId ?? ''));
    ordered.forEach((m, i) => parts.set(m, { part: i + 1, of: ordered.length }));
  }
  return parts;
}

/** The rows a scroll position shows: a window of fixed-height rows with a few spare above and below. */
export function visibleRows(total: number, scrollTop: number, viewportHeight: number, rowHeight: number, overscan = 8): { first: number; last: number } {
  const first = Math.max(0, Math.floor(scrollTop / rowHeight) - overscan);
  const last = Math.min(total, Math.ceil((scrollTop + viewportHeight) / rowHeight) + overscan);
  return { first, last: Math.max(first, last) };
}
