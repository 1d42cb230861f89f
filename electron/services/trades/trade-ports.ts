import type { BlotterFormat, GapsReport, ImportReport, MatchReport, MatchStatus, MatchWindow, Timeline, TradeSummary, TradeView } from '../../../shared/trades';
import type { PackBuildResult } from '../../../shared/ipc/channels/packs';

/**
 * What the trade reconstruction domain offers its hosts (CLI, app handlers, tests), in three parts
 * composed by compose-trades.ts: import, matching, reconstruction. Every method that changes the
 * record or exports is audited first, as the signed-in officer, under the case given or current.
 */

export type BlotterInput = {
  fileName: string;
  content: Uint8Array;
  /** Default: from the file name (.fix, .log → fix), else csv. */
  format?: BlotterFormat;
  /** Blotter column → Custody field, CSV only. */
  mapping?: Readonly<Record<string, string>>;
};

export type BlotterImport = {
  /** Loads valid rows (a re-import updates, never duplicates), reports bad ones by line; audited ('import'). */
  importBlotter(input: BlotterInput, caseReference?: string): Promise<ImportReport>;
}

export type TradeMatchingOperations = {
  /** Scores every voice trade's candidate calls again; officers' decisions are kept. */
  match(): Promise<MatchReport>;
  list(filter: { status?: MatchStatus; fromMs?: number; toMs?: number; limit?: number }): Promise<{ trades: Array<TradeSummary>; total: number }>;
  show(tradeId: string): Promise<TradeView>;
  /** Confirms a pair ('link' audit event first). */
  link(tradeId: string, conversationId: string, caseReference?: string): Promise<TradeView>;
  /** Rejects a pair ('link' audit event first). */
  unlink(tradeId: string, conversationId: string, caseReference?: string): Promise<TradeView>;
  gaps(range: { fromMs?: number; toMs?: number }): Promise<GapsReport>;
}

export type TradeReconstructionOperations = {
  timeline(tradeId: string, window?: MatchWindow): Promise<Timeline>;
  /** An audited export ('export'): the trade's evidence pack, signed and verified after writing. */
  reconstruct(request: { tradeId: string; window?: MatchWindow; zip: boolean; outPath?: string; caseReference?: string }): Promise<PackBuildResult & { tradeId: string }>;
}
