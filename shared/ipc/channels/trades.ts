import { z } from 'zod';
import { conversationIdSchema, isoTimeSchema } from '../../domain';
import {
  blotterFormatSchema,
  gapsReportSchema,
  importReportSchema,
  matchReportSchema,
  matchStatusSchema,
  matchWindowSchema,
  timelineSchema,
  tradeIdSchema,
  tradeSummarySchema,
  tradeViewSchema,
} from '../../trades';
import { packBuildResultSchema } from './packs';

/** Blotter files the app accepts through the renderer (read there, validated and parsed in main). */
export const BLOTTER_MAX_BYTES = 32 * 1024 * 1024;

/** Trade reconstruction: import a blotter, match trades to calls, decide links, list gaps, reconstruct a trade. */
export const tradesChannels = {
  'trades:import': {
    request: z
      .object({
        fileName: z.string().min(1).max(255),
        content: z.string().max(BLOTTER_MAX_BYTES),
        format: blotterFormatSchema.optional(),
        /** Blotter column → Custody field (CSV only), as in a mapping file. */
        mapping: z.record(z.string().max(120), z.string().max(120)).optional(),
      })
      .strict(),
    response: importReportSchema,
  },
  'trades:match': { request: z.object({}).strict(), response: matchReportSchema },
  'trades:list': {
    request: z
      .object({
        status: matchStatusSchema.optional(),
        from: isoTimeSchema.optional(),
        to: isoTimeSchema.optional(),
        limit: z.number().int().min(1).max(10_000).optional(),
      })
      .strict(),
    response: z.object({ trades: z.array(tradeSummarySchema), total: z.number().int().nonnegative() }),
  },
  'trades:show': { request: z.object({ tradeId: tradeIdSchema }).strict(), response: tradeViewSchema },
  /** Confirms a trade–call pair under the session's case (an audited 'link' event first, then stored). */
  'trades:link': { request: z.object({ tradeId: tradeIdSchema, conversationId: conversationIdSchema }).strict(), response: tradeViewSchema },
  /** Rejects a pair (this call is not this trade's), audited the same way; a later link can overturn it. */
  'trades:unlink': { request: z.object({ tradeId: tradeIdSchema, conversationId: conversationIdSchema }).strict(), response: tradeViewSchema },
  'trades:gaps': { request: z.object({ from: isoTimeSchema.optional(), to: isoTimeSchema.optional() }).strict(), response: gapsReportSchema },
  'trades:timeline': { request: z.object({ tradeId: tradeIdSchema, window: matchWindowSchema.optional() }).strict(), response: timelineSchema },
  /** An audited export: the trade's evidence pack (trade record, calls, transcripts, annotations, timeline) under the session's case. */
  'trades:reconstruct': {
    request: z.object({ tradeId: tradeIdSchema, window: matchWindowSchema.optional(), zip: z.boolean().default(false) }).strict(),
    response: packBuildResultSchema.extend({ tradeId: tradeIdSchema }),
  },
} as const;

export const tradesEvents = {} as const;
