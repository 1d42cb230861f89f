import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { readEventChain } from '../../helpers/read-event-chain';
import type { PostureReport } from '../../../shared/posture';
import { shareProfileWithCli } from '../../helpers/cli-profile';
import { startHarness, TEST_ANCHOR, type Harness } from '../../helpers/engine-harness';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    worm: inject('worm').connection,
    profile: (p) => ({ ...p, compliance: { jurisdiction: 'UK (FCA)', regions: ['eu-west-2'], retentionYears: 5, tradingQueues: ['FX Spot Desk', 'Rates Desk'] } }),
  });
});
afterAll(async () => h?.close());

describe('custody posture against the local stack (radosgw + Genesys sandbox)', () => {
  it('reports every check with evidence, and exits non-zero because some fail', async () => {
    const cli = await shareProfileWithCli(h);
    let report: PostureReport;
    try {
      const run = await cli.run(['posture', '--json']);
      expect(run.code, run.stderr).toBe(2);
      report = JSON.parse(run.stdout) as PostureReport;
      const human = await cli.run(['posture']);
      expect(human.code).toBe(2);
      expect(human.stdout).toMatch(/^FAIL +archive-bucket +archive-.*: Public access blocked$/m);
      // The sandbox is reached through a gateway on 127.0.0.1, which names no Genesys region.
      expect(human.stdout).toMatch(/^UNKNOWN +genesys +Meridian Capital Markets \(sandbox\).*: Org region within the jurisdiction$/m);
    } finally {
      await cli.dispose();
    }

    const bucketChecks = ['object-lock', 'versioning', 'encryption', 'lifecycle', 'replication', 'public-access', 'access-logging'];
    expect(report.checks.map((c) => c.id)).toEqual([
      ...bucketChecks.map((id) => `archive-bucket.${id}`),
      ...bucketChecks.map((id) => `audit-bucket.${id}`),
      'genesys.retention-period',
      'genesys.retention-directions',
      'genesys.trading-metadata',
      'genesys.region',
      'trades.recorded-calls',
      'unattended.failures',
    ]);
    for (const check of report.checks) {
      expect(['pass', 'fail', 'unknown']).toContain(check.status);
      expect(check.summary.length).toBeGreaterThan(10);
      expect(Object.keys(check.evidence).length, check.id).toBeGreaterThan(0);
    }
    expect(report).toMatchObject({ provider: 's3-compatible', jurisdiction: 'UK (FCA)' });
    const status = Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
    // radosgw as the harness sets it up: Object Lock and versioning on, but a 1-day default retention
    // and none of encryption, lifecycle, replication, public access block or access logging.
    expect(status).toMatchObject({
      'archive-bucket.object-lock': 'fail',
      'archive-bucket.versioning': 'pass',
      'archive-bucket.encryption': 'fail',
      'archive-bucket.lifecycle': 'fail',
      'archive-bucket.replication': 'fail',
      'archive-bucket.public-access': 'fail',
      'archive-bucket.access-logging': 'fail',
      'genesys.retention-period': 'pass',
      'genesys.retention-directions': 'pass',
      'genesys.trading-metadata': 'fail',
      'genesys.region': 'unknown',
      // No blotter is imported in this profile.
      'trades.recorded-calls': 'unknown',
      'unattended.failures': 'pass',
    });
    const check = (id: string) => report.checks.find((c) => c.id === id)!;
    expect(check('archive-bucket.object-lock').summary).toMatch(/Default retention is 1 day, under 1825/);
    expect(check('archive-bucket.object-lock').evidence).toMatchObject({ configuration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 1 } } } });
    expect(check('genesys.retention-period').summary).toMatch(/FX Spot Desk: "MiFID II trading desk calls" keeps 2555 days/);
    expect(check('genesys.region').evidence).toMatchObject({
      region: null,
      regionFrom: expect.stringMatching(/^the gateway's host \(127\.0\.0\.1\) is not a Genesys API host, and \/organizations\/me has no region field$/),
      allowedRegions: ['eu-west-2'],
    });

    // Untagged trading calls: counted and listed, matching what the sandbox seeded (in the synced 30 days).
    const since = TEST_ANCHOR.getTime() - 30 * 86_400_000;
    const expected = h.sandbox.dataset.conversations.filter(
      (c) => c.trading && c.recordings.length > 0 && (c.tradingId === null || c.clientAccount === null) && Date.parse(c.startTime) >= since,
    );
    const evidence = check('genesys.trading-metadata').evidence as { count: number; listed: Array<{ conversationId: string }> };
    expect(evidence.count).toBe(expected.length);
    expect(evidence.listed.map((l) => l.conversationId).sort()).toEqual(expected.map((c) => c.id).sort());

    const events = [];
    for await (const event of readEventChain(h.s3, h.bucket, h.composed.profile.logId)) events.push(event);
    expect(events.find((e) => e.eventId === report.auditEventId)).toMatchObject({ action: 'posture' });
  });
});
