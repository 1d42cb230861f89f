import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { caseReferenceSchema, conversationIdSchema, tradingIdSchema } from '../../../shared/domain';
import { ValidationError } from '../../services/errors';
import type { PackSelection } from '../../services/packs/pack-builder';
import { verifyPack, type PackVerification } from '../../services/packs/pack-verifier';
import { parseFlags, requireFlag } from '../args';
import { withEngine, type CommandContext } from '../context';

const buildUsage =
  'custody pack build (--trading-id T ... | --conversations FILE | --case REF) --case REF --out PATH [--zip] [--organization NAME] [--json]';
const verifyUsage = 'custody pack verify PATH [--trusted-key KEYID ...] [--json]';

/** `custody pack build|verify`: self-verifying evidence packs (BagIt, signed, with audit proofs). */
export async function packCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'build') return build(ctx, rest);
  if (sub === 'verify') return verify(ctx, rest);
  throw new ValidationError(`Unknown pack command "${sub ?? ''}".\n\nUsage:\n  ${buildUsage}\n  ${verifyUsage}`);
}

async function build(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(
    argv,
    {
      'trading-id': { type: 'string', multiple: true },
      conversations: { type: 'string' },
      case: { type: 'string' },
      out: { type: 'string' },
      zip: { type: 'boolean' },
      organization: { type: 'string' },
    },
    buildUsage,
  );
  if (flags.positionals.length > 0) throw new ValidationError(`Unexpected argument "${flags.positionals[0]}".\n\nUsage: ${buildUsage}`);
  const caseRef = caseReferenceSchema.safeParse(requireFlag(flags.string('case'), '--case', buildUsage));
  if (!caseRef.success) throw new ValidationError(`--case: ${caseRef.error.issues[0]?.message}`);
  const out = resolve(requireFlag(flags.string('out'), '--out', buildUsage));
  const tradingIds = flags.strings('trading-id');
  const conversationsFile = flags.string('conversations');
  if (tradingIds.length > 0 && conversationsFile) throw new ValidationError(`Give either --trading-id or --conversations, not both.\n\nUsage: ${buildUsage}`);
  let selection: PackSelection;
  if (tradingIds.length > 0) {
    for (const id of tradingIds) {
      const parsed = tradingIdSchema.safeParse(id);
      if (!parsed.success) throw new ValidationError(`--trading-id ${JSON.stringify(id)}: ${parsed.error.issues[0]?.message}`);
    }
    selection = { kind: 'tradingIds', tradingIds };
  } else if (conversationsFile) {
    selection = { kind: 'conversations', conversationIds: await readConversationIds(conversationsFile) };
  } else {
    selection = { kind: 'case', caseReference: caseRef.data };
  }
  const result = await withEngine(ctx, async ({ packs, events }) => {
    const unsubscribe = events.subscribe((event) => {
      if (event.channel === 'packs:progress' && event.payload.stage !== 'finished') ctx.output.note(`  ${event.payload.stage} ${event.payload.done}/${event.payload.total} ${event.payload.message}`);
    });
    try {
      return await packs.build({ selection, caseReference: caseRef.data, outPath: out, zip: flags.bool('zip'), sourceOrganization: flags.string('organization') });
    } finally {
      unsubscribe();
    }
  });
  ctx.output.result(result, () =>
    [
      `Evidence pack ${result.packId} written and verified: ${result.path}`,
      `  ${result.recordings} recording(s), ${result.payloadFiles} payload files, ${result.payloadBytes} bytes, case ${result.caseReference}`,
      `  export audited as ${result.exportEventId}; audit proofs against checkpoint of ${result.checkpointTreeSize} events${result.wroteCheckpoint ? ' (written now)' : ''}`,
      `  signed with key ${result.signingKeyId}`,
    ].join('\n'),
  );
  return 0;
}

async function readConversationIds(file: string): Promise<Array<string>> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ValidationError(`--conversations: cannot read ${file}: ${(error as Error).message}`);
  }
  const ids = text
    .split(/\r?\n/)
    .map((line) => line.replace(/#.*/, '').trim())
    .filter((line) => line !== '');
  if (ids.length === 0) throw new ValidationError(`--conversations: ${file} lists no conversation ids (one per line).`);
  ids.forEach((id, i) => {
    if (!conversationIdSchema.safeParse(id).success) throw new ValidationError(`--conversations: line ${i + 1} of ${file} is not a conversation id: ${JSON.stringify(id)}`);
  });
  return [...new Set(ids)];
}

async function verify(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(argv, { 'trusted-key': { type: 'string', multiple: true } }, verifyUsage);
  if (flags.positionals.length !== 1) throw new ValidationError(`Give exactly one pack (a directory or a .zip).\n\nUsage: ${verifyUsage}`);
  const trusted = flags.strings('trusted-key');
  const report = await verifyPack(resolve(flags.positionals[0]!), trusted.length ? { trustedKeyIds: trusted } : {});
  ctx.output.result(report, () => describeVerification(report));
  return report.ok ? 0 : 2;
}

export function describeVerification(report: PackVerification): string {
  const checks = Object.entries(report.checks)
    .map(([name, status]) => `${status === 'pass' ? 'ok  ' : 'FAIL'} ${name}`)
    .join('\n');
  const head = report.ok
    ? `VERIFIED: ${report.path} (${report.format}) — pack ${report.packId}, case ${report.caseReference}, ${report.recordings} recording(s), signed ${report.signedAt} by key ${report.signingKeyId}`
    : `NOT VERIFIED: ${report.path} — ${report.problems.length} problem(s)`;
  const problems = report.problems.map((p) => `  ${p.file}: ${p.problem} [${p.check}]`);
  return [head, checks, ...(problems.length ? ['Problems:', ...problems] : []), `(${report.payload.files} payload files, ${report.payload.bytes} bytes, ${report.ms} ms)`].join('\n');
}
