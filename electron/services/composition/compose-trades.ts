import type { Logger } from '../../../shared/logger';
import type { OfficerSession } from '../auth/officer';
import type { Profile } from '../config/profile';
import type { PackService } from '../packs/pack-service';
import type { Clock } from '../ports';
import type { Session } from '../session';
import { BlotterImporter } from '../trades/blotter-import';
import { TradeMatching } from '../trades/trade-matching';
import type { BlotterImport, TradeMatchingOperations, TradeReconstructionOperations } from '../trades/trade-ports';
import { TradeReconstruction } from '../trades/trade-reconstruction';
import type { AuditDomain } from './compose-audit';
import type { ProfileRepositories } from './compose-base';

/** Trade reconstruction (issue 13): import, matching, reconstruction, each audited as the signed-in officer. */
export type TradesDomain = {
  importer: BlotterImport;
  matching: TradeMatchingOperations;
  /** Timelines and reconstruction packs (through the one pack builder). */
  reconstruction: TradeReconstructionOperations;
};

export function composeTrades(deps: {
  profile: Pick<Profile, 'trades' | 'compliance'>;
  repositories: Pick<ProfileRepositories, 'trades'>;
  audit: Pick<AuditDomain, 'writer' | 'actors'>;
  officer: OfficerSession;
  packs: Pick<PackService, 'build'>;
  /** The officer's Genesys: the recordings of calls an index sync listed without them. */
  listRecordings: (conversationIds: ReadonlyArray<string>) => Promise<void>;
  /** The officer's Genesys: the index synced over a window before trades are matched in it. */
  syncIndex: (fromMs: number, toMs: number) => Promise<void>;
  session: Pick<Session, 'caseReference'>;
  packsDir: string;
  clock: Clock;
  logger: Logger;
}): TradesDomain {
  const logger = deps.logger.child('trades');
  return {
    importer: new BlotterImporter({
      trades: deps.repositories.trades,
      audit: deps.audit.writer,
      actors: deps.audit.actors,
      settings: deps.profile.trades,
      clock: deps.clock,
      logger,
    }),
    matching: new TradeMatching({
      trades: deps.repositories.trades,
      audit: deps.audit.writer,
      officer: deps.officer,
      syncIndex: deps.syncIndex,
      settings: {
        window: { beforeMinutes: deps.profile.trades.windowBeforeMinutes, afterMinutes: deps.profile.trades.windowAfterMinutes },
        tradingQueues: deps.profile.compliance?.tradingQueues ?? [],
      },
      clock: deps.clock,
      logger,
    }),
    reconstruction: new TradeReconstruction({
      trades: deps.repositories.trades,
      settings: () => deps.profile.trades,
      packs: deps.packs,
      listRecordings: deps.listRecordings,
      logger,
      actors: deps.audit.actors,
      audit: deps.audit.writer,
      currentCase: () => deps.session.caseReference,
      packsDir: deps.packsDir,
      clock: deps.clock,
    }),
  };
}
