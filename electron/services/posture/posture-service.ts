import {
  GetBucketEncryptionCommand,
  GetBucketLifecycleConfigurationCommand,
  GetBucketLocationCommand,
  GetBucketLoggingCommand,
  GetBucketReplicationCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetPublicAccessBlockCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { PostureCheck, PostureReport } from '../../../shared/posture';
import type { Logger } from '../../../shared/logger';
import type { ComplianceRepository } from '../../db/repositories/compliance-repository';
import type { GenesysEndpoint } from '../config/profile';
import type { AuditActors } from '../audit/audit-actor';
import type { AuditWriter } from '../audit/audit-writer';
import { describeCause } from '../errors';
import type { GenesysClient } from '../genesys/genesys-client';
import type { RetentionPolicy } from '../genesys/models';
import type { IndexSync } from '../index/index-sync';
import type { Clock } from '../ports';
import { classifyS3Failure } from '../worm/s3-errors';
import {
  evaluateBucket,
  evaluateGenesys,
  evaluateTradeGaps,
  evaluateUnattendedJobs,
  regionOfEndpoint,
  type BucketFacts,
  type ComplianceFacts,
  type Fact,
  type GenesysFacts,
  type Provider,
  type TradeGapFacts,
  type UnattendedJobFacts,
} from './posture-checks';

const DAY_MS = 86_400_000;

export type PostureServiceDeps = {
  profile: string;
  /** The WORM store's client; null when no store is configured (every bucket check then fails). */
  s3: () => Promise<S3Client | null>;
  provider: Provider;
  auditBucket: string | null;
  archiveBucket: string | null;
  compliance: (ComplianceFacts & { tradingQueues: Array<string> }) | null;
  genesysEndpoint: GenesysEndpoint | null;
  genesys: () => Promise<{ client: GenesysClient; sync: IndexSync }>;
  /** The blotter's gap counts as the last matching run left them (absent where trades are not composed). */
  tradeGaps?: () => Promise<TradeGapFacts>;
  /** Unattended jobs' reported failures in the audit logs read here (absent where the audit mirror is not composed). */
  unattendedJobs?: () => Promise<UnattendedJobFacts>;
  repository: ComplianceRepository;
  audit: () => Promise<AuditWriter>;
  /** The officer who runs the check, signed in at the time. */
  actors: Pick<AuditActors, 'officer'>;
  clock: Clock;
  logger: Logger;
  newId: () => string;
};

/** Answers that mean "this setting is not configured" rather than "could not ask". */
const absentErrors = new Set([
  'NoSuchBucket',
  'ObjectLockConfigurationNotFoundError',
  'NoSuchLifecycleConfiguration',
  'ServerSideEncryptionConfigurationNotFoundError',
  'ReplicationConfigurationNotFoundError',
  'NoSuchPublicAccessBlockConfiguration',
]);

/**
 * Checks the live configuration against MiFID II expectations: both buckets (Object Lock, versioning,
 * encryption, lifecycle, replication, public access, access logging) and Genesys (retention policies
 * of the trading queues, directions, identifiers on trading calls, region vs jurisdiction). The check
 * is audited ('posture') before it reads anything, and its report is kept in the index.
 */
export class PostureService {
  constructor(private readonly deps: PostureServiceDeps) {}

  async run(): Promise<PostureReport> {
    const { clock, compliance } = this.deps;
    const actor = await this.deps.actors.officer('posture');
    const audit = await this.deps.audit();
    const event = await audit.append(
      {
        action: 'posture',
        details: { archiveBucket: this.deps.archiveBucket, auditBucket: this.deps.auditBucket, jurisdiction: compliance?.jurisdiction ?? null },
      },
      actor,
    );
    const complianceFacts: ComplianceFacts = compliance ? { jurisdiction: compliance.jurisdiction, regions: compliance.regions } : null;
    const checks: Array<PostureCheck> = [];
    const s3 = await this.deps.s3();
    for (const [target, bucket] of [['archive-bucket', this.deps.archiveBucket], ['audit-bucket', this.deps.auditBucket]] as const) {
      checks.push(...(bucket === null || s3 === null ? missingBucket(target) : evaluateBucket(await this.bucketFacts(target, bucket, s3), complianceFacts)));
    }
    const genesys = await this.genesysFacts();
    checks.push(...evaluateGenesys(genesys.facts, complianceFacts, genesys.subject));
    if (this.deps.tradeGaps) checks.push(evaluateTradeGaps(await readFact('index: trades without a recorded call', this.deps.tradeGaps)));
    if (this.deps.unattendedJobs) checks.push(evaluateUnattendedJobs(await readFact('audit logs: unattended-job-failed events', this.deps.unattendedJobs)));
    const report: PostureReport = {
      id: this.deps.newId(),
      checkedAt: new Date(clock.now()).toISOString(),
      profile: this.deps.profile,
      provider: this.deps.provider,
      jurisdiction: compliance?.jurisdiction ?? null,
      checks,
      counts: {
        pass: checks.filter((c) => c.status === 'pass').length,
        fail: checks.filter((c) => c.status === 'fail').length,
        unknown: checks.filter((c) => c.status === 'unknown').length,
      },
      auditEventId: event.eventId,
    };
    await this.deps.repository.saveReport(report.id, clock.now(), report);
    this.deps.logger.info('posture checked', { id: report.id, ...report.counts });
    return report;
  }

  async latest(): Promise<PostureReport | null> {
    return (await this.deps.repository.latestReport()) as PostureReport | null;
  }

  private async bucketFacts(target: BucketFacts['target'], bucket: string, s3: S3Client): Promise<BucketFacts> {
    const read = <T>(operation: string, call: () => Promise<T>) => readFact(`${operation} ${bucket}`, call);
    const region = await read('GetBucketLocation', async () => (await s3.send(new GetBucketLocationCommand({ Bucket: bucket }))).LocationConstraint);
    const replication: BucketFacts['replication'] = await read('GetBucketReplication', async () => {
      const configuration = (await s3.send(new GetBucketReplicationCommand({ Bucket: bucket }))).ReplicationConfiguration;
      return { Role: configuration?.Role, Rules: configuration?.Rules ?? [] };
    });
    const destinationRegions: Record<string, string | null> = {};
    if (replication.ok) {
      for (const rule of replication.value.Rules ?? []) {
        const arn = rule.Destination?.Bucket;
        if (!arn) continue;
        const name = arn.split(':').at(-1) ?? arn;
        const location = await read('GetBucketLocation', async () => (await s3.send(new GetBucketLocationCommand({ Bucket: name }))).LocationConstraint);
        destinationRegions[name] = location.ok ? normalizeRegion(location.value, this.deps.provider) : null;
      }
    }
    return {
      target,
      bucket,
      provider: this.deps.provider,
      region: region.ok ? normalizeRegion(region.value, this.deps.provider) : null,
      objectLock: await read('GetObjectLockConfiguration', async () => strip((await s3.send(new GetObjectLockConfigurationCommand({ Bucket: bucket }))).ObjectLockConfiguration ?? {})),
      versioning: await read('GetBucketVersioning', async () => strip(await s3.send(new GetBucketVersioningCommand({ Bucket: bucket })))),
      encryption: await read('GetBucketEncryption', async () => strip((await s3.send(new GetBucketEncryptionCommand({ Bucket: bucket }))).ServerSideEncryptionConfiguration ?? {})),
      lifecycle: await read('GetBucketLifecycleConfiguration', async () => strip(await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: bucket })))),
      replication,
      destinationRegions,
      publicAccess: await read('GetPublicAccessBlock', async () => strip((await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket }))).PublicAccessBlockConfiguration ?? {})),
      logging: await read('GetBucketLogging', async () => strip(await s3.send(new GetBucketLoggingCommand({ Bucket: bucket })))),
    };
  }

  private async genesysFacts(): Promise<{ facts: GenesysFacts; subject: string }> {
    const { repository, compliance, clock } = this.deps;
    let client: GenesysClient | null = null;
    let unavailable = 'Genesys is not configured';
    try {
      const services = await this.deps.genesys();
      client = services.client;
      // Count untagged calls on a fresh index: sync the last 30 days (what a search would read).
      const now = clock.now();
      await services.sync.sync(now - 30 * DAY_MS, now).catch((error: unknown) => this.deps.logger.warn('posture: index sync failed', { reason: describeCause(error) }));
    } catch (error) {
      unavailable = describeCause(error);
    }
    const ask = <T>(operation: string, call: (c: GenesysClient) => Promise<T>): Promise<Fact<T>> =>
      client ? readGenesys(operation, () => call(client!)) : Promise.resolve({ ok: false, operation, kind: 'error', detail: unavailable });
    const org = await ask('GET /api/v2/organizations/me', (c) => c.organization());
    const settings = await ask('GET /api/v2/recording/settings', async (c) => (await c.recordingSettings()).regionalRecordingStorageEnabled ?? null);
    const policies = await ask('GET /api/v2/recording/mediaretentionpolicies', (c) => allPolicies(c));
    const summary = await repository.queueSummary();
    const configured = compliance?.tradingQueues ?? [];
    const queues =
      configured.length > 0
        ? configured.map((q) => {
            const known = summary.find((s) => s.queueId === q || s.queueName?.toLowerCase() === q.toLowerCase());
            return { id: known?.queueId ?? null, name: known?.queueName ?? q };
          })
        : summary.filter((s) => s.withTradingId > 0).map((s) => ({ id: s.queueId, name: s.queueName }));
    const queueKeys = queues.flatMap((q) => [q.id, q.name]).filter((k): k is string => k !== null);
    const untagged = await readFact('index: recorded calls in trading queues', () => repository.untaggedTradingCalls(queueKeys));
    const region = await this.orgRegion();
    return {
      subject: org.ok ? `${org.value.name ?? 'org'} (${org.value.id})` : 'Genesys org',
      facts: {
        org: org.ok ? { ...org, value: { id: org.value.id, ...(org.value.name ? { name: org.value.name } : {}) } } : org,
        region,
        regionalRecordingStorage: settings,
        policies,
        tradingQueues: { queues, source: configured.length > 0 ? 'profile' : 'index' },
        untagged,
      },
    };
  }

  /** An org lives in the region of its login/API host (/organizations/me has no region field). */
  private async orgRegion(): Promise<GenesysFacts['region']> {
    const endpoint = this.deps.genesysEndpoint;
    if (!endpoint) return regionOfEndpoint(null, {});
    // Loaded here: the SDK is large, and only this check needs its region table.
    const { default: platformClient } = await import('purecloud-platform-client-v2');
    return regionOfEndpoint(endpoint, platformClient.PureCloudRegionHosts as unknown as Record<string, string>);
  }
}

function missingBucket(target: BucketFacts['target']): Array<PostureCheck> {
  return [
    {
      id: `${target}.configured`,
      target,
      subject: 'not configured',
      title: target === 'archive-bucket' ? 'An archive bucket is configured' : 'An audit bucket is configured',
      status: 'fail',
      summary: `No ${target === 'archive-bucket' ? 'archive' : 'audit'} bucket is configured in the profile (run "custody worm start" or set worm.${target === 'archive-bucket' ? 'archiveBucket' : 'auditBucket'}).`,
      evidence: {},
    },
  ];
}

async function allPolicies(client: GenesysClient): Promise<Array<RetentionPolicy>> {
  const out: Array<RetentionPolicy> = [];
  for (let page = 1; ; page += 1) {
    const listing = await client.retentionPolicies(page);
    out.push(...(listing.entities ?? []));
    if (!listing.pageCount || page >= listing.pageCount) return out;
  }
}

/** AWS answers an empty location for us-east-1 and "EU" for the oldest eu-west-1 buckets. */
function normalizeRegion(location: string | undefined, provider: Provider): string | null {
  if (provider === 'aws') return !location ? 'us-east-1' : location === 'EU' ? 'eu-west-1' : location;
  return location || null;
}

function strip<T extends object>(value: T): Omit<T, '$metadata'> {
  const { $metadata: _, ...rest } = value as T & { $metadata?: unknown };
  return rest;
}

async function readFact<T>(operation: string, call: () => Promise<T>): Promise<Fact<T>> {
  try {
    return { ok: true, operation, value: await call() };
  } catch (error) {
    const failure = classifyS3Failure(error);
    const name = error instanceof Error ? error.name : '';
    if (absentErrors.has(name)) return { ok: false, operation, kind: 'absent', detail: failure.summary };
    if (failure.status === 501 || name === 'NotImplemented') return { ok: false, operation, kind: 'unsupported', detail: failure.summary };
    if (failure.status === 403) return { ok: false, operation, kind: 'denied', detail: failure.summary };
    return { ok: false, operation, kind: 'error', detail: failure.summary };
  }
}

async function readGenesys<T>(operation: string, call: () => Promise<T>): Promise<Fact<T>> {
  try {
    return { ok: true, operation, value: await call() };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return { ok: false, operation, kind: code === 'AUTH_REQUIRED' ? 'denied' : 'error', detail: describeCause(error) };
  }
}
