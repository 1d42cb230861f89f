import { describe, expect, it } from 'vitest';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import { createAnnotationRepository } from '../../../../../electron/db/repositories/annotation-repository';
import { createIndexRepository } from '../../../../../electron/db/repositories/index-repository';
import { AnnotationService } from '../../../../../electron/services/annotations/annotation-service';
import { FakeAuditWriter } from '../../../../fakes/audit-writer';
import { indexCalls } from '../../../../fakes/indexed-calls';
import { AGENT_C, FakeOfficerSession, OFFICER_A } from '../../../../fakes/officer-session';
import { FakeClock } from '../../../../helpers/fake-clock';
import { MemoryLogger } from '../../../../helpers/memory-logger';

const CASE = 'CASE-2026-17';

/** The service on a real in-memory index (a 60 s recording r-1), a fake WORM log and officer A signed in. */
async function setUp(options: { cachedDurationMs?: number } = {}) {
  const clock = new FakeClock();
  const db = openDatabaseSync(':memory:');
  const index = createIndexRepository(db);
  await indexCalls(index, [{ conversationId: 'c-1', recordingId: 'r-1', tradingId: 'T-1', startMs: clock.now() - 86_400_000 }], clock.now());
  const annotations = createAnnotationRepository(db);
  const audit = new FakeAuditWriter({ clock });
  const officer = new FakeOfficerSession();
  let ids = 0;
  const service = new AnnotationService({
    annotations,
    index,
    cachedDurationMs: async () => options.cachedDurationMs ?? null,
    audit: async () => audit,
    officer,
    clock,
    logger: new MemoryLogger(),
    newId: () => `00000000-0000-4000-8000-${String(++ids).padStart(12, '0')}`,
  });
  return { service, audit, annotations, officer };
}

describe('AnnotationService', () => {
  it('audits each change with its full note before storing it, and keeps every version', async () => {
    const { service, audit } = await setUp();
    const created = await service.create({ recordingId: 'r-1', fromMs: 1_000, toMs: 5_500, note: 'Agent quotes 1.0842\nclient accepts' }, CASE);
    const [createEvent] = audit.of('annotate');
    expect(createEvent).toMatchObject({
      recordingId: 'r-1',
      conversationId: 'c-1',
      tradingId: 'T-1',
      caseReference: CASE,
      operator: { genesysUserId: OFFICER_A.genesysUserId },
      details: { annotationId: created.annotationId, version: 1, operation: 'create', fromMs: 1_000, toMs: 5_500, note: 'Agent quotes 1.0842\nclient accepts', previousEventId: null },
    });
    expect(created).toMatchObject({ version: 1, deleted: false, auditEventId: createEvent!.eventId, caseReference: CASE, createdBy: { name: OFFICER_A.name } });

    const edited = await service.edit({ annotationId: created.annotationId, note: 'Client accepts at 1.0842', toMs: 6_000 }, 'CASE-OTHER');
    expect(audit.of('annotate')[1]).toMatchObject({
      caseReference: 'CASE-OTHER',
      details: { version: 2, operation: 'edit', fromMs: 1_000, toMs: 6_000, note: 'Client accepts at 1.0842', previousEventId: createEvent!.eventId },
    });
    expect(edited).toMatchObject({ version: 2, toMs: 6_000, note: 'Client accepts at 1.0842', caseReference: 'CASE-OTHER' });

    const deleted = await service.delete(created.annotationId, CASE);
    expect(audit.of('annotate')[2]).toMatchObject({ details: { version: 3, operation: 'delete', note: 'Client accepts at 1.0842', previousEventId: edited.auditEventId } });
    expect(deleted.deleted).toBe(true);
    expect(await service.list('r-1')).toEqual([]);
    expect(await service.list('r-1', { includeDeleted: true })).toEqual([deleted]);
    expect((await service.history(created.annotationId)).map((v) => [v.version, v.note, v.deleted])).toEqual([
      [1, 'Agent quotes 1.0842\nclient accepts', false],
      [2, 'Client accepts at 1.0842', false],
      [3, 'Client accepts at 1.0842', true],
    ]);
    await expect(service.edit({ annotationId: created.annotationId, note: 'again' }, CASE)).rejects.toThrow(/was deleted/);
  });

  it('changes nothing when the audit log does not acknowledge the event', async () => {
    const { service, audit } = await setUp();
    const created = await service.create({ recordingId: 'r-1', fromMs: 0, toMs: 1_000, note: 'first' }, CASE);
    audit.refuse();
    await expect(service.create({ recordingId: 'r-1', fromMs: 0, toMs: 1_000, note: 'second' }, CASE)).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    await expect(service.edit({ annotationId: created.annotationId, note: 'changed' }, CASE)).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    await expect(service.delete(created.annotationId, CASE)).rejects.toMatchObject({ code: 'AUDIT_UNAVAILABLE' });
    expect(await service.list('r-1')).toEqual([created]);
    expect(await service.history(created.annotationId)).toHaveLength(1);
  });

  it('refuses bad input, a missing case and a missing permission before anything is written', async () => {
    const { service, audit, officer } = await setUp({ cachedDurationMs: 59_500 });
    const range = { recordingId: 'r-1', fromMs: 1_000, toMs: 2_000 };
    await expect(service.create({ ...range, note: '  \n ' }, CASE)).rejects.toThrow(/note: the note is empty/);
    await expect(service.create({ ...range, note: 'bidi \u202e trick' }, CASE)).rejects.toThrow(/control characters/);
    await expect(service.create({ ...range, fromMs: 2_000, note: 'x' }, CASE)).rejects.toThrow(/must end after it starts/);
    // The cached WAV's length wins over the index's 60 s.
    await expect(service.create({ ...range, toMs: 59_600, note: 'x' }, CASE)).rejects.toThrow(/past the end of recording r-1 \(0:59\)/);
    await expect(service.create({ ...range, recordingId: 'r-unknown', note: 'x' }, CASE)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(service.create({ ...range, recordingId: '../r-1', note: 'x' }, CASE)).rejects.toMatchObject({ code: 'VALIDATION' });
    await expect(service.create({ ...range, note: 'x' }, null)).rejects.toMatchObject({ code: 'CASE_REFERENCE_REQUIRED' });
    await expect(service.edit({ annotationId: '00000000-0000-4000-8000-000000000099', note: 'x' }, CASE)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    officer.signIn(AGENT_C);
    await expect(service.create({ ...range, note: 'x' }, CASE)).rejects.toMatchObject({ code: 'PERMISSION_DENIED' });
    officer.signOut();
    await expect(service.list('r-1')).rejects.toMatchObject({ code: 'SIGNIN_REQUIRED' });
    expect(audit.events).toEqual([]);
  });
});
