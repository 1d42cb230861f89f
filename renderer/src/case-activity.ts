import type { AuditTrailEntry } from '../../shared/audit-views';
import type { AuditAction } from '../../shared/domain';

/** What was done under a case to one recording (or, for searches and packs of many, to none in particular). */
export type CaseActivityGroup = {
  /** The recording, or null for the accesses that name none (searches, packs, holds). */
  recordingId: string | null;
  conversationId: string | null;
  tradingId: string | null;
  /** Newest first. */
  entries: Array<AuditTrailEntry>;
};

/** The verb an officer reads for each audited action. */
export const caseActionLabels: Record<AuditAction, string> = {
  search: 'Search',
  preview: 'Preview',
  play: 'Play',
  seek: 'Seek',
  download: 'Download',
  export: 'Packed (export)',
  hold: 'Legal hold',
  release: 'Hold release',
  posture: 'Posture check',
  approval: 'Approval',
  transcript: 'Transcript read',
  annotate: 'Annotation',
  import: 'Blotter import',
  link: 'Trade link decision',
  witness: 'Witness check',
};

/**
 * A case's audit entries grouped by recording, the group touched most recently first and each group's
 * entries newest first; the entries that name no recording form one group of their own, placed by its newest.
 */
export function groupByRecording(entries: ReadonlyArray<AuditTrailEntry>): Array<CaseActivityGroup> {
  const groups = new Map<string, CaseActivityGroup>();
  // Entries come from every workstation's log: newest by time, then by each log's order.
  const newestFirst = [...entries].sort((a, b) => Date.parse(b.time) - Date.parse(a.time) || b.seq - a.seq);
  for (const entry of newestFirst) {
    const key = entry.recordingId ?? '';
    let group = groups.get(key);
    if (!group) {
      group = { recordingId: entry.recordingId, conversationId: entry.conversationId, tradingId: entry.tradingId, entries: [] };
      groups.set(key, group);
    }
    group.conversationId ??= entry.conversationId;
    group.tradingId ??= entry.tradingId;
    group.entries.push(entry);
  }
  return [...groups.values()];
}
