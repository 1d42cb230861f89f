import { lstat, mkdir, readdir, rmdir } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { caseReferenceSchema } from '../../../shared/domain';
import type { PackBuildResult } from '../../../shared/ipc/channels/packs';
import { matchWindowSchema, tradeIdSchema, type ImportedTrade, type LinkDecision, type MatchWindow, type Timeline } from '../../../shared/trades';
import { escapeUnsafeText } from '../../../shared/unsafe-text';
import type { IndexedCall, StoredCandidate, TradeRepository } from '../../db/repositories/trade-repository';
import type { AuditActors } from '../audit/audit-actor';
import type { AuditWriter } from '../audit/audit-writer';
import { AppError, describeCause, validated } from '../errors';
import type { PackService } from '../packs/pack-service';
import type { Logger } from '../../../shared/logger';
import type { Clock } from '../ports';
import type { TradeReconstructionOperations } from './trade-ports';
import type { TradeSettings } from './trade-settings';

const MINUTE_MS = 60_000;

export type TradeReconstructionDeps = {
  trades: Pick<TradeRepository, 'trade' | 'agentIdsOfTrader' | 'callsOfParties' | 'callsWithTradingId' | 'candidates' | 'decisions'>;
  /** The profile's `trades` section (window defaults, the desk's zone). */
  settings: () => TradeSettings;
  packs: Pick<PackService, 'build'>;
  /** Asks Genesys, under the signed-in officer's token, for the recordings of calls the index lists without them. */
  listRecordings: (conversationIds: ReadonlyArray<string>) => Promise<void>;
  logger: Logger;
  actors: Pick<AuditActors, 'officer'>;
  audit: () => Promise<AuditWriter>;
  /** The case current in this sitting, for a timeline read from the app. */
  currentCase: () => string | null;
  /** Where a reconstruction goes when no path is given (the profile's packs folder). */
  packsDir: string;
  clock: Clock;
};

/**
 * A trade's story: its execution and every call of its trader and its client around it (plus the calls
 * carrying its id), on one time axis; exported as a signed evidence pack through the one pack builder.
 */
export class TradeReconstruction implements TradeReconstructionOperations {
  constructor(private readonly deps: TradeReconstructionDeps) {}

  /** Reading a trade's calls is a search of the index: audited first, as the signed-in officer. */
  async timeline(tradeId: string, window?: MatchWindow): Promise<Timeline> {
    const id = validated(tradeIdSchema, tradeId, 'trade id');
    const asked = this.windowOf(window);
    const actor = await this.deps.actors.officer('search');
    await (await this.deps.audit()).append(
      { action: 'search', tradingId: id, caseReference: this.deps.currentCase(), details: { query: { tradeTimeline: id, beforeMinutes: asked.beforeMinutes, afterMinutes: asked.afterMinutes } } },
      actor,
    );
    return this.assemble(await this.requireTrade(id), asked, 'timeline');
  }

  /** An audited export ('export', details.kind 'reconstruction', written by the pack builder before any byte). */
  async reconstruct(request: { tradeId: string; window?: MatchWindow; zip: boolean; outPath?: string; caseReference?: string }): Promise<PackBuildResult & { tradeId: string }> {
    const id = validated(tradeIdSchema, request.tradeId, 'trade id');
    const window = this.windowOf(request.window);
    const caseParsed = caseReferenceSchema.safeParse(request.caseReference ?? this.deps.currentCase());
    if (!caseParsed.success) throw new AppError('CASE_REFERENCE_REQUIRED', 'A case reference is required before a trade is reconstructed.');
    const caseReference = caseParsed.data;
    // Nothing about the trade is read for an officer who may not export.
    await this.deps.actors.officer('export');
    const trade = await this.requireTrade(id);
    const timeline = await this.assemble(trade, window, 'pack');
    const outPath = request.outPath === undefined ? await this.defaultOutPath(caseReference, id, request.zip) : await freeTarget(resolve(request.outPath));
    const result = await this.deps.packs.build({ selection: { kind: 'trade', trade, timeline, window }, caseReference, outPath, zip: request.zip });
    return { ...result, tradeId: id };
  }

  private windowOf(window: MatchWindow | undefined): MatchWindow {
    if (window) return validated(matchWindowSchema, window, 'window');
    const settings = this.deps.settings();
    return { beforeMinutes: settings.windowBeforeMinutes, afterMinutes: settings.windowAfterMinutes };
  }

  private async requireTrade(tradeId: string): Promise<ImportedTrade> {
    const trade = await this.deps.trades.trade(tradeId);
    if (!trade) throw new AppError('NOT_FOUND', `Trade ${escapeUnsafeText(tradeId)} is not in the index: import the blotter that holds it first (custody trades import).`);
    return trade;
  }

  /**
   * An index sync lists calls, not their recordings: those of the timeline's calls not listed yet are
   * asked for first. A pack must not leave out a call's recordings, so a failure refuses it; a timeline
   * on screen is shown with those calls marked as having no recording listed.
   */
  private async assemble(trade: ImportedTrade, window: MatchWindow, purpose: 'timeline' | 'pack'): Promise<Timeline> {
    const { trades } = this.deps;
    const executedMs = Date.parse(trade.executedAt);
    const agentIds = await trades.agentIdsOfTrader(trade.trader);
    // The window is closed at both ends: a call starting exactly at execution + after is in it.
    const readCalls = async () => ({
      windowCalls: await trades.callsOfParties({ agentIds, clientAccount: trade.clientAccount }, executedMs - window.beforeMinutes * MINUTE_MS, executedMs + window.afterMinutes * MINUTE_MS + 1),
      taggedCalls: await trades.callsWithTradingId(trade.tradeId),
    });
    let calls = await readCalls();
    const unlisted = [...new Set([...calls.windowCalls, ...calls.taggedCalls].filter((c) => !c.recordingsListed).map((c) => c.conversationId))];
    if (unlisted.length > 0) {
      try {
        await this.deps.listRecordings(unlisted);
        calls = await readCalls();
      } catch (error) {
        if (purpose === 'pack') {
          throw new AppError(
            'UPSTREAM_UNAVAILABLE',
            `The recordings of ${unlisted.length} of the trade's calls could not be listed from Genesys (${describeCause(error)}); nothing was exported. Try again when Genesys can be reached.`,
            { retryable: true },
          );
        }
        this.deps.logger.warn('timeline shown without the recordings of unlisted calls', { calls: unlisted.length, reason: describeCause(error) });
      }
    }
    return assembleTimeline({
      trade,
      window,
      deskTimeZone: this.deps.settings().deskTimeZone,
      agentIds,
      ...calls,
      candidates: await trades.candidates(trade.tradeId),
      decisions: await trades.decisions(trade.tradeId),
    });
  }

  private async defaultOutPath(caseReference: string, tradeId: string, zip: boolean): Promise<string> {
    await mkdir(this.deps.packsDir, { recursive: true, mode: 0o700 });
    const stamp = new Date(this.deps.clock.now()).toISOString().replace(/[:.]/g, '-');
    const safe = (text: string) => text.replace(/[^A-Za-z0-9-]+/g, '_');
    return join(this.deps.packsDir, `${safe(caseReference)}-trade-${safe(tradeId)}-${stamp}${zip ? '.zip' : ''}`);
  }
}

/**
 * The officer's target: an empty directory is taken (removed so the pack is renamed into its place);
 * anything else that exists is left for the pack builder to refuse.
 */
async function freeTarget(path: string): Promise<string> {
  const found = await lstat(path).catch(() => null);
  if (found?.isDirectory() && (await readdir(path)).length === 0) await rmdir(path);
  return path;
}

/** The newest decision on each call of the trade. */
function currentDecisions(decisions: ReadonlyArray<LinkDecision>): Map<string, LinkDecision> {
  const newest = new Map<string, LinkDecision>();
  for (const decision of decisions) newest.set(decision.conversationId, decision);
  return newest;
}

/**
 * The timeline of one trade from what the index holds (pure): the calls of the trader (by Genesys user)
 * and of the client account overlapping the window, and every call carrying the trade's id; oldest first.
 * Linked: an officer confirmed it, or it carries the trade's id and no officer rejected it.
 */
export function assembleTimeline(input: {
  trade: ImportedTrade;
  window: MatchWindow;
  deskTimeZone: string;
  agentIds: ReadonlyArray<string>;
  windowCalls: ReadonlyArray<IndexedCall>;
  taggedCalls: ReadonlyArray<IndexedCall>;
  candidates: ReadonlyArray<StoredCandidate>;
  decisions: ReadonlyArray<LinkDecision>;
}): Timeline {
  const { trade, window } = input;
  const executedMs = Date.parse(trade.executedAt);
  const calls = new Map<string, IndexedCall>();
  for (const call of [...input.windowCalls, ...input.taggedCalls]) calls.set(call.conversationId, call);
  const agents = new Set(input.agentIds);
  const scored = new Map(input.candidates.map((c) => [c.conversationId, c]));
  const decided = currentDecisions(input.decisions);
  const iso = (ms: number) => new Date(ms).toISOString();
  const { source: _source, importedAt: _importedAt, updatedAt: _updatedAt, ...executed } = trade;
  return {
    schema: 'custody.timeline.v1',
    tradeId: trade.tradeId,
    deskTimeZone: input.deskTimeZone,
    window: { from: iso(executedMs - window.beforeMinutes * MINUTE_MS), to: iso(executedMs + window.afterMinutes * MINUTE_MS) },
    execution: { at: iso(executedMs), trade: executed },
    calls: [...calls.values()]
      .sort((a, b) => a.startMs - b.startMs || a.conversationId.localeCompare(b.conversationId))
      .map((call) => {
        const decision = decided.get(call.conversationId)?.decision;
        const candidate = scored.get(call.conversationId);
        return {
          conversationId: call.conversationId,
          start: iso(call.startMs),
          end: call.endMs === null ? null : iso(call.endMs),
          agentName: call.agentName,
          queueName: call.queueName,
          tradingId: call.tradingId,
          clientAccount: call.clientAccount,
          parties: [
            ...(call.agentId !== null && agents.has(call.agentId) ? (['trader'] as const) : []),
            ...(trade.clientAccount !== null && call.clientAccount === trade.clientAccount ? (['client'] as const) : []),
          ],
          linked: decision === 'confirmed' || (call.tradingId === trade.tradeId && decision !== 'rejected'),
          score: candidate?.score ?? null,
          reasons: candidate?.reasons ?? [],
          recordings: call.recordings.map((r) => {
            const startMs = r.startMs ?? call.startMs;
            const endMs = r.endMs ?? call.endMs;
            return { recordingId: r.recordingId, start: iso(startMs), durationMs: endMs === null ? 0 : Math.max(0, endMs - startMs) };
          }),
        };
      }),
  };
}
