import { caseReferenceSchema, conversationIdSchema } from '../../../shared/domain';
import { formatClock } from '../../../shared/quantities';
import type { TranscriptView } from '../../../shared/transcripts';
import { ValidationError } from '../../services/errors';
import { parseFlags, requireFlag } from '../args';
import { withEngine, type CommandContext } from '../context';

const usage = 'custody transcript --conversation ID --case REF [--json]';
const SPEAKER_LABEL = { agent: 'Agent', client: 'Client', unknown: 'Speaker' } as const;

/**
 * `custody transcript`: each recording's transcript from Genesys speech analytics, each read audited under
 * the case first. Exit 1, saying why, when Genesys has none (no speech analytics, or the call was not transcribed).
 */
export async function transcriptCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(argv, { conversation: { type: 'string' }, case: { type: 'string' } }, usage);
  const conversation = conversationIdSchema.safeParse(requireFlag(flags.string('conversation'), '--conversation', usage));
  if (!conversation.success) throw new ValidationError(`--conversation: ${conversation.error.issues[0]?.message}`);
  const caseRef = caseReferenceSchema.safeParse(requireFlag(flags.string('case'), '--case', usage));
  if (!caseRef.success) throw new ValidationError(`--case: ${caseRef.error.issues[0]?.message}`);
  const views = await withEngine(ctx, ({ transcripts }) => transcripts.conversationTranscripts(conversation.data, caseRef.data));
  for (const view of views) ctx.output.result(view, () => describe(view));
  const missing = views.find((view) => !view.available);
  if (views.every((view) => !view.available) && missing && !missing.available) {
    ctx.output.note(`custody: ${missing.message}`);
    return 1;
  }
  return 0;
}

function describe(view: TranscriptView): string {
  if (!view.available) return `recording ${view.recordingId}: no transcript. ${view.message}`;
  const lines = view.phrases.map((p) => `${formatClock(p.startMs / 1000).padStart(8)}  ${SPEAKER_LABEL[p.speaker].padEnd(7)}  ${p.text}`);
  return [`recording ${view.recordingId} (${view.language ?? 'language unknown'}; read audited as ${view.auditEventId ?? '-'})`, ...lines].join('\n');
}
