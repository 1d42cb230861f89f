import type { Db } from '../../electron/db/connection';
import { saidMatchExpression } from '../../electron/db/repositories/transcript-repository';

/**
 * What the said search answers by definition: the phrases' own full-text index, the last word a prefix, newest
 * first; each recording as `id@offset,offset` (its matching phrases' offsets, in the order said).
 */
export function saidByWords(db: Db, phrase: string): Array<string> {
  const match = saidMatchExpression(phrase);
  if (match === null) return [];
  const rows = db
    .prepare('SELECT p.recording_id, p.start_ms FROM transcript_phrases_fts f JOIN transcript_phrases p ON p.id = f.rowid WHERE transcript_phrases_fts MATCH ? ORDER BY f.rowid DESC')
    .all(match) as Array<{ recording_id: string; start_ms: number }>;
  const byRecording = new Map<string, Array<number>>();
  for (const row of rows) byRecording.set(row.recording_id, [...(byRecording.get(row.recording_id) ?? []), row.start_ms]);
  return [...byRecording].map(([recording, offsets]) => `${recording}@${offsets.sort((a, b) => a - b).join(',')}`);
}
