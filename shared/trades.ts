import { z } from 'zod';
import { caseReferenceSchema, clientAccountSchema, conversationIdSchema, isoTimeSchema, officerSchema, tradingIdSchema } from './domain';
import { printableTextSchema as printable } from './unsafe-text';

/**
 * Trade reconstruction (issue 13): a trade blotter imported into the index, each voice trade matched
 * to the calls that led to it, the trades with no call (and the calls with no trade) listed as gaps,
 * and a trade's story exported as a signed evidence pack with a timeline.
 */

/** A blotter's trade id: the firm's own key, compared with the `trading_id` participant attribute on calls. */
export const tradeIdSchema = tradingIdSchema;
export const tradeChannelSchema = z.enum(['voice', 'electronic']);
export type TradeChannel = z.infer<typeof tradeChannelSchema>;
export const tradeSideSchema = z.enum(['buy', 'sell']);
/** Quantities and prices stay decimal strings as the blotter wrote them: never rounded through a float. */
export const decimalTextSchema = z.string().regex(/^-?\d{1,24}(\.\d{1,12})?$/, 'not a decimal number');
export const blotterFormatSchema = z.enum(['csv', 'fix']);
export type BlotterFormat = z.infer<typeof blotterFormatSchema>;

/** One trade as imported (every field validated at the boundary). */
export const tradeSchema = z.object({
  tradeId: tradeIdSchema,
  /** As the blotter wrote it (ISO 8601 with its offset). */
  executedAt: isoTimeSchema,
  /** Email or Genesys user id, as the blotter wrote it. */
  trader: printable(320),
  clientAccount: clientAccountSchema.nullable(),
  instrument: printable(120).nullable(),
  side: tradeSideSchema.nullable(),
  quantity: decimalTextSchema.nullable(),
  price: decimalTextSchema.nullable(),
  channel: tradeChannelSchema,
});
export type Trade = z.infer<typeof tradeSchema>;

/** Where a trade came from: the file (its SHA-256), its line, and the row's fields exactly as read. */
export const tradeSourceSchema = z.object({
  format: blotterFormatSchema,
  fileName: z.string().max(255),
  fileSha256: z.string().regex(/^[0-9a-f]{64}$/),
  line: z.number().int().positive(),
  raw: z.record(z.string(), z.string()),
});

export const importedTradeSchema = tradeSchema.extend({
  source: tradeSourceSchema,
  importedAt: isoTimeSchema,
  updatedAt: isoTimeSchema,
});
export type ImportedTrade = z.infer<typeof importedTradeSchema>;

export const importReportSchema = z.object({
  format: blotterFormatSchema,
  fileName: z.string(),
  fileSha256: z.string(),
  rows: z.number().int().nonnegative(),
  inserted: z.number().int().nonnegative(),
  updated: z.number().int().nonnegative(),
  unchanged: z.number().int().nonnegative(),
  /** Bad rows: the rest loaded. `line` is the file's line (1-based; the CSV header is line 1). */
  rejected: z.array(z.object({ line: z.number().int().positive(), reason: z.string() })),
  /** FIX: messages that are not executions (heartbeats, orders, order acknowledgements), skipped and counted. */
  skipped: z.number().int().nonnegative().optional(),
});
export type ImportReport = z.infer<typeof importReportSchema>;

/** The matching window around an execution: calls overlapping [executedAt − before, executedAt + after]. */
export const matchWindowSchema = z.object({
  beforeMinutes: z.number().int().min(0).max(24 * 60),
  afterMinutes: z.number().int().min(0).max(24 * 60),
});
export type MatchWindow = z.infer<typeof matchWindowSchema>;
export const DEFAULT_MATCH_WINDOW: MatchWindow = { beforeMinutes: 30, afterMinutes: 5 };

export const matchReasonKindSchema = z.enum(['trading-id', 'trader', 'client-account', 'time', 'desk']);
/** One reason a call scored: what matched, its points, and the words shown to the officer. */
export const matchReasonSchema = z.object({ kind: matchReasonKindSchema, points: z.number(), text: z.string() });
export type MatchReason = z.infer<typeof matchReasonSchema>;

export const linkDecisionKindSchema = z.enum(['confirmed', 'rejected']);
/**
 * An officer's decision on one trade–call pair (`trades link` confirms, `trades unlink` rejects):
 * audited ('link') before it is stored, kept across re-matching; the newest decision on a pair counts.
 */
export const linkDecisionSchema = z.object({
  tradeId: tradeIdSchema,
  conversationId: conversationIdSchema,
  decision: linkDecisionKindSchema,
  decidedAt: isoTimeSchema,
  decidedBy: officerSchema,
  caseReference: caseReferenceSchema,
  auditEventId: z.string(),
});
export type LinkDecision = z.infer<typeof linkDecisionSchema>;

export const tradeCandidateSchema = z.object({
  conversationId: conversationIdSchema,
  startTime: isoTimeSchema,
  endTime: isoTimeSchema.nullable(),
  agentName: z.string().nullable(),
  queueName: z.string().nullable(),
  tradingId: z.string().nullable(),
  clientAccount: z.string().nullable(),
  recordingIds: z.array(z.string()),
  score: z.number(),
  reasons: z.array(matchReasonSchema),
  /** The officer's current decision on this pair, if any. */
  decision: linkDecisionSchema.nullable(),
  /** Linked: an officer confirmed it, or the call carries the trade's id and no officer rejected it. */
  linked: z.boolean(),
});
export type TradeCandidate = z.infer<typeof tradeCandidateSchema>;

/** linked: at least one linked call; candidates: scored calls, none linked; none: no candidate call. */
export const matchStatusSchema = z.enum(['linked', 'candidates', 'none']);
export type MatchStatus = z.infer<typeof matchStatusSchema>;

export const tradeSummarySchema = z.object({
  trade: tradeSchema,
  status: matchStatusSchema,
  candidates: z.number().int().nonnegative(),
  topScore: z.number().nullable(),
});
export type TradeSummary = z.infer<typeof tradeSummarySchema>;

export const tradeViewSchema = z.object({
  trade: importedTradeSchema,
  status: matchStatusSchema,
  window: matchWindowSchema,
  /** Ranked, best first; rejected pairs last. Electronic trades have none. */
  candidates: z.array(tradeCandidateSchema),
  /** Every decision ever taken on this trade, oldest first. */
  decisions: z.array(linkDecisionSchema),
  matchedAt: isoTimeSchema.nullable(),
});
export type TradeView = z.infer<typeof tradeViewSchema>;

export const matchReportSchema = z.object({
  trades: z.number().int().nonnegative(),
  voiceTrades: z.number().int().nonnegative(),
  linked: z.number().int().nonnegative(),
  candidates: z.number().int().nonnegative(),
  none: z.number().int().nonnegative(),
  ms: z.number().nonnegative(),
});
export type MatchReport = z.infer<typeof matchReportSchema>;

export const tradeGapSchema = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('trade-without-call'),
    tradeId: tradeIdSchema,
    executedAt: isoTimeSchema,
    trader: z.string(),
    clientAccount: z.string().nullable(),
    reason: z.string(),
  }),
  z.object({
    kind: z.literal('call-without-trade'),
    conversationId: conversationIdSchema,
    tradingId: z.string(),
    startTime: isoTimeSchema,
    agentName: z.string().nullable(),
    queueName: z.string().nullable(),
    reason: z.string(),
  }),
]);
export type TradeGap = z.infer<typeof tradeGapSchema>;

export const gapsReportSchema = z.object({
  from: isoTimeSchema.nullable(),
  to: isoTimeSchema.nullable(),
  voiceTrades: z.number().int().nonnegative(),
  tradesWithoutCall: z.number().int().nonnegative(),
  callsWithoutTrade: z.number().int().nonnegative(),
  gaps: z.array(tradeGapSchema),
});
export type GapsReport = z.infer<typeof gapsReportSchema>;

/** The reconstruction's time axis (`timeline.json` in the pack, and the app's timeline view). */
export const timelineSchema = z.object({
  schema: z.literal('custody.timeline.v1'),
  tradeId: tradeIdSchema,
  /** IANA zone of the desk (profile setting `trades.deskTimeZone`); every time is also given in UTC. */
  deskTimeZone: z.string(),
  window: z.object({ from: isoTimeSchema, to: isoTimeSchema }),
  execution: z.object({ at: isoTimeSchema, trade: tradeSchema }),
  /** Every call of the trader and of the client in the window, oldest first. */
  calls: z.array(
    z.object({
      conversationId: conversationIdSchema,
      start: isoTimeSchema,
      end: isoTimeSchema.nullable(),
      agentName: z.string().nullable(),
      queueName: z.string().nullable(),
      tradingId: z.string().nullable(),
      clientAccount: z.string().nullable(),
      /** Why this call is on the timeline: the trader's call, the client's, or both. */
      parties: z.array(z.enum(['trader', 'client'])),
      linked: z.boolean(),
      score: z.number().nullable(),
      reasons: z.array(matchReasonSchema),
      recordings: z.array(z.object({ recordingId: z.string(), start: isoTimeSchema, durationMs: z.number().int().nonnegative() })),
    }),
  ),
});
export type Timeline = z.infer<typeof timelineSchema>;
