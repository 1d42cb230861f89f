import platformClient from 'purecloud-platform-client-v2';
import { describe, expect, it } from 'vitest';
import { evaluateBucket, evaluateGenesys, evaluateTradeGaps, regionOfEndpoint, type BucketFacts, type GenesysFacts } from '../../../../../electron/services/posture/posture-checks';
import type { RetentionPolicy } from '../../../../../electron/services/genesys/models';

const ok = <T>(operation: string, value: T) => ({ ok: true as const, operation, value });

function bucket(overrides: Partial<BucketFacts> = {}): BucketFacts {
  return {
    target: 'archive-bucket',
    bucket: 'custody-archive',
    provider: 'aws',
    region: 'eu-west-2',
    objectLock: ok('GetObjectLockConfiguration', { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Days: 1826 } } }),
    versioning: ok('GetBucketVersioning', { Status: 'Enabled' }),
    encryption: ok('GetBucketEncryption', { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms', KMSMasterKeyID: 'arn:aws:kms:eu-west-2:1:key/k' } }] }),
    lifecycle: ok('GetBucketLifecycleConfiguration', { Rules: [{ Status: 'Enabled', Transitions: [{ Days: 90, StorageClass: 'DEEP_ARCHIVE' }] }] }),
    replication: ok('GetBucketReplication', { Rules: [{ Status: 'Enabled', Destination: { Bucket: 'arn:aws:s3:::replica' } }] }),
    destinationRegions: { replica: 'eu-west-1' },
    publicAccess: ok('GetPublicAccessBlock', { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true }),
    logging: ok('GetBucketLogging', { LoggingEnabled: { TargetBucket: 'logs' } }),
    ...overrides,
  };
}

const uk = { jurisdiction: 'UK (FCA)', regions: ['eu-west-2', 'eu-west-1'] };
const statusOf = (checks: ReturnType<typeof evaluateBucket>, id: string) => checks.find((c) => c.id.endsWith(id))!;

describe('bucket posture checks', () => {
  it('passes a bucket as MiFID II expects it', () => {
    expect(evaluateBucket(bucket(), uk).map((c) => c.status)).toEqual(Array(7).fill('pass'));
  });

  it('fails a bucket without Object Lock', () => {
    const absent = { ok: false as const, operation: 'GetObjectLockConfiguration', kind: 'absent' as const, detail: 'ObjectLockConfigurationNotFoundError (HTTP 404)' };
    expect(statusOf(evaluateBucket(bucket({ objectLock: absent }), uk), 'object-lock')).toMatchObject({ status: 'fail', summary: 'Object Lock is not enabled on this bucket: nothing in it is WORM.' });
  });

  it('reads default retention in years as well as days, and needs a rule', () => {
    expect(statusOf(evaluateBucket(bucket({ objectLock: ok('x', { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Years: 5 } } }) }), uk), 'object-lock').status).toBe('pass');
    expect(statusOf(evaluateBucket(bucket({ objectLock: ok('x', { ObjectLockEnabled: 'Enabled' }) }), uk), 'object-lock').summary).toMatch(/no default retention rule/);
  });

  it('accepts SSE-S3 on an S3-compatible store but wants a customer-managed KMS key on AWS', () => {
    const aes = { encryption: ok('x', { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] }) };
    expect(statusOf(evaluateBucket(bucket({ ...aes, provider: 's3-compatible' }), uk), 'encryption').status).toBe('pass');
    expect(statusOf(evaluateBucket(bucket(aes), uk), 'encryption').status).toBe('fail');
    expect(statusOf(evaluateBucket(bucket({ encryption: ok('x', { Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] }) }), uk), 'encryption').status).toBe('fail');
  });

  it('wants lifecycle transitions to a colder class, not just expiry', () => {
    expect(statusOf(evaluateBucket(bucket({ lifecycle: ok('x', { Rules: [{ Status: 'Enabled' }] }) }), uk), 'lifecycle').status).toBe('fail');
    expect(statusOf(evaluateBucket(bucket({ lifecycle: ok('x', { Rules: [{ Status: 'Disabled', Transitions: [{ StorageClass: 'GLACIER' }] }] }) }), uk), 'lifecycle').status).toBe('fail');
  });

  it('wants replication to another region inside the jurisdiction', () => {
    expect(statusOf(evaluateBucket(bucket({ destinationRegions: { replica: 'us-east-1' } }), uk), 'replication').summary).toMatch(/outside the jurisdiction's regions: replica \(us-east-1\)/);
    expect(statusOf(evaluateBucket(bucket({ destinationRegions: { replica: 'eu-west-2' } }), uk), 'replication').summary).toMatch(/stays in the source region/);
    expect(statusOf(evaluateBucket(bucket({ destinationRegions: { replica: null } }), uk), 'replication').status).toBe('unknown');
  });

  it('names the public access settings that are off, and treats an unimplemented call as unknown', () => {
    expect(statusOf(evaluateBucket(bucket({ publicAccess: ok('x', { BlockPublicAcls: true, IgnorePublicAcls: true }) }), uk), 'public-access').summary).toMatch(/BlockPublicPolicy, RestrictPublicBuckets off/);
    const unsupported = { ok: false as const, operation: 'GetBucketLogging', kind: 'unsupported' as const, detail: 'NotImplemented (HTTP 501)' };
    expect(statusOf(evaluateBucket(bucket({ logging: unsupported }), uk), 'access-logging')).toMatchObject({ status: 'unknown', evidence: { answer: 'NotImplemented (HTTP 501)' } });
  });
});

const fx = { id: 'q-fx', name: 'FX Spot Desk' };
const rates = { id: 'q-rates', name: 'Rates Desk' };

function policy(name: string, order: number, queues: Array<{ id: string; name: string }>, deleteDays: number | null, extra: { directions?: Array<string>; enabled?: boolean; alwaysDelete?: boolean } = {}): RetentionPolicy {
  return {
    id: name,
    name,
    order,
    enabled: extra.enabled ?? true,
    mediaPolicies: {
      callPolicy: {
        actions: { retainRecording: true, alwaysDelete: extra.alwaysDelete ?? false, retentionDuration: deleteDays === null ? {} : { deleteRetention: { days: deleteDays } } },
        conditions: { forQueues: queues, directions: extra.directions ?? ['INBOUND', 'OUTBOUND'] },
      },
    },
  };
}

function genesys(policies: Array<RetentionPolicy>, overrides: Partial<GenesysFacts> = {}): GenesysFacts {
  return {
    org: ok('GET /api/v2/organizations/me', { id: 'org-1', name: 'Firm' }),
    region: { value: 'eu-west-2', source: 'the login region in the profile (euw2.pure.cloud)' },
    regionalRecordingStorage: ok('GET /api/v2/recording/settings', false),
    policies: ok('GET /api/v2/recording/mediaretentionpolicies', policies),
    tradingQueues: { queues: [fx, rates], source: 'profile' },
    untagged: ok('index', []),
    ...overrides,
  };
}

const genesysStatus = (facts: GenesysFacts, compliance = uk) => Object.fromEntries(evaluateGenesys(facts, compliance, 'org').map((c) => [c.id, c]));

describe('Genesys posture checks', () => {
  it('passes 7-year policies on both trading queues covering both directions', () => {
    const checks = genesysStatus(genesys([policy('MiFID', 1, [fx, rates], 2555)]));
    expect(Object.values(checks).map((c) => c.status)).toEqual(['pass', 'pass', 'pass', 'pass']);
  });

  it('fails a queue governed by a shorter or deleting policy, or by none; the first enabled policy by order wins', () => {
    const checks = genesysStatus(
      genesys([
        policy('Legacy purge', 1, [fx], 90, { enabled: false }),
        policy('Rates 3 years', 2, [rates], 1095),
        policy('MiFID', 3, [fx, rates], 2555),
      ]),
    );
    expect(checks['genesys.retention-period']!.status).toBe('fail');
    expect(checks['genesys.retention-period']!.summary).toBe('Rates Desk: "Rates 3 years" deletes after 1095 days');
    const none = genesysStatus(genesys([policy('Services', 1, [{ id: 'q-svc', name: 'Client Services' }], 730)]));
    expect(none['genesys.retention-period']!.summary).toMatch(/FX Spot Desk: no enabled policy applies/);
    const purge = genesysStatus(genesys([policy('Purge', 1, [], null, { alwaysDelete: true })]));
    expect(purge['genesys.retention-period']!.summary).toMatch(/"Purge" deletes recordings/);
  });

  it('fails a policy covering one direction only; an empty list means all directions', () => {
    const inbound = genesysStatus(genesys([policy('Inbound only', 1, [fx, rates], 2555, { directions: ['INBOUND'] })]));
    expect(inbound['genesys.retention-directions']).toMatchObject({ status: 'fail', summary: expect.stringMatching(/covers only INBOUND/) });
    expect(genesysStatus(genesys([policy('All', 1, [fx, rates], 2555, { directions: [] })]))['genesys.retention-directions']!.status).toBe('pass');
  });

  it('counts untagged trading calls and lists at most 50', () => {
    const calls = Array.from({ length: 60 }, (_, i) => ({
      conversationId: `c-${i}`,
      startMs: Date.UTC(2026, 10, 1) + i,
      queueName: 'FX Spot Desk',
      agentName: 'Agent',
      missing: i % 2 === 0 ? (['trading_id'] as Array<'trading_id' | 'client_account'>) : (['client_account'] as Array<'trading_id' | 'client_account'>),
    }));
    const check = genesysStatus(genesys([policy('MiFID', 1, [fx, rates], 2555)], { untagged: ok('index', calls) }))['genesys.trading-metadata']!;
    expect(check.status).toBe('fail');
    expect(check.summary).toBe('60 recorded trading-queue call(s) lack identifiers (30 without trading_id, 30 without client_account); the first 50 are listed.');
    expect((check.evidence as { listed: Array<unknown> }).listed).toHaveLength(50);
  });

  it('checks the region against the jurisdiction, says where the region came from, and cannot tell without one', () => {
    expect(genesysStatus(genesys([]))['genesys.region']).toMatchObject({
      status: 'pass',
      summary: 'The org lives in eu-west-2 (from the login region in the profile (euw2.pure.cloud)), within UK (FCA) (eu-west-2, eu-west-1).',
      evidence: { region: 'eu-west-2', regionFrom: 'the login region in the profile (euw2.pure.cloud)' },
    });
    expect(genesysStatus(genesys([], { region: { value: 'us-east-1', source: 'API host mypurecloud.com' } }))['genesys.region']).toMatchObject({ status: 'fail', summary: expect.stringMatching(/outside UK \(FCA\)/) });
    expect(genesysStatus(genesys([]), null as never)['genesys.region']).toMatchObject({ status: 'unknown', summary: expect.stringMatching(/No jurisdiction is configured/) });
  });

  it('cannot judge retention without knowing the trading queues', () => {
    const checks = genesysStatus(genesys([policy('MiFID', 1, [fx], 2555)], { tradingQueues: { queues: [], source: 'index' } }));
    expect(checks['genesys.retention-period']).toMatchObject({ status: 'unknown', summary: expect.stringMatching(/No trading queue is known/) });
  });
});

describe("the org's region, from where Custody reaches it (Genesys's Organization has no region field)", () => {
  const hosts = platformClient.PureCloudRegionHosts as unknown as Record<string, string>;

  it('takes the login region in the profile, written as the SDK accepts it', () => {
    expect(regionOfEndpoint({ region: 'mypurecloud.de' }, hosts)).toEqual({ value: 'eu-central-1', source: 'the login region in the profile (mypurecloud.de)' });
    expect(regionOfEndpoint({ region: 'https://api.euw2.pure.cloud/' }, hosts)).toMatchObject({ value: 'eu-west-2' });
    expect(regionOfEndpoint({ region: 'example.com' }, hosts)).toEqual({ value: null, source: "the profile's login region (example.com) is not a known Genesys region" });
  });

  it("takes a gateway's host when it is a Genesys API host, and otherwise says it cannot tell", () => {
    expect(regionOfEndpoint({ gateway: 'https://api.mypurecloud.de' }, hosts)).toEqual({ value: 'eu-central-1', source: "the gateway's host (api.mypurecloud.de)" });
    expect(regionOfEndpoint({ gateway: 'https://api.mypurecloud.com.au:443/' }, hosts)).toMatchObject({ value: 'ap-southeast-2' });
    const sandbox = regionOfEndpoint({ gateway: 'http://127.0.0.1:41234' }, hosts);
    expect(sandbox).toEqual({ value: null, source: "the gateway's host (127.0.0.1) is not a Genesys API host, and /organizations/me has no region field" });
    expect(genesysStatus(genesys([], { region: sandbox }))['genesys.region']).toMatchObject({ status: 'unknown', summary: expect.stringMatching(/could not be determined \(the gateway's host \(127\.0\.0\.1\)/) });
    expect(regionOfEndpoint(null, hosts)).toEqual({ value: null, source: 'no Genesys org configured' });
  });
});

describe('trade gaps check', () => {
  const op = 'index: trades without a recorded call';
  it('fails with the counts when a voice trade has no call or a trading call no trade, passes when none, is unknown without a blotter', () => {
    expect(evaluateTradeGaps(ok(op, { voiceTrades: 40, tradesWithoutCall: 4, callsWithoutTrade: 3 }))).toMatchObject({
      id: 'trades.recorded-calls',
      target: 'trades',
      status: 'fail',
      summary: '4 of 40 voice trades have no recorded call; 3 trading calls carry a trading id no trade has ("custody trades gaps" lists them).',
      evidence: { voiceTrades: 40, tradesWithoutCall: 4, callsWithoutTrade: 3 },
    });
    expect(evaluateTradeGaps(ok(op, { voiceTrades: 40, tradesWithoutCall: 0, callsWithoutTrade: 0 })).status).toBe('pass');
    expect(evaluateTradeGaps(ok(op, { voiceTrades: 0, tradesWithoutCall: 0, callsWithoutTrade: 0 })).status).toBe('unknown');
    expect(evaluateTradeGaps({ ok: false, operation: op, kind: 'error', detail: 'Sign in first.' })).toMatchObject({ status: 'unknown', summary: expect.stringContaining('Sign in first.') });
  });
});
