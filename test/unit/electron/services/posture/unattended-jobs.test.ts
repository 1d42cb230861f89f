import { describe, expect, it } from 'vitest';
import { openDatabaseSync } from '../../../../../electron/db/connection';
import { createAuditMirrorRepository } from '../../../../../electron/db/repositories/audit-mirror-repository';
import { evaluateUnattendedJobs } from '../../../../../electron/services/posture/posture-checks';
import { recordUnattendedFailure, unattendedJobFacts } from '../../../../../electron/services/posture/unattended-jobs';
import { auditRecord, recordsStartMs } from '../../../../helpers/audit-records';
import { FakeAuditWriter } from '../../../../fakes/audit-writer';
import { TEST_SERVICE_CLIENT_ID, testActors } from '../../../../helpers/audit-actors';

const none = { result: undefined, exitCode: undefined, exitStatus: undefined, invocationId: undefined };

describe('an unattended job that failed', () => {
  it('is recorded as the service account, with what systemd said and where its journal is', async () => {
    const writer = new FakeAuditWriter();
    const event = await recordUnattendedFailure(
      { audit: async () => writer, actors: testActors() },
      { unit: 'custody-archiver', result: 'exit-code', exitCode: 'exited', exitStatus: '2', invocationId: 'a'.repeat(32) },
    );
    expect(writer.events).toEqual([event]);
    expect(event.action).toBe('posture');
    expect(event.operator).toMatchObject({ kind: 'service', oauthClientId: TEST_SERVICE_CLIENT_ID });
    expect(event.operator.scheduledBy).toBeUndefined();
    expect(event.details).toMatchObject({
      kind: 'unattended-job-failed',
      unit: 'custody-archiver',
      result: 'exit-code',
      exitStatus: '2',
      journal: `journalctl -u custody-archiver _SYSTEMD_INVOCATION_ID=${'a'.repeat(32)}`,
      summary: expect.stringContaining('unattended job custody-archiver failed (exit-code, status 2)') as unknown,
    });
  });

  it.each([
    ['a unit name with a shell metacharacter', { unit: 'x; rm -rf /', ...none }],
    ['a forged invocation id', { unit: 'custody-archiver', ...none, invocationId: 'zz\nFAKE' }],
    ['a result with spaces', { unit: 'custody-archiver', ...none, result: 'ok now' }],
  ])('refuses %s and writes nothing', async (_what, input) => {
    const writer = new FakeAuditWriter();
    await expect(recordUnattendedFailure({ audit: async () => writer, actors: testActors() }, input)).rejects.toMatchObject({ code: 'VALIDATION' });
    expect(writer.events).toEqual([]);
  });
});

describe('the posture check of unattended jobs', () => {
  it("fails on a failure reported in any mirrored log in the last 7 days (the archiver's included), passes on older ones or none", async () => {
    const mirror = createAuditMirrorRepository(openDatabaseSync(':memory:'));
    const ARCHIVER = 'a0000000-0000-4000-8000-000000000001';
    const OWN = 'b0000000-0000-4000-8000-000000000002';
    const failure = (unit: string) => ({ action: 'posture' as const, workstation: { hostname: 'archiver-1', addresses: [] }, details: { kind: 'unattended-job-failed', unit, result: 'exit-code', exitStatus: '2', journal: `journalctl -u ${unit}` } });
    await mirror.recordEvents(ARCHIVER, [auditRecord(ARCHIVER, 0, failure('custody-siem-forward')), auditRecord(ARCHIVER, 1, failure('custody-archiver'))]);
    await mirror.recordEvents(OWN, [auditRecord(OWN, 0, { action: 'posture', details: { auditBucket: 'b' } })]);
    const at = (ms: number) => ({ now: () => ms, sleep: async () => undefined });

    const facts = await unattendedJobFacts({ events: mirror, clock: at(recordsStartMs + 3_600_000) });
    expect(facts.failures.map((f) => [f.unit, f.logId, f.workstation])).toEqual([
      ['custody-archiver', ARCHIVER, 'archiver-1'],
      ['custody-siem-forward', ARCHIVER, 'archiver-1'],
    ]);
    const failing = evaluateUnattendedJobs({ ok: true, operation: 'mirror', value: facts });
    expect(failing).toMatchObject({ id: 'unattended.failures', target: 'unattended', status: 'fail' });
    expect(failing.summary).toMatch(/^2 failed run\(s\) of custody-archiver, custody-siem-forward in the last 7 days, the latest at .* on archiver-1 \(journalctl -u custody-archiver\)\.$/);

    const weekLater = await unattendedJobFacts({ events: mirror, clock: at(recordsStartMs + 8 * 86_400_000) });
    expect(evaluateUnattendedJobs({ ok: true, operation: 'mirror', value: weekLater }).status).toBe('pass');
    expect(evaluateUnattendedJobs({ ok: false, operation: 'mirror', kind: 'error', detail: 'database locked' }).status).toBe('unknown');
  });
});
