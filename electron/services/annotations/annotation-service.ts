import { z } from 'zod';
import { annotationIdSchema, annotationNoteSchema, annotationRangeSchema, type Annotation } from '../../../shared/annotations';
import { recordingIdSchema } from '../../../shared/domain';
import type { Logger } from '../../../shared/logger';
import type { AnnotationRepository } from '../../db/repositories/annotation-repository';
import type { IndexRecording, IndexRepository } from '../../db/repositories/index-repository';
import { officerOf, type OfficerSession, type SignedInOfficer } from '../auth/officer';
import { AuditActor } from '../audit/audit-actor';
import type { AuditWriter } from '../audit/audit-writer';
import { SerialQueue } from '../audit/serial-queue';
import { requireCase } from '../custody-engine';
import { AppError, validated, ValidationError } from '../errors';
import type { Clock } from '../ports';
import { formatClock } from '../../../shared/quantities';

type Who = { officer: SignedInOfficer; actor: AuditActor };

export type AnnotationOperation = 'create' | 'edit' | 'delete';

export type AnnotationServiceDeps = {
  annotations: AnnotationRepository;
  index: Pick<IndexRepository, 'findRecording'>;
  /** The cached WAV's exact length, when the recording is cached (null otherwise). */
  cachedDurationMs: (recordingId: string) => Promise<number | null>;
  audit: () => Promise<AuditWriter>;
  /** Who acts: annotating needs what playing does (recording:recording:view). */
  officer: OfficerSession;
  clock: Clock;
  logger: Logger;
  newId: () => string;
};

export const createAnnotationSchema = z
  .object({ recordingId: recordingIdSchema, fromMs: z.number(), toMs: z.number(), note: z.string() })
  .strict();
export type CreateAnnotation = z.input<typeof createAnnotationSchema>;

export const editAnnotationSchema = z
  .object({ annotationId: annotationIdSchema, fromMs: z.number().optional(), toMs: z.number().optional(), note: z.string().optional() })
  .strict();
export type EditAnnotation = z.input<typeof editAnnotationSchema>;

/**
 * Officers' notes on time ranges of recordings. Each creation, edit and deletion is first an 'annotate'
 * WORM audit event under the case current at that moment, carrying the annotation's id, version,
 * operation, range and the note's full text (and the previous version's event); only once it is
 * acknowledged is the version stored, so a refused audit write changes nothing. Every version is kept.
 */
export class AnnotationService {
  /** One change at a time, so each version follows the one its event names. */
  private readonly writes = new SerialQueue();

  constructor(private readonly deps: AnnotationServiceDeps) {}

  /** The recording's current annotations (deleted ones only with `includeDeleted`). */
  async list(recordingId: string, options: { includeDeleted?: boolean } = {}): Promise<Array<Annotation>> {
    await this.deps.officer.require('play');
    return this.deps.annotations.ofRecording(parseRecordingId(recordingId), options);
  }

  /** Every version of one annotation, oldest first. */
  async history(annotationId: string): Promise<Array<Annotation>> {
    await this.deps.officer.require('play');
    const versions = await this.deps.annotations.history(parseAnnotationId(annotationId));
    if (versions.length === 0) throw new AppError('NOT_FOUND', `Annotation ${annotationId} does not exist.`);
    return versions;
  }

  async create(request: CreateAnnotation, caseReference: string | null): Promise<Annotation> {
    const asked = validated(createAnnotationSchema, request, 'annotation');
    const { officer, actor, checkedCase } = await this.actorUnderCase(caseReference);
    const recording = await this.requireRecording(asked.recordingId);
    const range = await this.checkedRange(recording, asked);
    const note = checkedNote(asked.note);
    return this.writes.run(() =>
      this.write({ officer, actor }, checkedCase, recording, { annotationId: this.deps.newId(), version: 1, operation: 'create', ...range, note, deleted: false, previousEventId: null }),
    );
  }

  async edit(request: EditAnnotation, caseReference: string | null): Promise<Annotation> {
    const asked = validated(editAnnotationSchema, request, 'annotation');
    const { officer, actor, checkedCase } = await this.actorUnderCase(caseReference);
    return this.writes.run(async () => {
      const current = await this.requireLive(asked.annotationId);
      const recording = await this.requireRecording(current.recordingId);
      const range = await this.checkedRange(recording, { fromMs: asked.fromMs ?? current.fromMs, toMs: asked.toMs ?? current.toMs });
      const note = asked.note === undefined ? current.note : checkedNote(asked.note);
      return this.write({ officer, actor }, checkedCase, recording, {
        annotationId: current.annotationId,
        version: current.version + 1,
        operation: 'edit',
        ...range,
        note,
        deleted: false,
        previousEventId: current.auditEventId,
      });
    });
  }

  async delete(annotationId: string, caseReference: string | null): Promise<Annotation> {
    const id = parseAnnotationId(annotationId);
    const { officer, actor, checkedCase } = await this.actorUnderCase(caseReference);
    return this.writes.run(async () => {
      const current = await this.requireLive(id);
      const recording = await this.requireRecording(current.recordingId);
      return this.write({ officer, actor }, checkedCase, recording, {
        annotationId: id,
        version: current.version + 1,
        operation: 'delete',
        fromMs: current.fromMs,
        toMs: current.toMs,
        note: current.note,
        deleted: true,
        previousEventId: current.auditEventId,
      });
    });
  }

  private async actorUnderCase(caseReference: string | null): Promise<Who & { checkedCase: string }> {
    const who = await AuditActor.signedIn(this.deps.officer, 'play');
    return { ...who, checkedCase: requireCase(caseReference) };
  }

  /** Audits the version, then stores it: nothing is stored unless the event was acknowledged. */
  private async write(
    { officer, actor }: Who,
    caseReference: string,
    recording: IndexRecording & { recordingId: string },
    change: { annotationId: string; version: number; operation: AnnotationOperation; fromMs: number; toMs: number; note: string; deleted: boolean; previousEventId: string | null },
  ): Promise<Annotation> {
    const { deleted, ...details } = change;
    const audit = await this.deps.audit();
    const event = await audit.append(
      {
        action: 'annotate',
        conversationId: recording.conversationId,
        recordingId: recording.recordingId,
        tradingId: recording.tradingId,
        caseReference,
        details,
      },
      actor,
    );
    const stored = await this.deps.annotations.write({
      annotationId: change.annotationId,
      version: change.version,
      recordingId: recording.recordingId,
      conversationId: recording.conversationId,
      fromMs: change.fromMs,
      toMs: change.toMs,
      note: change.note,
      caseReference: event.caseReference,
      deleted,
      writtenMs: Date.parse(event.time),
      writtenBy: officerOf(officer),
      auditEventId: event.eventId,
    });
    if (!stored) {
      throw new AppError('VALIDATION', `Annotation ${change.annotationId} was changed elsewhere meanwhile; audit event ${event.eventId} names a version that was not stored. Reload and try again.`);
    }
    this.deps.logger.info('annotation written', { annotationId: change.annotationId, version: change.version, operation: change.operation, auditEventId: event.eventId });
    const written = await this.deps.annotations.current(change.annotationId);
    if (!written) throw new AppError('INTERNAL', `Annotation ${change.annotationId} vanished after it was stored.`);
    return written;
  }

  private async requireRecording(recordingId: string): Promise<IndexRecording & { recordingId: string }> {
    const match = await this.deps.index.findRecording(recordingId);
    if (!match?.recordingId) throw new AppError('NOT_FOUND', `Recording ${recordingId} is not in the local index; search for it first.`);
    return match as IndexRecording & { recordingId: string };
  }

  private async requireLive(annotationId: string): Promise<Annotation> {
    const current = await this.deps.annotations.current(annotationId);
    if (!current) throw new AppError('NOT_FOUND', `Annotation ${annotationId} does not exist.`);
    if (current.deleted) throw new AppError('VALIDATION', `Annotation ${annotationId} was deleted (version ${current.version}); it can no longer be changed.`);
    return current;
  }

  /** A whole-millisecond range inside the recording: its length from the cached WAV, else from the index. */
  private async checkedRange(recording: IndexRecording & { recordingId: string }, requested: { fromMs: number; toMs: number }): Promise<{ fromMs: number; toMs: number }> {
    const range = validated(annotationRangeSchema, requested, 'range');
    const durationMs = await this.durationOf(recording);
    if (range.toMs > durationMs) {
      throw new ValidationError(`The range ends at ${formatClock(range.toMs / 1000)}, past the end of recording ${recording.recordingId} (${formatClock(durationMs / 1000)}).`);
    }
    return range;
  }

  private async durationOf(recording: IndexRecording & { recordingId: string }): Promise<number> {
    const cached = await this.deps.cachedDurationMs(recording.recordingId);
    if (cached !== null) return cached;
    const { recordingStartMs, recordingEndMs, startMs, endMs } = recording;
    if (recordingStartMs !== null && recordingEndMs !== null && recordingEndMs > recordingStartMs) return recordingEndMs - recordingStartMs;
    // Recordings not listed yet: no recording outlasts its conversation.
    if (endMs !== null && endMs > startMs) return endMs - startMs;
    throw new AppError('VALIDATION', `The length of recording ${recording.recordingId} is not known yet; play it once, then annotate it.`);
  }
}

const checkedNote = (note: string) => validated(annotationNoteSchema, note, 'note');
const parseRecordingId = (recordingId: string) => validated(recordingIdSchema, recordingId, 'recording');
const parseAnnotationId = (annotationId: string) => validated(annotationIdSchema, annotationId, 'annotation');
