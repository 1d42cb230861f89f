import { searchQuerySchema } from '../../../shared/domain';
import { ValidationError } from '../../services/errors';
import { isoFlag, parseFlags } from '../args';
import { withEngine, type CommandContext } from '../context';
import { table } from '../output';
import { formatClock } from '../../../shared/quantities';

const usage = 'custody search [--trading-id T] [--client-account A] [--agent NAME] [--queue Q] [--from ISO] [--to ISO] [--text WORDS] [--said PHRASE] [--case REF] [--json]';

/** `custody search`: syncs the index for the window if needed, then answers from it. The search is audited. */
export async function searchCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(
    argv,
    {
      'trading-id': { type: 'string' },
      'client-account': { type: 'string' },
      agent: { type: 'string' },
      queue: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      text: { type: 'string' },
      said: { type: 'string' },
      case: { type: 'string' },
    },
    usage,
  );
  const parsed = searchQuerySchema.safeParse({
    tradingId: flags.string('trading-id'),
    clientAccount: flags.string('client-account'),
    agent: flags.string('agent'),
    queue: flags.string('queue'),
    from: isoFlag(flags.string('from'), '--from'),
    to: isoFlag(flags.string('to'), '--to'),
    text: flags.string('text'),
    said: flags.string('said'),
  });
  if (!parsed.success) throw new ValidationError(`${parsed.error.issues.map((i) => i.message).join('; ')}\n\nUsage: ${usage}`);
  const result = await withEngine(ctx, ({ engine }) => engine.search(parsed.data, { caseReference: flags.string('case') ?? null }));
  if (result.index.warning) ctx.output.note(`warning: ${result.index.warning}`);
  ctx.output.result(result, () => {
    if (result.matches.length === 0) return `No recordings match. (index synced ${result.index.lastSyncedAt ?? 'never'}; search audited as ${result.auditEventId})`;
    const rows = result.matches.map((m) => [
      m.startTime.replace('T', ' ').slice(0, 19),
      m.tradingId ?? 'MISSING',
      m.clientAccount ?? 'MISSING',
      m.agent ?? '',
      m.queue ?? '',
      m.conversationId,
      m.recordingId ?? '(none)',
    ]);
    // Where the words were said: one line per place, under the table.
    const said = result.matches.flatMap((m) => (m.said ?? []).map((s) => `  ${m.recordingId ?? m.conversationId} at ${formatClock(s.offsetMs / 1000)} (${s.speaker}): ${s.text}`));
    return [
      table(['start (UTC)', 'trading id', 'client account', 'agent', 'queue', 'conversation', 'recording'], rows),
      ...(said.length > 0 ? ['', 'Said:', ...said] : []),
      '',
      `${result.matches.length} match(es); index synced ${result.index.lastSyncedAt ?? 'never'} (${result.index.source}); search audited as ${result.auditEventId}`,
    ].join('\n');
  });
  return 0;
}
