import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { caseReferenceSchema, conversationIdSchema, tradingIdSchema } from '../../../shared/domain';
import { ValidationError } from '../../services/errors';
import type { PackSelection } from '../../services/packs/pack-builder';
import { verifyPack, type PackSigner, type PackVerification } from '../../services/packs/pack-verifier';
import { composeProfileSettings } from '../../services/composition/compose-settings';
import { keyTrustForProfile } from '../../services/signing/key-trust';
import { parseFlags, requireFlag } from '../args';
import { withEngine, type CommandContext } from '../context';

const buildUsage =
  'custody pack build (--trading-id T ... | --conversations FILE | --case REF) --case REF --out PATH [--zip] [--organization NAME] [--excerpts | --excerpt ANNOTATION_ID ...] [--json]';
const verifyUsage = 'custody pack verify PATH [--trusted-key KEYID|PEM_FILE ...] [--json]';

/** Exit code of `pack verify` and `review` for an intact pack signed by a key that is not trusted (2: the pack does not verify). */
const UNTRUSTED_KEY_EXIT = 4;

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
      excerpts: { type: 'boolean' },
      excerpt: { type: 'string', multiple: true },
    },
    buildUsage,
  );
  if (flags.positionals.length > 0) throw new ValidationError(`Unexpected argument "${flags.positionals[0]}".\n\nUsage: ${buildUsage}`);
  const caseRef = caseReferenceSchema.safeParse(requireFlag(flags.string('case'), '--case', buildUsage));
  if (!caseRef.success) throw new ValidationError(`--case: ${caseRef.error.issues[0]?.message}`);
  const out = resolve(requireFlag(flags.string('out'), '--out', buildUsage));
  if (flags.bool('excerpts') && flags.strings('excerpt').length > 0) throw new ValidationError(`Give either --excerpts (every annotation) or --excerpt ID, not both.\n\nUsage: ${buildUsage}`);
  const excerpts = flags.bool('excerpts') ? ('all' as const) : flags.strings('excerpt');
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
      if (event.kind === 'pack.progress' && event.progress.stage !== 'finished') ctx.output.note(`  ${event.progress.stage} ${event.progress.done}/${event.progress.total} ${event.progress.message}`);
    });
    try {
      return await packs.build({ selection, caseReference: caseRef.data, outPath: out, zip: flags.bool('zip'), sourceOrganization: flags.string('organization'), excerpts });
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
  const { trust, close } = await keyTrustForProfile(composeProfileSettings({ profile: ctx.profile }), flags.strings('trusted-key'));
  let report: PackVerification;
  try {
    report = await verifyPack(resolve(flags.positionals[0]!), { trust });
  } finally {
    close();
  }
  ctx.output.result(report, () => describeVerification(report));
  return verificationExitCode(report.verdict);
}

/** 0 verified and signed by a trusted key; 4 intact but signed by an untrusted key; 2 does not verify. */
export function verificationExitCode(verdict: PackVerification['verdict']): number {
  return { verified: 0, untrusted: UNTRUSTED_KEY_EXIT, failed: 2 }[verdict];
}

const trustSourceText = { installation: "this installation's key", pinned: 'a pinned key (--trusted-key)', bucket: "published in the firm's WORM audit bucket" } as const;

/** What to do about a valid signature by an untrusted key: compare its fingerprint with the firm's published one. */
export function describeUntrustedKey({ keyId, fingerprint }: Pick<PackSigner, 'keyId' | 'fingerprint'>): string {
  return [
    `UNTRUSTED KEY: the signature is valid, but the key that made it is not trusted here. Nothing in this pack can be relied on until it is.`,
    `  key fingerprint (SHA-256 of the public key, DER): ${fingerprint}`,
    `  Compare it with the firm's published key: the key id printed by "custody audit key" on the firm's installation,`,
    `  the firm's audit bucket object audit/v1/<log id>/keys/<key id>.pem, or the key file the firm gave you:`,
    `    openssl pkey -pubin -in FIRM_KEY.pem -outform DER | sha256sum`,
    `  Only if they are equal, pin it: custody pack verify PACK --trusted-key ${keyId} (or --trusted-key FIRM_KEY.pem).`,
  ].join('\n');
}

export function describeVerification(report: PackVerification): string {
  const checks = Object.entries(report.checks)
    .map(([name, status]) => `${status === 'pass' ? 'ok  ' : 'FAIL'} ${name}`)
    .join('\n');
  const trustedBy = report.signer.source ? ` (trusted: ${trustSourceText[report.signer.source]})` : '';
  const head = report.ok
    ? `VERIFIED: ${report.path} (${report.format}) — pack ${report.packId}, case ${report.caseReference}, ${report.recordings} recording(s), signed ${report.signedAt} by key ${report.signingKeyId}${trustedBy}`
    : `NOT VERIFIED: ${report.path} — ${report.problems.length} problem(s)`;
  const problems = report.problems.map((p) => `  ${p.file}: ${p.problem} [${p.check}]`);
  const untrusted = report.signer.trust === 'untrusted' ? [describeUntrustedKey(report.signer)] : [];
  return [head, ...untrusted, checks, ...(problems.length ? ['Problems:', ...problems] : []), `(${report.payload.files} payload files, ${report.payload.bytes} bytes, ${report.ms} ms)`].join('\n');
}
