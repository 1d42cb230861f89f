import type { Annotation } from '../../../shared/annotations';
import type { Officer } from '../../../shared/domain';
import type { Db } from '../connection';

/** One version of an annotation as written after its 'annotate' audit event was acknowledged. */
export type AnnotationVersionRecord = {
  annotationId: string;
  version: number;
  recordingId: string;
  conversationId: string;
  fromMs: number;
  toMs: number;
  note: string;
  caseReference: string | null;
  deleted: boolean;
  writtenMs: number;
  writtenBy: Officer;
  auditEventId: string;
};

type VersionRow = {
  annotation_id: string;
  version: number;
  recording_id: string;
  conversation_id: string;
  from_ms: number;
  to_ms: number;
  note: string;
  case_reference: string | null;
  deleted: number;
  written_ms: number;
  written_by_json: string;
  audit_event_id: string;
  created_ms: number;
  created_by_json: string;
};

const toAnnotation = (row: VersionRow): Annotation => ({
  annotationId: row.annotation_id,
  recordingId: row.recording_id,
  conversationId: row.conversation_id,
  fromMs: row.from_ms,
  toMs: row.to_ms,
  note: row.note,
  caseReference: row.case_reference,
  version: row.version,
  deleted: row.deleted === 1,
  createdAt: new Date(row.created_ms).toISOString(),
  createdBy: JSON.parse(row.created_by_json) as Officer,
  updatedAt: new Date(row.written_ms).toISOString(),
  updatedBy: JSON.parse(row.written_by_json) as Officer,
  auditEventId: row.audit_event_id,
});

const withCreation = `
  SELECT v.*, a.created_ms, a.created_by_json
  FROM annotation_versions v JOIN annotations a ON a.annotation_id = v.annotation_id`;

/** Annotations and every version of them (migration 0130). */
export function createAnnotationRepository(db: Db) {
  const selectCurrentVersion = db.prepare('SELECT current_version FROM annotations WHERE annotation_id = ?');
  const insertVersion = db.prepare(`
    INSERT INTO annotation_versions (annotation_id, version, recording_id, conversation_id, from_ms, to_ms, note, case_reference, deleted, written_ms, written_by_json, audit_event_id)
    VALUES (@annotationId, @version, @recordingId, @conversationId, @fromMs, @toMs, @note, @caseReference, @deleted, @writtenMs, @writtenByJson, @auditEventId)`);
  const insertAnnotation = db.prepare(`
    INSERT INTO annotations (annotation_id, recording_id, current_version, created_ms, created_by_json)
    VALUES (@annotationId, @recordingId, @version, @writtenMs, @writtenByJson)`);
  const advance = db.prepare('UPDATE annotations SET current_version = ? WHERE annotation_id = ? AND current_version = ?');
  const selectCurrent = db.prepare(`${withCreation} AND v.version = a.current_version WHERE a.annotation_id = ?`);
  const selectOfRecording = db.prepare(`${withCreation} AND v.version = a.current_version WHERE a.recording_id = ? ORDER BY v.from_ms, v.to_ms, a.created_ms`);
  const selectHistory = db.prepare(`${withCreation} WHERE v.annotation_id = ? ORDER BY v.version`);

  const write = db.transaction((record: AnnotationVersionRecord): boolean => {
    const current = (selectCurrentVersion.get(record.annotationId) as { current_version: number } | undefined)?.current_version ?? 0;
    if (current !== record.version - 1) return false;
    const row = { ...record, deleted: record.deleted ? 1 : 0, writtenByJson: JSON.stringify(record.writtenBy) };
    insertVersion.run(row);
    if (current === 0) insertAnnotation.run(row);
    else advance.run(record.version, record.annotationId, current);
    return true;
  });

  return {
    /** Stores the next version; false (nothing stored) when another version was written meanwhile. */
    async write(record: AnnotationVersionRecord): Promise<boolean> {
      return write(record);
    },
    async current(annotationId: string): Promise<Annotation | null> {
      const row = selectCurrent.get(annotationId) as VersionRow | undefined;
      return row ? toAnnotation(row) : null;
    },
    /** A recording's annotations at their current version, in time order; deleted ones only when asked. */
    async ofRecording(recordingId: string, options: { includeDeleted?: boolean } = {}): Promise<Array<Annotation>> {
      const rows = (selectOfRecording.all(recordingId) as Array<VersionRow>).map(toAnnotation);
      return options.includeDeleted ? rows : rows.filter((a) => !a.deleted);
    },
    /** Every version of one annotation, oldest first. */
    async history(annotationId: string): Promise<Array<Annotation>> {
      return (selectHistory.all(annotationId) as Array<VersionRow>).map(toAnnotation);
    },
  };
}

export type AnnotationRepository = ReturnType<typeof createAnnotationRepository>;
