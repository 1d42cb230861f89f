import { describe, expect, it } from 'vitest';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import { createAuditMirrorRepository } from '../../../../../electron/db/repositories/audit-mirror-repository';
import { EventHub } from '../../../../../electron/services/events';
import { FirmTrail } from '../../../../../electron/services/audit/firm-trail';
import { IntegrityState } from '../../../../../electron/services/audit/integrity-state';
import type { AuditTrailFilter } from '../../../../../shared/audit-views';
import type { AuditEvent } from '../../../../../shared/domain';
import { auditRecord } from '../../../../helpers/audit-records';
import { FakeClock } from '../../../../helpers/fake-clock';
import { recordingLogger } from '../../../../helpers/fakes';

const OWN = '11111111-1111-4111-8111-111111111111';
const PARIS = '22222222-2222-4222-8222-222222222222';
const ARCHIVER = '33333333-3333-4333-8333-333333333333';

const maria = { osAccount: 'mhartmann', name: 'Maria Hartmann', genesysUserId: 'u-maria', email: 'maria@firm.test' };
const oscar = { osAccount: 'obrandt', name: 'Oscar Brandt', genesysUserId: 'u-oscar', email: 'oscar@firm.test' };
const london = { hostname: 'LON-CMP-0142', addresses: ['10.20.4.17'] };
const paris = { hostname: 'PAR-CMP-0007', addresses: ['10.30.1.9'] };
const archiver = { hostname: 'archiver-01', addresses: [] };

/**
 * Three workstations' logs mirrored in one database, their events interleaved in time (event n of a log
 * at n seconds; `at` shifts a log): London plays T-1's recording, Paris searches and plays, the archiver's
 * export lists rec-1 among its items without naming the trade.
 */
async function firmTrail() {
  const repository = createAuditMirrorRepository(openDatabaseSync(':memory:'));
  const clock = new FakeClock();
  const record = (logId: string, seq: number, event: Partial<AuditEvent>) => auditRecord(logId, seq, event);
  await repository.recordEvents(OWN, [
    record(OWN, 0, { operator: maria, workstation: london, action: 'search', tradingId: 'T-1', caseReference: 'FCA-1', eventId: 'own-0' }),
    record(OWN, 1, { operator: maria, workstation: london, action: 'play', conversationId: 'conv-1', recordingId: 'rec-1', tradingId: 'T-1', caseReference: 'FCA-1', eventId: 'own-1' }),
    record(OWN, 2, { operator: maria, workstation: london, action: 'play', conversationId: 'conv-9', recordingId: 'rec-9', caseReference: 'FCA-2', eventId: 'own-2' }),
  ]);
  await repository.recordEvents(PARIS, [
    record(PARIS, 0, { operator: oscar, workstation: paris, action: 'search', caseReference: 'AMF-7', eventId: 'par-0', time: secondsIn(0.5) }),
    record(PARIS, 1, { operator: oscar, workstation: paris, action: 'play', conversationId: 'conv-1', recordingId: 'rec-1', caseReference: 'AMF-7', eventId: 'par-1', time: secondsIn(1.5) }),
  ]);
  await repository.recordEvents(ARCHIVER, [
    record(ARCHIVER, 0, {
      operator: { osAccount: 'custody-svc', name: 'custody-archiver', kind: 'service', oauthClientId: 'svc-client' },
      workstation: archiver,
      action: 'export',
      eventId: 'arc-0',
      details: { items: [{ conversationId: 'conv-1', recordingId: 'rec-1' }, { conversationId: 'conv-5', recordingId: 'rec-5' }] },
      time: secondsIn(3),
    }),
  ]);
  const caughtUp: Array<number> = [];
  const trail = new FirmTrail({
    logs: {
      logIds: async () => [OWN, PARIS, ARCHIVER],
      catchUpAll: async () => (caughtUp.push(1), new Map()),
    },
    // Listing never touches the store or the own log's monitor (verifyAll does).
    own: { logId: OWN, bucket: 'firm-audit', verifyLog: null as never, integrity: null as never },
    repository,
    recordingsOfTrade: async (tradingId) => (tradingId === 'T-1' ? ['rec-1'] : []),
    clock,
    logger: recordingLogger(),
  });
  return { trail, repository, clock, caughtUp };
}

/** The time `seconds` after the own log's first event. */
function secondsIn(seconds: number): string {
  return new Date(Date.parse(auditRecord(OWN, 0).event.time) + seconds * 1000).toISOString();
}

const ids = async (trail: FirmTrail, filter: AuditTrailFilter) => (await trail.list(filter)).entries.map((e) => e.eventId);

describe('the firm\'s audit trail across every workstation\'s log', () => {
  it('lists every log newest first, each entry naming its log, after reading what is new', async () => {
    const { trail, caughtUp } = await firmTrail();
    const page = await trail.list({});
    expect(caughtUp).toHaveLength(1);
    expect(page.logId).toBe(OWN);
    expect(page.total).toBe(6);
    expect(page.entries.map((e) => `${e.eventId}@${e.logId.slice(0, 1)}`)).toEqual(['arc-0@3', 'own-2@1', 'par-1@2', 'own-1@1', 'par-0@2', 'own-0@1']);
    expect(page.entries.find((e) => e.eventId === 'par-1')?.workstation.hostname).toBe('PAR-CMP-0007');
  });

  it.each<[string, AuditTrailFilter, Array<string>]>([
    ['officer (name prefix)', { operator: 'oscar' }, ['par-1', 'par-0']],
    ['officer (Genesys user id)', { operator: 'u-maria' }, ['own-2', 'own-1', 'own-0']],
    ['trade: named, or its recording listed in another log\'s event', { tradingId: 'T-1' }, ['arc-0', 'own-1', 'own-0']],
    ['conversation: about it or listing it', { conversationId: 'conv-1' }, ['arc-0', 'par-1', 'own-1']],
    ['case', { caseReference: 'AMF-7' }, ['par-1', 'par-0']],
    ['workstation by hostname prefix, any case', { workstation: 'par-cmp' }, ['par-1', 'par-0']],
    ['workstation by log id', { workstation: ARCHIVER }, ['arc-0']],
    ['workstation and action together', { workstation: 'LON', action: 'play' }, ['own-2', 'own-1']],
    ['a workstation no log names', { workstation: 'NYC' }, []],
  ])('filters across logs by %s', async (_, filter, expected) => {
    const { trail } = await firmTrail();
    expect(await ids(trail, filter)).toEqual(expected);
  });

  it('takes a LIKE wildcard in the workstation filter literally', async () => {
    const { trail } = await firmTrail();
    expect(await ids(trail, { workstation: '%' })).toEqual([]);
    expect(await ids(trail, { workstation: '_AR' })).toEqual([]);
  });

  it('shows each log with its workstation and its own integrity: a failed log is named, the others are not', async () => {
    const { trail, repository, clock } = await firmTrail();
    const parisState = new IntegrityState({ repository, logId: PARIS, clock, logger: recordingLogger(), events: new EventHub() });
    await parisState.fail('verify', { kind: 'altered-event', seq: 1, treeSize: null, key: `audit/v1/${PARIS}/events/000000000001.json`, message: 'event 1 differs' });
    await repository.advanceVerifiedHead(OWN, { treeSize: 3, rootHash: 'ab'.repeat(32), verifiedMs: clock.now(), source: 'verify' });
    const { logs } = await trail.list({});
    expect(logs).toEqual([
      expect.objectContaining({ logId: OWN, own: true, workstation: 'LON-CMP-0142', events: 3, verifiedHead: expect.objectContaining({ treeSize: 3 }), integrity: expect.objectContaining({ state: 'unknown' }) }),
      expect.objectContaining({ logId: PARIS, own: false, workstation: 'PAR-CMP-0007', events: 2, verifiedHead: null, integrity: expect.objectContaining({ state: 'failed', firstBad: expect.objectContaining({ seq: 1 }) }) }),
      expect.objectContaining({ logId: ARCHIVER, own: false, workstation: 'archiver-01', events: 1, integrity: expect.objectContaining({ state: 'unknown' }) }),
    ]);
  });

  it('still lists the local copies when the bucket cannot be read', async () => {
    const { repository, clock } = await firmTrail();
    const logger = recordingLogger();
    const trail = new FirmTrail({
      logs: { logIds: async () => [OWN], catchUpAll: async () => Promise.reject(new Error('WORM store unavailable')) },
      own: { logId: OWN, bucket: 'firm-audit', verifyLog: null as never, integrity: null as never },
      repository,
      clock,
      logger,
    });
    expect((await trail.list({ operator: 'oscar' })).total).toBe(2);
    expect(logger.records.map((r) => r.message)).toContain('audit trail shown from the local copies: the bucket could not be read');
  });
});
