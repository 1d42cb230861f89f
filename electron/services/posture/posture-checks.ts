import type { PostureCheck, PostureStatus, PostureTarget } from '../../../shared/posture';
import type { UntaggedTradingCall } from '../../db/repositories/compliance-repository';
import { genesysDomain, type GenesysEndpoint } from '../config/profile';
import type { RetentionPolicy } from '../genesys/models';

/**
 * Pure evaluation of the posture checks: facts gathered from the store and from Genesys go in,
 * pass / fail / unknown with evidence comes out. Gathering lives in posture-service.ts.
 */

/** What one read of the configuration gave: a value, nothing configured, or no way to tell. */
export type Fact<T> =
  | { ok: true; operation: string; value: T }
  | { ok: false; operation: string; kind: 'absent' | 'unsupported' | 'denied' | 'error'; detail: string };

export type Provider = 'aws' | 's3-compatible';

export type BucketFacts = {
  target: Extract<PostureTarget, 'archive-bucket' | 'audit-bucket'>;
  bucket: string;
  provider: Provider;
  region: string | null;
  objectLock: Fact<{ ObjectLockEnabled?: string; Rule?: { DefaultRetention?: { Mode?: string; Days?: number; Years?: number } } }>;
  versioning: Fact<{ Status?: string; MFADelete?: string }>;
  encryption: Fact<{ Rules?: Array<{ ApplyServerSideEncryptionByDefault?: { SSEAlgorithm?: string; KMSMasterKeyID?: string }; BucketKeyEnabled?: boolean }> }>;
  lifecycle: Fact<{ Rules?: Array<LifecycleRule> }>;
  replication: Fact<{ Role?: string; Rules?: Array<ReplicationRule> }>;
  /** Regions of the replication destinations, where the store would tell (bucket name -> region or null). */
  destinationRegions: Record<string, string | null>;
  publicAccess: Fact<{ BlockPublicAcls?: boolean; IgnorePublicAcls?: boolean; BlockPublicPolicy?: boolean; RestrictPublicBuckets?: boolean }>;
  logging: Fact<{ LoggingEnabled?: { TargetBucket?: string; TargetPrefix?: string } }>;
};

type LifecycleRule = {
  ID?: string;
  Status?: string;
  Transitions?: Array<{ Days?: number; StorageClass?: string }>;
  NoncurrentVersionTransitions?: Array<{ NoncurrentDays?: number; StorageClass?: string }>;
};
type ReplicationRule = { ID?: string; Status?: string; Destination?: { Bucket?: string; StorageClass?: string } };

export type GenesysFacts = {
  org: Fact<{ id: string; name?: string }>;
  region: { value: string | null; source: string };
  regionalRecordingStorage: Fact<boolean | null>;
  policies: Fact<Array<RetentionPolicy>>;
  tradingQueues: { queues: Array<{ id: string | null; name: string | null }>; source: 'profile' | 'index' };
  untagged: Fact<Array<UntaggedTradingCall>>;
};

export type ComplianceFacts = { jurisdiction: string; regions: Array<string> } | null;

/**
 * The org's region, from where Custody reaches it: Genesys's `Organization` has no region field, and
 * an org lives in the region of its login/API host. That host is the profile's login region, or a
 * gateway's host when it is a Genesys API host. `regionHosts` is the SDK's PureCloudRegionHosts
 * (eu_west_2 -> euw2.pure.cloud).
 */
export function regionOfEndpoint(endpoint: GenesysEndpoint | null, regionHosts: Readonly<Record<string, string>>): GenesysFacts['region'] {
  if (!endpoint) return { value: null, source: 'no Genesys org configured' };
  const regionOf = (domain: string): string | null => Object.entries(regionHosts).find(([, known]) => known === domain)?.[0].replaceAll('_', '-') ?? null;
  if ('region' in endpoint) {
    const domain = genesysDomain(endpoint.region);
    const value = regionOf(domain);
    return { value, source: value ? `the login region in the profile (${domain})` : `the profile's login region (${domain}) is not a known Genesys region` };
  }
  const host = new URL(endpoint.gateway).hostname;
  const value = regionOf(genesysDomain(host));
  return value
    ? { value, source: `the gateway's host (${host})` }
    : { value: null, source: `the gateway's host (${host}) is not a Genesys API host, and /organizations/me has no region field` };
}

export const MIN_RETENTION_DAYS = 1825;
const colderClasses = new Set(['STANDARD_IA', 'ONEZONE_IA', 'INTELLIGENT_TIERING', 'GLACIER_IR', 'GLACIER', 'DEEP_ARCHIVE']);

type Draft = { status: PostureStatus; summary: string; evidence: Record<string, unknown> };

function check(facts: Pick<BucketFacts, 'target' | 'bucket'>, id: string, title: string, draft: Draft): PostureCheck {
  return { id: `${facts.target}.${id}`, target: facts.target, subject: facts.bucket, title, ...draft };
}

/** A read that did not answer: not configured is a failure, anything else leaves it unknown. */
function unanswered(fact: Extract<Fact<unknown>, { ok: false }>, absentSummary: string): Draft {
  const evidence = { operation: fact.operation, answer: fact.detail };
  if (fact.kind === 'absent') return { status: 'fail', summary: absentSummary, evidence };
  const why = fact.kind === 'unsupported' ? 'the store does not implement this call' : fact.kind === 'denied' ? 'access denied to this setting' : 'the store did not answer';
  return { status: 'unknown', summary: `Could not tell: ${why} (${fact.detail}).`, evidence };
}

export function evaluateBucket(facts: BucketFacts, compliance: ComplianceFacts): Array<PostureCheck> {
  return [
    check(facts, 'object-lock', 'Object Lock: COMPLIANCE mode, default retention of at least 1825 days', objectLock(facts)),
    check(facts, 'versioning', 'Versioning enabled', versioning(facts)),
    check(facts, 'encryption', facts.provider === 'aws' ? 'Default encryption with a customer-managed KMS key' : 'Default encryption', encryption(facts)),
    check(facts, 'lifecycle', 'Lifecycle rule moving objects to colder storage', lifecycle(facts)),
    check(facts, 'replication', 'Replication to another region within the jurisdiction', replication(facts, compliance)),
    check(facts, 'public-access', 'Public access blocked', publicAccess(facts)),
    check(facts, 'access-logging', 'Server access logging', accessLogging(facts)),
  ];
}

function objectLock({ objectLock: fact }: BucketFacts): Draft {
  if (!fact.ok) return unanswered(fact, 'Object Lock is not enabled on this bucket: nothing in it is WORM.');
  const evidence = { operation: fact.operation, configuration: fact.value };
  if (fact.value.ObjectLockEnabled !== 'Enabled') return { status: 'fail', summary: 'Object Lock is not enabled.', evidence };
  const rule = fact.value.Rule?.DefaultRetention;
  if (!rule) return { status: 'fail', summary: 'Object Lock is enabled but there is no default retention rule.', evidence };
  const days = rule.Days ?? (rule.Years === undefined ? 0 : rule.Years * 365);
  const problems = [
    ...(rule.Mode === 'COMPLIANCE' ? [] : [`mode is ${rule.Mode ?? 'unset'}, not COMPLIANCE (GOVERNANCE can be bypassed)`]),
    ...(days >= MIN_RETENTION_DAYS ? [] : [`default retention is ${days} day${days === 1 ? '' : 's'}, under ${MIN_RETENTION_DAYS}`]),
  ];
  const sentence = problems.join('; ');
  return problems.length === 0
    ? { status: 'pass', summary: `COMPLIANCE, ${days} days by default.`, evidence }
    : { status: 'fail', summary: `${sentence.charAt(0).toUpperCase()}${sentence.slice(1)}.`, evidence };
}

function versioning({ versioning: fact }: BucketFacts): Draft {
  if (!fact.ok) return unanswered(fact, 'Versioning is not configured.');
  const evidence = { operation: fact.operation, configuration: fact.value };
  return fact.value.Status === 'Enabled'
    ? { status: 'pass', summary: 'Versioning is enabled.', evidence }
    : { status: 'fail', summary: `Versioning is ${fact.value.Status ?? 'never enabled'}.`, evidence };
}

function encryption({ encryption: fact, provider }: BucketFacts): Draft {
  if (!fact.ok) return unanswered(fact, 'No default encryption is configured.');
  const evidence = { operation: fact.operation, configuration: fact.value, provider };
  const defaults = (fact.value.Rules ?? []).map((r) => r.ApplyServerSideEncryptionByDefault).filter((d) => d?.SSEAlgorithm);
  const rule = defaults[0];
  if (!rule) return { status: 'fail', summary: 'No default encryption is configured.', evidence };
  const algorithm = rule.SSEAlgorithm!;
  if (provider !== 'aws') return { status: 'pass', summary: `Objects are encrypted by default (${algorithm}).`, evidence };
  if (!algorithm.startsWith('aws:kms')) {
    return { status: 'fail', summary: `Default encryption is ${algorithm} with keys AWS manages; a customer-managed KMS key is expected.`, evidence };
  }
  const key = rule.KMSMasterKeyID;
  if (!key || /alias\/aws\/s3$/.test(key)) {
    return { status: 'fail', summary: 'SSE-KMS uses the AWS-managed key (aws/s3), not a customer-managed KMS key.', evidence };
  }
  return { status: 'pass', summary: `SSE-KMS with customer-managed key ${key}.`, evidence };
}

function lifecycle({ lifecycle: fact }: BucketFacts): Draft {
  if (!fact.ok) return unanswered(fact, 'No lifecycle configuration: objects stay in their first storage class.');
  const evidence = { operation: fact.operation, configuration: fact.value };
  const colder = (fact.value.Rules ?? []).filter(
    (r) =>
      r.Status === 'Enabled' &&
      [...(r.Transitions ?? []), ...(r.NoncurrentVersionTransitions ?? [])].some((t) => t.StorageClass !== undefined && colderClasses.has(t.StorageClass)),
  );
  if (colder.length === 0) return { status: 'fail', summary: 'No enabled lifecycle rule moves objects to colder storage.', evidence };
  const moves = colder.flatMap((r) => (r.Transitions ?? []).map((t) => `${t.StorageClass} after ${t.Days ?? '?'} days`));
  return { status: 'pass', summary: `Enabled rule(s) move objects to colder storage: ${moves.join(', ') || 'noncurrent versions'}.`, evidence };
}

function replication(facts: BucketFacts, compliance: ComplianceFacts): Draft {
  const fact = facts.replication;
  if (!fact.ok) return unanswered(fact, 'No replication is configured: one region holds the only copy.');
  const rules = (fact.value.Rules ?? []).filter((r) => r.Status === 'Enabled' && r.Destination?.Bucket);
  const destinations = rules.map((r) => {
    const bucket = bucketOfArn(r.Destination!.Bucket!);
    return { bucket, region: facts.destinationRegions[bucket] ?? null };
  });
  const evidence = { operation: fact.operation, configuration: fact.value, sourceRegion: facts.region, destinations, allowedRegions: compliance?.regions ?? null };
  if (rules.length === 0) return { status: 'fail', summary: 'No enabled replication rule: one region holds the only copy.', evidence };
  const outside = compliance ? destinations.filter((d) => d.region !== null && !compliance.regions.includes(d.region)) : [];
  if (outside.length > 0) {
    return { status: 'fail', summary: `Replicates outside the jurisdiction's regions: ${outside.map((d) => `${d.bucket} (${d.region})`).join(', ')}.`, evidence };
  }
  const other = destinations.filter((d) => d.region !== null && d.region !== facts.region);
  if (other.length > 0) return { status: 'pass', summary: `Replicated to ${other.map((d) => `${d.bucket} (${d.region})`).join(', ')}.`, evidence };
  if (destinations.every((d) => d.region !== null)) return { status: 'fail', summary: 'Replication stays in the source region.', evidence };
  return { status: 'unknown', summary: 'Replication is configured, but the destination region could not be read.', evidence };
}

function publicAccess({ publicAccess: fact }: BucketFacts): Draft {
  if (!fact.ok) return unanswered(fact, 'No public access block is configured.');
  const evidence = { operation: fact.operation, configuration: fact.value };
  const names = ['BlockPublicAcls', 'IgnorePublicAcls', 'BlockPublicPolicy', 'RestrictPublicBuckets'] as const;
  const off = names.filter((n) => fact.value[n] !== true);
  return off.length === 0
    ? { status: 'pass', summary: 'All four public access block settings are on.', evidence }
    : { status: 'fail', summary: `Public access is not fully blocked: ${off.join(', ')} off.`, evidence };
}

function accessLogging({ logging: fact }: BucketFacts): Draft {
  if (!fact.ok) return unanswered(fact, 'Server access logging is not configured.');
  const evidence = { operation: fact.operation, configuration: fact.value };
  const target = fact.value.LoggingEnabled?.TargetBucket;
  return target
    ? { status: 'pass', summary: `Access logs go to ${target}/${fact.value.LoggingEnabled?.TargetPrefix ?? ''}.`, evidence }
    : { status: 'fail', summary: 'Server access logging is off: who read or deleted objects is not recorded by the store.', evidence };
}

function bucketOfArn(arn: string): string {
  return arn.startsWith('arn:') ? (arn.split(':').at(-1) ?? arn) : arn;
}

// ---------------------------------------------------------------- Genesys

type QueuePolicy = {
  queue: { id: string | null; name: string | null };
  policy: { id: string; name: string; order: number | null } | null;
  deleteAfterDays: number | null;
  deletes: boolean;
  directions: Array<string>;
};

/** The policy that governs a queue's calls: the first enabled one (by order) whose call conditions match it. */
export function effectivePolicies(policies: ReadonlyArray<RetentionPolicy>, queues: GenesysFacts['tradingQueues']['queues']): Array<QueuePolicy> {
  const enabled = policies.filter((p) => p.enabled !== false).sort((a, b) => (a.order ?? Infinity) - (b.order ?? Infinity));
  return queues.map((queue) => {
    const match = enabled.find((p) => {
      const conditions = p.mediaPolicies?.callPolicy?.conditions ?? p.conditions;
      const forQueues = conditions?.forQueues ?? [];
      return forQueues.length === 0 || forQueues.some((q) => (q.id !== undefined && q.id === queue.id) || (q.name !== undefined && q.name === queue.name));
    });
    if (!match) return { queue, policy: null, deleteAfterDays: null, deletes: false, directions: [] };
    const actions = match.mediaPolicies?.callPolicy?.actions ?? match.actions;
    const conditions = match.mediaPolicies?.callPolicy?.conditions ?? match.conditions;
    const deletes = actions?.alwaysDelete === true || (actions?.retainRecording === false && actions.deleteRecording === true);
    return {
      queue,
      policy: { id: match.id, name: match.name, order: match.order ?? null },
      deleteAfterDays: actions?.retentionDuration?.deleteRetention?.days ?? null,
      deletes,
      directions: conditions?.directions ?? [],
    };
  });
}

export function evaluateGenesys(facts: GenesysFacts, compliance: ComplianceFacts, subject: string): Array<PostureCheck> {
  const make = (id: string, title: string, draft: Draft): PostureCheck => ({ id: `genesys.${id}`, target: 'genesys', subject, title, ...draft });
  return [
    make('retention-period', "Media retention policies keep trading queues' recordings at least 1825 days", retentionPeriod(facts)),
    make('retention-directions', 'Retention policies cover inbound and outbound calls', retentionDirections(facts)),
    make('trading-metadata', 'Trading-queue recordings carry trading_id and client_account', tradingMetadata(facts)),
    make('region', 'Org region within the jurisdiction', region(facts, compliance)),
  ];
}

function noTradingQueues(facts: GenesysFacts): Draft | null {
  if (facts.tradingQueues.queues.length > 0) return null;
  return {
    status: 'unknown',
    summary: 'No trading queue is known: name them in the profile (compliance.tradingQueues) or sync the index first.',
    evidence: { tradingQueuesFrom: facts.tradingQueues.source },
  };
}

function retentionPeriod(facts: GenesysFacts): Draft {
  if (!facts.policies.ok) return unanswered(facts.policies, 'No media retention policy exists.');
  const none = noTradingQueues(facts);
  if (none) return none;
  const effective = effectivePolicies(facts.policies.value, facts.tradingQueues.queues);
  const evidence = { operation: facts.policies.operation, tradingQueuesFrom: facts.tradingQueues.source, queues: effective };
  const short = effective.filter((e) => e.policy === null || e.deletes || (e.deleteAfterDays !== null && e.deleteAfterDays < MIN_RETENTION_DAYS));
  if (short.length === 0) {
    return {
      status: 'pass',
      summary: effective.map((e) => `${e.queue.name ?? e.queue.id}: "${e.policy!.name}" keeps ${e.deleteAfterDays === null ? 'indefinitely' : `${e.deleteAfterDays} days`}`).join('; '),
      evidence,
    };
  }
  const why = short.map((e) =>
    e.policy === null
      ? `${e.queue.name ?? e.queue.id}: no enabled policy applies (Genesys's default retention governs it)`
      : `${e.queue.name ?? e.queue.id}: "${e.policy.name}" ${e.deletes ? 'deletes recordings' : `deletes after ${e.deleteAfterDays} days`}`,
  );
  return { status: 'fail', summary: why.join('; '), evidence };
}

function retentionDirections(facts: GenesysFacts): Draft {
  if (!facts.policies.ok) return unanswered(facts.policies, 'No media retention policy exists.');
  const none = noTradingQueues(facts);
  if (none) return none;
  const effective = effectivePolicies(facts.policies.value, facts.tradingQueues.queues);
  const evidence = { operation: facts.policies.operation, queues: effective.map((e) => ({ queue: e.queue, policy: e.policy, directions: e.directions })) };
  const covered = (e: QueuePolicy) => e.directions.length === 0 || (['INBOUND', 'OUTBOUND'] as const).every((d) => e.directions.map((x) => x.toUpperCase()).includes(d));
  const missing = effective.filter((e) => e.policy === null || !covered(e));
  return missing.length === 0
    ? { status: 'pass', summary: 'The policies for every trading queue cover both inbound and outbound calls.', evidence }
    : {
        status: 'fail',
        summary: missing
          .map((e) => (e.policy === null ? `${e.queue.name ?? e.queue.id}: no policy` : `${e.queue.name ?? e.queue.id}: "${e.policy.name}" covers only ${e.directions.join(', ')}`))
          .join('; '),
        evidence,
      };
}

const LISTED = 50;

function tradingMetadata(facts: GenesysFacts): Draft {
  if (!facts.untagged.ok) return unanswered(facts.untagged, 'The index could not be read.');
  const none = noTradingQueues(facts);
  if (none) return none;
  const calls = facts.untagged.value;
  const missingTrading = calls.filter((c) => c.missing.includes('trading_id')).length;
  const missingAccount = calls.filter((c) => c.missing.includes('client_account')).length;
  const evidence = {
    source: facts.untagged.operation,
    tradingQueues: facts.tradingQueues.queues,
    tradingQueuesFrom: facts.tradingQueues.source,
    count: calls.length,
    missingTradingId: missingTrading,
    missingClientAccount: missingAccount,
    listed: calls.slice(0, LISTED).map((c) => ({ conversationId: c.conversationId, start: new Date(c.startMs).toISOString(), queue: c.queueName, agent: c.agentName, missing: c.missing })),
  };
  return calls.length === 0
    ? { status: 'pass', summary: 'Every recorded trading-queue call in the index carries both identifiers.', evidence }
    : {
        status: 'fail',
        summary: `${calls.length} recorded trading-queue call(s) lack identifiers (${missingTrading} without trading_id, ${missingAccount} without client_account)${calls.length > LISTED ? `; the first ${LISTED} are listed` : ''}.`,
        evidence,
      };
}

function region(facts: GenesysFacts, compliance: ComplianceFacts): Draft {
  const evidence = {
    region: facts.region.value,
    regionFrom: facts.region.source,
    regionalRecordingStorageEnabled: facts.regionalRecordingStorage.ok ? facts.regionalRecordingStorage.value : null,
    jurisdiction: compliance?.jurisdiction ?? null,
    allowedRegions: compliance?.regions ?? null,
    org: facts.org.ok ? facts.org.value : { error: facts.org.detail },
  };
  if (!compliance) return { status: 'unknown', summary: 'No jurisdiction is configured (profile "compliance": jurisdiction and regions).', evidence };
  if (facts.region.value === null) return { status: 'unknown', summary: `The org's region could not be determined (${facts.region.source}).`, evidence };
  return compliance.regions.includes(facts.region.value)
    ? { status: 'pass', summary: `The org lives in ${facts.region.value} (from ${facts.region.source}), within ${compliance.jurisdiction} (${compliance.regions.join(', ')}).`, evidence }
    : { status: 'fail', summary: `The org lives in ${facts.region.value} (from ${facts.region.source}), outside ${compliance.jurisdiction}'s regions (${compliance.regions.join(', ')}).`, evidence };
}

/** The gap counts of the trade blotter against the index (issue 13), as the last matching run left them. */
export type TradeGapFacts = { voiceTrades: number; tradesWithoutCall: number; callsWithoutTrade: number };

/** Trades without a recorded call (and trading calls without a trade) are a finding; no blotter leaves it unknown. */
export function evaluateTradeGaps(fact: Fact<TradeGapFacts>): PostureCheck {
  const make = (draft: Draft): PostureCheck => ({
    id: 'trades.recorded-calls',
    target: 'trades',
    subject: 'imported blotter',
    title: 'Every voice trade has a recorded call, every trading call a trade',
    ...draft,
  });
  if (!fact.ok) return make(unanswered(fact, 'No trade blotter is imported.'));
  const { voiceTrades, tradesWithoutCall, callsWithoutTrade } = fact.value;
  const evidence = { operation: fact.operation, voiceTrades, tradesWithoutCall, callsWithoutTrade };
  if (voiceTrades === 0) return make({ status: 'unknown', summary: 'No voice trade is imported: import a blotter ("custody trades import"), then "custody trades match".', evidence });
  if (tradesWithoutCall === 0 && callsWithoutTrade === 0) return make({ status: 'pass', summary: `All ${voiceTrades} voice trades have a candidate or linked call; no trading call lacks its trade.`, evidence });
  return make({
    status: 'fail',
    summary: `${tradesWithoutCall} of ${voiceTrades} voice trades have no recorded call; ${callsWithoutTrade} trading calls carry a trading id no trade has ("custody trades gaps" lists them).`,
    evidence,
  });
}

/** Failures the unattended units reported (custody service report-failure) in the audit logs this installation has read. */
export type UnattendedJobFacts = {
  sinceDays: number;
  failures: Array<{ time: string; unit: string; result: string | null; exitStatus: string | null; journal: string | null; logId: string; workstation: string }>;
};

/** A failed nightly archive, catalog publication, retention sweep or SIEM drain in the last days is a finding. */
export function evaluateUnattendedJobs(fact: Fact<UnattendedJobFacts>): PostureCheck {
  const make = (draft: Draft): PostureCheck => ({
    id: 'unattended.failures',
    target: 'unattended',
    subject: 'archiver and timers (build/service)',
    title: 'No unattended job (archive, catalog, retention sweep, SIEM forwarding) failed recently',
    ...draft,
  });
  if (!fact.ok) return make({ status: 'unknown', summary: `Could not read the audit logs: ${fact.detail}.`, evidence: { operation: fact.operation, answer: fact.detail } });
  const { sinceDays, failures } = fact.value;
  const evidence = { operation: fact.operation, sinceDays, failures };
  if (failures.length === 0) {
    return make({ status: 'pass', summary: `No unattended job reported a failure in the last ${sinceDays} days in the audit logs read here.`, evidence });
  }
  const units = [...new Set(failures.map((f) => f.unit))];
  return make({
    status: 'fail',
    summary: `${failures.length} failed run(s) of ${units.join(', ')} in the last ${sinceDays} days, the latest at ${failures[0]!.time} on ${failures[0]!.workstation}${failures[0]!.journal ? ` (${failures[0]!.journal})` : ''}.`,
    evidence,
  });
}
