import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { openDatabaseSync, type Db } from '../../../electron/db/connection';
import { createComplianceRepository } from '../../../electron/db/repositories/compliance-repository';
import { EventChain } from '../../../electron/services/audit/event-chain';
import { AuthError } from '../../../electron/services/errors';
import { PostureService } from '../../../electron/services/posture/posture-service';
import { createWormS3Client } from '../../../electron/services/worm/s3-client';
import type { PostureReport } from '../../../shared/posture';
import { startAwsFixtureServer, type AwsAnswer } from '../../helpers/aws-fixture-server';
import { InMemoryAuditHeadStore } from '../../helpers/in-memory-audit-head-store';
import { MemoryLogger } from '../../helpers/memory-logger';
import { createTestBucket } from '../../helpers/worm';
import { testActors } from '../../helpers/audit-actors';

const subresources = ['object-lock', 'versioning', 'encryption', 'lifecycle', 'replication', 'location', 'publicAccessBlock', 'logging'] as const;

let server: Awaited<ReturnType<typeof startAwsFixtureServer>>;
let db: Db;
let dir: string;
let audit: EventChain;

beforeAll(async () => {
  server = await startAwsFixtureServer((request): AwsAnswer | null => {
    const sub = subresources.find((name) => request.query.has(name));
    if (request.method !== 'GET' || !sub || request.key) return null;
    if (request.bucket === 'custody-archive-replica' && sub === 'location') return { fixture: 'replica-location.http' };
    if (request.bucket === 'custody-archive') return { fixture: `posture-compliant/${sub}.http` };
    if (request.bucket === 'custody-audit') return { fixture: `posture-weak/${sub}.http` };
    if (request.bucket === 'custody-mixed') {
      if (sub === 'encryption') return { fixture: 'encryption-aws-managed-key.http' };
      if (sub === 'replication') return { fixture: 'access-denied.http' };
      return { fixture: `posture-compliant/${sub}.http` };
    }
    return null;
  });
  db = openDatabaseSync(':memory:');
  dir = await mkdtemp(join(tmpdir(), 'custody-posture-aws-'));
  // The posture check is audited first: a real audit log on radosgw.
  const worm = createWormS3Client(inject('worm').connection);
  audit = new EventChain({
    s3: worm,
    bucket: await createTestBucket(worm, 'posture-audit', { mode: 'COMPLIANCE', defaultRetentionDays: 1 }),
    logId: randomUUID(),
    workstation: { hostname: 'ws-test', addresses: [] },
    clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
    newEventId: randomUUID,
    retention: { mode: 'COMPLIANCE', durationMs: 60_000 },
    headStore: new InMemoryAuditHeadStore(),
    lockFile: join(dir, 'audit.lock'),
    logger: new MemoryLogger(),
  });
});
afterAll(async () => {
  await server?.close();
  db?.close();
  await rm(dir, { recursive: true, force: true });
});

function posture(archiveBucket: string, auditBucket: string): PostureService {
  const s3 = createWormS3Client({ endpoint: server.endpoint, region: 'eu-west-2', accessKeyId: 'AKIAFIXTUREFIXTURE00', secretAccessKey: 'fixture-secret-not-real' });
  return new PostureService({
    profile: 'aws-fixture',
    s3: async () => s3,
    provider: 'aws',
    auditBucket,
    archiveBucket,
    compliance: { jurisdiction: 'UK (FCA)', regions: ['eu-west-2', 'eu-west-1'], tradingQueues: [] },
    genesysEndpoint: null,
    genesys: async () => {
      throw new AuthError('No Genesys org is configured for profile "aws-fixture".');
    },
    repository: createComplianceRepository(db),
    // The chain as the writer drives it: the actor on this process's OS account.
    audit: async () => ({ append: (input, actor) => audit.append(input, actor.operator('officer')) }),
    actors: testActors(),
    clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
    logger: new MemoryLogger(),
    newId: randomUUID,
  });
}

const byId = (report: PostureReport) => new Map(report.checks.map((c) => [c.id, c]));

describe('posture against AWS S3 (recorded responses)', () => {
  it('passes every bucket check of a bucket configured as MiFID II expects, with the configuration as evidence', async () => {
    const report = await posture('custody-archive', 'custody-audit').run();
    const checks = byId(report);
    for (const id of ['object-lock', 'versioning', 'encryption', 'lifecycle', 'replication', 'public-access', 'access-logging']) {
      expect(checks.get(`archive-bucket.${id}`), id).toMatchObject({ status: 'pass', subject: 'custody-archive' });
    }
    expect(checks.get('archive-bucket.object-lock')!.evidence).toMatchObject({ configuration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Years: 5 } } } });
    expect(checks.get('archive-bucket.encryption')!.summary).toMatch(/SSE-KMS with customer-managed key arn:aws:kms:eu-west-2:111122223333:key\//);
    expect(checks.get('archive-bucket.lifecycle')!.summary).toMatch(/DEEP_ARCHIVE after 90 days/);
    expect(checks.get('archive-bucket.replication')!.evidence).toMatchObject({ sourceRegion: 'eu-west-2', destinations: [{ bucket: 'custody-archive-replica', region: 'eu-west-1' }] });
    expect(checks.get('archive-bucket.access-logging')!.summary).toMatch(/custody-access-logs/);
    expect(server.requests.some((r) => r.bucket === 'custody-archive-replica' && r.query.has('location'))).toBe(true);
    expect(report.auditEventId).toMatch(/[0-9a-f-]{36}/);
  });

  it('fails each check of a weak bucket and names why', async () => {
    const checks = byId(await posture('custody-archive', 'custody-audit').run());
    const failed = (id: string) => {
      const check = checks.get(`audit-bucket.${id}`)!;
      expect(check.status, id).toBe('fail');
      return check.summary;
    };
    expect(failed('object-lock')).toMatch(/Mode is GOVERNANCE, not COMPLIANCE.*default retention is 365 days, under 1825/);
    expect(failed('versioning')).toMatch(/Versioning is Suspended/);
    expect(failed('encryption')).toMatch(/AES256 with keys AWS manages; a customer-managed KMS key is expected/);
    expect(failed('lifecycle')).toMatch(/No lifecycle configuration/);
    expect(checks.get('audit-bucket.lifecycle')!.evidence).toMatchObject({ answer: expect.stringMatching(/NoSuchLifecycleConfiguration \(HTTP 404\)/) });
    expect(failed('replication')).toMatch(/No replication is configured/);
    expect(failed('public-access')).toMatch(/No public access block is configured/);
    expect(failed('access-logging')).toMatch(/Server access logging is off/);
  });

  it('fails an AWS-managed KMS key and leaves what it may not read unknown', async () => {
    const checks = byId(await posture('custody-mixed', 'custody-audit').run());
    expect(checks.get('archive-bucket.encryption')).toMatchObject({ status: 'fail', summary: expect.stringMatching(/AWS-managed key \(aws\/s3\)/) });
    expect(checks.get('archive-bucket.replication')).toMatchObject({ status: 'unknown', summary: expect.stringMatching(/access denied.*AccessDenied \(HTTP 403\)/) });
    // Genesys unreachable or unconfigured: its checks cannot tell.
    expect(checks.get('genesys.retention-period')).toMatchObject({ status: 'unknown' });
    expect(checks.get('genesys.region')).toMatchObject({ status: 'unknown' });
  });
});
