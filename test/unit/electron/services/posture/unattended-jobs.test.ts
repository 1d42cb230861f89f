import { describe, expect, it } from 'vitest';
import { recordUnattendedFailure } from '../../../../../electron/services/posture/unattended-jobs';
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
