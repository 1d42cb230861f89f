import type { GapsReport, MatchReport, TradeCandidate, TradeView } from '../../../shared/trades';
import { ValidationError } from '../../services/errors';
import { isoFlag, parseFlags, requireFlag } from '../args';
import { withEngine, type CommandContext } from '../context';
import { table } from '../output';

type Subcommand = (ctx: CommandContext, argv: ReadonlyArray<string>) => Promise<number>;

const matchUsage = 'custody trades match [--json]';
const showUsage = 'custody trades show TRADE_ID [--json]';
const linkUsage = 'custody trades link|unlink TRADE_ID CONVERSATION_ID --case REF [--json]';
const gapsUsage = 'custody trades gaps [--from ISO] [--to ISO] [--json]';

/** `custody trades match`: scores every voice trade's candidate calls again (officers' decisions are kept). */
async function matchCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  noPositionals(parseFlags(argv, {}, matchUsage).positionals, matchUsage);
  const report = await withEngine(ctx, ({ trades }) => trades.matching.match());
  ctx.output.result(report, () => matchText(report));
  return 0;
}

/** `custody trades show`: one trade with its candidate calls, best first, with scores, reasons and decisions. */
async function showCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const [tradeId, ...extra] = parseFlags(argv, {}, showUsage).positionals;
  noPositionals(extra, showUsage);
  const view = await withEngine(ctx, ({ trades }) => trades.matching.show(requireFlag(tradeId, 'TRADE_ID', showUsage)));
  ctx.output.result(view, () => viewText(view));
  return 0;
}

/** `custody trades link|unlink`: an officer confirms or rejects a pair, audited ('link') under the case before it is kept. */
function decisionCommand(decision: 'link' | 'unlink'): Subcommand {
  return async (ctx, argv) => {
    const flags = parseFlags(argv, { case: { type: 'string' } }, linkUsage);
    const [tradeId, conversationId, ...extra] = flags.positionals;
    noPositionals(extra, linkUsage);
    const trade = requireFlag(tradeId, 'TRADE_ID', linkUsage);
    const conversation = requireFlag(conversationId, 'CONVERSATION_ID', linkUsage);
    const caseReference = requireFlag(flags.string('case'), '--case', linkUsage);
    const view = await withEngine(ctx, ({ trades }) =>
      decision === 'link' ? trades.matching.link(trade, conversation, caseReference) : trades.matching.unlink(trade, conversation, caseReference),
    );
    const latest = view.decisions.at(-1);
    ctx.output.result(view, () =>
      [`${decision === 'link' ? 'Confirmed' : 'Rejected'}: call ${conversation} for trade ${view.trade.tradeId}, case ${caseReference}${latest ? ` (audit event ${latest.auditEventId})` : ''}.`, '', viewText(view)].join('\n'),
    );
    return 0;
  };
}

/** `custody trades gaps`: voice trades with no call, and desk calls whose trading id is on no trade; exit 2 when any. */
async function gapsCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(argv, { from: { type: 'string' }, to: { type: 'string' } }, gapsUsage);
  noPositionals(flags.positionals, gapsUsage);
  const from = isoFlag(flags.string('from'), '--from');
  const to = isoFlag(flags.string('to'), '--to');
  const range = { ...(from ? { fromMs: Date.parse(from) } : {}), ...(to ? { toMs: Date.parse(to) } : {}) };
  const report = await withEngine(ctx, ({ trades }) => trades.matching.gaps(range));
  ctx.output.result(report, () => gapsText(report));
  return report.gaps.length > 0 ? 2 : 0;
}

/** The matching subcommands of `custody trades`, spread into its dispatcher. */
export const tradesMatchingCommands: Record<string, Subcommand> = {
  match: matchCommand,
  show: showCommand,
  link: decisionCommand('link'),
  unlink: decisionCommand('unlink'),
  gaps: gapsCommand,
};

function noPositionals(extra: ReadonlyArray<string>, usage: string): void {
  if (extra.length > 0) throw new ValidationError(`Unexpected argument "${extra[0]}".\n\nUsage: ${usage}`);
}

function matchText(report: MatchReport): string {
  return `Matched ${report.voiceTrades} voice trades of ${report.trades} in ${(report.ms / 1000).toFixed(1)} s: ${report.linked} linked, ${report.candidates} with candidates, ${report.none} with no call.`;
}

function viewText(view: TradeView): string {
  const t = view.trade;
  const head = [
    `Trade ${t.tradeId} (${t.channel}): ${[t.side, t.quantity, t.instrument, t.price ? `at ${t.price}` : null].filter(Boolean).join(' ')}`,
    `  executed ${t.executedAt}; trader ${t.trader}; client ${t.clientAccount ?? '(none)'}`,
    `  status: ${view.status}; window ${view.window.beforeMinutes} min before to ${view.window.afterMinutes} min after; matched ${view.matchedAt ?? 'never'}`,
  ];
  if (t.channel === 'electronic') return [...head, '  Electronic trades are not matched to calls.'].join('\n');
  if (view.candidates.length === 0) return [...head, '  No candidate call.'].join('\n');
  const rows = view.candidates.map((c, i) => [String(i + 1), c.conversationId, c.startTime.replace('T', ' ').slice(0, 19), c.agentName ?? '', String(c.score), state(c)]);
  const reasons = view.candidates.map((c, i) => `  ${i + 1}. ${c.reasons.map((r) => `${r.text} (${r.points})`).join(' ')}`);
  return [...head, '', table(['#', 'conversation', 'start (UTC)', 'agent', 'score', 'link'], rows), '', 'Reasons:', ...reasons].join('\n');
}

function state(c: TradeCandidate): string {
  if (c.decision) return `${c.decision.decision} by ${c.decision.decidedBy.name} (${c.decision.caseReference})`;
  return c.linked ? 'linked (trading id)' : '';
}

function gapsText(report: GapsReport): string {
  const span = `${report.from ?? 'the first trade'} to ${report.to ?? 'the last'}`;
  const summary = `${report.voiceTrades} voice trades from ${span}: ${report.tradesWithoutCall} without a call, ${report.callsWithoutTrade} trading calls without a trade.`;
  if (report.gaps.length === 0) return `${summary}\nNo gaps.`;
  const rows = report.gaps.map((g) =>
    g.kind === 'trade-without-call' ? ['trade without call', g.tradeId, g.executedAt, g.reason] : ['call without trade', g.conversationId, g.startTime, g.reason],
  );
  return `${summary}\n\n${table(['gap', 'trade / conversation', 'at', 'reason'], rows)}`;
}
