import { resolve } from 'node:path';
import { caseReferenceSchema, conversationIdSchema } from '../../../shared/domain';
import { ValidationError } from '../../services/errors';
import { parseFlags, requireFlag } from '../args';
import { withEngine, type CommandContext } from '../context';

const usage = 'custody fetch --conversation ID --case REF [--out DIR] [--json]';

/** `custody fetch`: audits each download first, then writes the audio, verified against its SHA-256. */
export async function fetchCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(argv, { conversation: { type: 'string' }, case: { type: 'string' }, out: { type: 'string' } }, usage);
  const conversation = conversationIdSchema.safeParse(requireFlag(flags.string('conversation'), '--conversation', usage));
  if (!conversation.success) throw new ValidationError(`--conversation: ${conversation.error.issues[0]?.message}`);
  const caseRef = caseReferenceSchema.safeParse(requireFlag(flags.string('case'), '--case', usage));
  if (!caseRef.success) throw new ValidationError(`--case: ${caseRef.error.issues[0]?.message}`);
  const outDir = resolve(flags.string('out') ?? '.');
  const files = await withEngine(ctx, ({ engine }) => engine.download(conversation.data, caseRef.data, outDir));
  // One result per recording written (JSON: one object per line), so a program reads them the same way for one or many.
  for (const file of files) {
    ctx.output.result(file, () =>
      [`recording    ${file.recordingId}`, `path         ${file.path}`, `sha256       ${file.sha256}`, `bytes        ${file.bytes}`, `auditEventId ${file.auditEventId}`].join('\n'),
    );
  }
  return 0;
}
