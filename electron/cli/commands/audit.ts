import { readFile } from 'node:fs/promises';
import { auditTrailFilterSchema, describeLogVerification, type AuditLogSummary, type AuditTrailEntry, type AuditVerification } from '../../../shared/audit-views';
import { auditActions } from '../../../shared/domain';
import { describeOperator } from '../../../shared/operator-label';
import { ValidationError } from '../../services/errors';
import { fingerprintOf, keyIdOf } from '../../services/signing/signing-key';
import { intFlag, isoFlag, parseFlags } from '../args';
import { withEngine, type CommandContext } from '../context';
import { auditWitness, describeCosignatures } from './audit-witness';
import { table } from '../output';

const usage = `custody audit verify [--all] [--from ISO] [--to ISO] [--key PUBLIC_KEY.pem]... [--min-cosignatures N] [--json]
       custody audit show [--conversation ID | --trading-id T | --operator NAME|EMAIL|GENESYS_USER_ID | --case REF | --recording ID | --workstation HOST|LOG_ID]
                          [--action ${auditActions.join('|')}] [--from ISO] [--to ISO] [--alerts] [--limit N] [--json]
       custody audit key [--json]
       custody audit checkpoint [--json]
       custody audit status [--json]
       custody audit witness [--json]`;

/** Exit code of a verification that found the log not intact. */
const VERIFICATION_FAILED = 2;

/**
 * `custody audit`: verify the WORM audit log from the bucket alone, show who accessed what, print and
 * publish the signing key, write a checkpoint now, or show the log's integrity status.
 */
export async function auditCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const [action, ...rest] = argv;
  switch (action) {
    case 'verify':
      return verify(ctx, rest);
    case 'show':
      return show(ctx, rest);
    case 'key':
      return key(ctx, rest);
    case 'checkpoint':
      return checkpoint(ctx, rest);
    case 'status':
      return status(ctx, rest);
    case 'witness':
      return auditWitness(ctx, rest, usage);
    default:
      throw new ValidationError(`Unknown audit action "${action ?? ''}".\n\nUsage: ${usage}`);
  }
}

async function verify(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(argv, { from: { type: 'string' }, to: { type: 'string' }, key: { type: 'string', multiple: true }, all: { type: 'boolean' }, 'min-cosignatures': { type: 'string' } }, usage);
  const minCosignatures = intFlag(flags.string('min-cosignatures'), '--min-cosignatures', { min: 0, max: 100 });
  const from = isoFlag(flags.string('from'), '--from') ?? null;
  const to = isoFlag(flags.string('to'), '--to') ?? null;
  if (from && to && Date.parse(from) > Date.parse(to)) throw new ValidationError('--from must not be after --to.');
  const pinnedKeys = await Promise.all(flags.strings('key').map((file) => readPublicKey(file)));
  if (flags.bool('all')) return verifyAll(ctx, { from, to, pinnedKeys, minCosignatures });
  let lastNote = 0;
  const report = await withEngine(ctx, async ({ audit, profile }) =>
    (await audit.log()).integrity.verify({
      from,
      to,
      pinnedKeys,
      cosignatures: { minCosignatures: minCosignatures ?? profile.audit.witness.minCosignatures },
      onProgress: (read, total) => {
        if (read - lastNote < 1000 && read < total) return;
        lastNote = read;
        ctx.output.note(`read ${read} of ${total} events`);
      },
    }),
  );
  ctx.output.result(report, () => describeVerification(report));
  return report.ok ? 0 : VERIFICATION_FAILED;
}

/** `audit verify --all`: every workstation's log in the bucket, one report each; exit 2 when any is not intact. */
async function verifyAll(
  ctx: CommandContext,
  options: { from: string | null; to: string | null; pinnedKeys: ReadonlyArray<string>; minCosignatures: number | undefined },
): Promise<number> {
  const lastNote = new Map<string, number>();
  const { minCosignatures, ...range } = options;
  const result = await withEngine(ctx, async ({ audit, profile }) =>
    (await audit.firmTrail()).verifyAll({
      ...range,
      cosignatures: { minCosignatures: minCosignatures ?? profile.audit.witness.minCosignatures },
      onProgress: (logId, read, total) => {
        if (read - (lastNote.get(logId) ?? 0) < 1000 && read < total) return;
        lastNote.set(logId, read);
        ctx.output.note(`log ${logId}: read ${read} of ${total} events`);
      },
    }),
  );
  ctx.output.result(result, () => {
    const failed = result.logs.filter((log) => log.report?.ok !== true);
    return [
      `${result.logs.length} audit log(s) in bucket ${result.bucket}`,
      '',
      table(
        ['log', 'workstation', 'events', 'newest checkpoint', 'result'],
        result.logs.map((log) => [
          `${log.logId}${log.own ? ' (this one)' : ''}`,
          log.workstation ?? '',
          log.report ? String(log.report.events.read) : '',
          log.report?.checkpoints.latest ? `tree size ${log.report.checkpoints.latest.treeSize}, ${log.report.checkpoints.latest.time}` : 'none',
          describeLogVerification(log),
        ]),
      ),
      '',
      failed.length === 0 ? 'Every log verified.' : `${failed.length} of ${result.logs.length} log(s) NOT intact or not verifiable (see above).`,
    ].join('\n');
  });
  return result.ok ? 0 : VERIFICATION_FAILED;
}

async function readPublicKey(file: string): Promise<string> {
  let pem: string;
  try {
    pem = await readFile(file, 'utf8');
  } catch (error) {
    throw new ValidationError(`--key ${file}: cannot read it (${(error as Error).message})`);
  }
  try {
    keyIdOf(pem);
  } catch {
    throw new ValidationError(`--key ${file}: not a PEM public key (expected "-----BEGIN PUBLIC KEY-----", as "custody audit key" prints)`);
  }
  return pem;
}

function describeVerification(report: AuditVerification): string {
  const lock = report.bucketLock.enabled
    ? `Object Lock ${report.bucketLock.mode ?? 'without default retention'}${report.bucketLock.days === null ? '' : `, ${report.bucketLock.days} days`}`
    : 'NO Object Lock';
  const window = report.window.from || report.window.to ? ` (window ${report.window.from ?? 'start'} .. ${report.window.to ?? 'now'}: ${report.events.inWindow} events)` : '';
  const lines = [
    `audit log ${report.logId} in bucket ${report.bucket} (${lock})`,
    `events       ${report.events.read} read${window}; last seq ${report.events.lastSeq ?? 'none'}`,
    `checkpoints  ${report.checkpoints.total} (${report.checkpoints.valid} verified)${report.checkpoints.latest ? `; latest at tree size ${report.checkpoints.latest.treeSize}, ${report.checkpoints.latest.time}` : ''}`,
    `keys         ${report.keys.map((k) => `${k.keyId} (${k.source})`).join(', ') || 'none published'}`,
    ...(report.cosignatures ? [describeCosignatures(report.cosignatures)] : []),
    '',
  ];
  if (report.ok) {
    lines.push(
      report.verifiedUpTo
        ? `VERIFIED up to tree size ${report.verifiedUpTo.treeSize} (root ${report.verifiedUpTo.rootHash}, signed ${report.verifiedUpTo.time})`
        : `VERIFIED: the chain of ${report.events.read} event(s) is intact; no checkpoint signs it yet`,
    );
    if (report.uncheckpointed > 0) lines.push(`${report.uncheckpointed} later event(s) are chained but not yet covered by a checkpoint`);
  } else {
    const first = report.firstBad!;
    const what = first.seq !== null ? `first bad event: ${first.seq}` : first.treeSize !== null ? `first bad checkpoint: tree size ${first.treeSize}` : 'bad bucket';
    lines.push(`FAILED (${what}): ${first.message}`, '');
    lines.push(
      table(
        ['problem', 'event', 'checkpoint', 'detail'],
        report.problems.map((p) => [p.kind, p.seq === null ? '' : String(p.seq), p.treeSize === null ? '' : String(p.treeSize), p.message]),
      ),
    );
    if (report.problemsTruncated) lines.push(`(more problems than the ${report.problems.length} listed)`);
    if (report.verifiedUpTo) lines.push('', `still verified: up to tree size ${report.verifiedUpTo.treeSize} (signed ${report.verifiedUpTo.time})`);
  }
  if (report.warnings.length > 0) lines.push('', ...report.warnings.map((w) => `warning: ${w}`));
  return lines.join('\n');
}

async function show(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(
    argv,
    {
      conversation: { type: 'string' },
      recording: { type: 'string' },
      'trading-id': { type: 'string' },
      operator: { type: 'string' },
      case: { type: 'string' },
      workstation: { type: 'string' },
      action: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      alerts: { type: 'boolean' },
      limit: { type: 'string' },
    },
    usage,
  );
  const parsed = auditTrailFilterSchema.safeParse({
    conversationId: flags.string('conversation'),
    recordingId: flags.string('recording'),
    tradingId: flags.string('trading-id'),
    operator: flags.string('operator'),
    caseReference: flags.string('case'),
    workstation: flags.string('workstation'),
    action: flags.string('action'),
    from: isoFlag(flags.string('from'), '--from'),
    to: isoFlag(flags.string('to'), '--to'),
    alertsOnly: flags.bool('alerts') || undefined,
    limit: intFlag(flags.string('limit'), '--limit', { min: 1, max: 1000 }),
  });
  if (!parsed.success) throw new ValidationError(`${parsed.error.issues.map((i) => `${i.path.join('.') || 'filter'}: ${i.message}`).join('; ')}\n\nUsage: ${usage}`);
  const page = await withEngine(ctx, async ({ audit }) => (await audit.firmTrail()).list(parsed.data));
  const logs = page.logs ?? [];
  ctx.output.result(page, () => {
    const own = logs.find((log) => log.own);
    const integrity = own ? integrityOf(own) : 'log not read';
    // Other workstations' logs are read too: each is named with its own integrity.
    const others = logs.filter((log) => !log.own).map((log) => `  log ${log.logId} (${log.workstation ?? 'no event read yet'}): ${log.events} event(s); ${integrityOf(log)}`);
    const footer = others.length > 0 ? [`and ${others.length} other workstation log(s) in the bucket:`, ...others] : [];
    if (page.entries.length === 0) return [`No audit events match. (${integrity})`, ...footer].join('\n');
    return [
      table(
        ['time (UTC)', 'operator', 'workstation', 'action', 'trading id', 'recording', 'case', 'detail', 'alerts', 'log'],
        page.entries.map((e) => row(e)),
      ),
      '',
      `${page.entries.length} of ${page.total} event(s), newest first; ${integrity}`,
      ...footer,
    ].join('\n');
  });
  return 0;
}

function integrityOf(log: AuditLogSummary): string {
  if (log.integrity.state === 'failed') return `INTEGRITY FAILED: ${log.integrity.message}`;
  if (log.verifiedHead) return `log verified up to tree size ${log.verifiedHead.treeSize} at ${log.verifiedHead.time}`;
  return 'log not verified yet (run "custody audit verify")';
}

function row(e: AuditTrailEntry): Array<string> {
  return [
    e.time.replace('T', ' ').slice(0, 19),
    e.operator.name === e.operator.osAccount ? e.operator.name : `${describeOperator(e.operator)} (${e.operator.osAccount})`,
    [e.workstation.hostname, e.workstation.addresses[0]].filter(Boolean).join(' '),
    e.action,
    e.tradingId ?? '',
    e.recordingId ?? e.conversationId ?? '',
    e.caseReference ?? '',
    e.summary ?? '',
    e.alerts.map((a) => `${a.rule}: ${a.message}`).join('; '),
    e.logId.slice(0, 8),
  ];
}

async function key(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  parseFlags(argv, {}, usage);
  const result = await withEngine(ctx, async ({ audit, profile }) => {
    if (!profile.worm) {
      const signing = await audit.signingKey();
      return { keyId: signing.keyId, publicKeyPem: signing.publicKeyPem, published: null, checkpointVkey: null };
    }
    const published = await (await audit.log()).checkpointer.publishSigningKey();
    return { keyId: published.keyId, publicKeyPem: published.publicKeyPem, published: `s3://${published.bucket}/${published.key}`, checkpointVkey: published.checkpointVkey };
  });
  ctx.output.result(result, () =>
    [
      `key id ${result.keyId} (SHA-256 of the public key's DER)`,
      `fingerprint ${fingerprintOf(result.keyId)} (as "custody pack verify" shows a key it does not trust)`,
      result.published ? `published at ${result.published}` : 'not published: no WORM audit log is configured for this profile',
      ...(result.checkpointVkey ? [`checkpoint vkey ${result.checkpointVkey} (C2SP signed-note verifier key of the log's checkpoint notes)`] : []),
      '',
      result.publicKeyPem.trimEnd(),
    ].join('\n'),
  );
  return 0;
}

async function checkpoint(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  parseFlags(argv, {}, usage);
  const written = await withEngine(ctx, async ({ audit }) => (await audit.log()).checkpointer.checkpointNow());
  ctx.output.result({ checkpoint: written }, () =>
    written
      ? `checkpoint at tree size ${written.treeSize}: root ${written.rootHash}, signed ${written.time} by key ${written.keyId}`
      : 'The audit log is empty: nothing to checkpoint.',
  );
  return 0;
}

async function status(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  parseFlags(argv, {}, usage);
  const result = await withEngine(ctx, async ({ audit }) => {
    const trail = await audit.log();
    await trail.integrity.checkConsistency();
    return trail.integrity.status();
  });
  ctx.output.result(result, () =>
    [
      `audit log ${result.logId} in bucket ${result.bucket}`,
      `events here  ${result.localTreeSize}`,
      `checkpoint   ${result.lastCheckpoint ? `tree size ${result.lastCheckpoint.treeSize} at ${result.lastCheckpoint.time}` : 'none yet'}`,
      `verified     ${result.verifiedHead ? `tree size ${result.verifiedHead.treeSize} at ${result.verifiedHead.time}` : 'never'}`,
      `integrity    ${result.integrity.state.toUpperCase()}: ${result.integrity.message}`,
    ].join('\n'),
  );
  return result.integrity.state === 'failed' ? VERIFICATION_FAILED : 0;
}
