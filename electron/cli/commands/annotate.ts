import type { Annotation } from '../../../shared/annotations';
import { formatClock, parseOffsetMs } from '../../../shared/quantities';
import { ValidationError } from '../../services/errors';
import { parseFlags, requireFlag } from '../args';
import { withEngine, type CommandContext } from '../context';
import { table } from '../output';

const OFFSET_HELP = 'OFFSET is from the recording\'s start: m:ss (1:23), h:mm:ss with fractions (1:02:03.5) or whole milliseconds (83000).';
const annotateUsage = `custody annotate --recording ID --from OFFSET --to OFFSET --note TEXT --case REF [--json]\n       ${OFFSET_HELP}`;
const annotationsUsage = 'custody annotations --recording ID [--history] [--json]';

/**
 * `custody annotate`: marks a range of a recording with a note, as the signed-in officer under the
 * given case; the 'annotate' WORM audit event (with the note's text) is written before it is stored.
 */
export async function annotateCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(
    argv,
    { recording: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' }, note: { type: 'string' }, case: { type: 'string' } },
    annotateUsage,
  );
  if (flags.positionals.length > 0) throw new ValidationError(`Unexpected argument "${flags.positionals[0]}".\n\nUsage: ${annotateUsage}`);
  const request = {
    recordingId: requireFlag(flags.string('recording'), '--recording', annotateUsage),
    fromMs: offsetFlag(flags.string('from'), '--from'),
    toMs: offsetFlag(flags.string('to'), '--to'),
    // Present but blank is the service's to refuse, in the same words as the app.
    note: flags.string('note') ?? requireFlag(undefined, '--note', annotateUsage),
  };
  const caseReference = requireFlag(flags.string('case'), '--case', annotateUsage);
  const annotation = await withEngine(ctx, ({ annotations }) => annotations.create(request, caseReference));
  ctx.output.result(annotation, () =>
    [
      `Annotation ${annotation.annotationId} on recording ${annotation.recordingId}, ${range(annotation)}, case ${annotation.caseReference ?? ''}`,
      `  note: ${annotation.note}`,
      `  audit event: ${annotation.auditEventId}`,
    ].join('\n'),
  );
  return 0;
}

/** `custody annotations`: a recording's current annotations, or with --history every version of each (deleted ones too). */
export async function annotationsCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(argv, { recording: { type: 'string' }, history: { type: 'boolean' } }, annotationsUsage);
  if (flags.positionals.length > 0) throw new ValidationError(`Unexpected argument "${flags.positionals[0]}".\n\nUsage: ${annotationsUsage}`);
  const recordingId = requireFlag(flags.string('recording'), '--recording', annotationsUsage);
  const history = flags.bool('history');
  const annotations = await withEngine(ctx, async ({ annotations: service }) => {
    const current = await service.list(recordingId, { includeDeleted: history });
    return history ? (await Promise.all(current.map((a) => service.history(a.annotationId)))).flat() : current;
  });
  ctx.output.result({ recordingId, annotations }, () =>
    annotations.length === 0
      ? `No annotations on recording ${recordingId}.`
      : table(
          ['annotation', ...(history ? ['version', 'change'] : []), 'range', 'note', 'case', 'by', 'at'],
          annotations.map((a) => [
            a.annotationId,
            ...(history ? [String(a.version), a.deleted ? 'deleted' : a.version === 1 ? 'created' : 'edited'] : []),
            range(a),
            a.note.replace(/\n/g, ' / '),
            a.caseReference ?? '',
            a.updatedBy.name,
            a.updatedAt.replace('T', ' ').slice(0, 19),
          ]),
        ),
  );
  return 0;
}

function offsetFlag(value: string | undefined, flag: string): number {
  const text = requireFlag(value, flag, annotateUsage);
  const ms = parseOffsetMs(text);
  if (ms === null) throw new ValidationError(`${flag} must be an offset into the recording, not "${text}". ${OFFSET_HELP}`);
  return ms;
}

function range(a: Pick<Annotation, 'fromMs' | 'toMs'>): string {
  return `${formatClock(a.fromMs / 1000)}–${formatClock(a.toMs / 1000)}`;
}
