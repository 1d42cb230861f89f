import type { Logger } from '../../../shared/logger';
import type { OfficerSession } from '../auth/officer';
import type { Profile } from '../config/profile';
import type { Clock } from '../ports';
import { BlotterImporter } from '../trades/blotter-import';
import { TradeMatching } from '../trades/trade-matching';
import type { BlotterImport, TradeMatchingOperations } from '../trades/trade-ports';
import type { AuditDomain } from './compose-audit';
import type { ProfileRepositories } from './compose-base';

/** Trade reconstruction (issue 13): import, matching, reconstruction, each audited as the signed-in officer. */
export type TradesDomain = { importer: BlotterImport; matching: TradeMatchingOperations };

export function composeTrades(deps: {
  profile: Pick<Profile, 'trades' | 'compliance'>;
  repositories: Pick<ProfileRepositories, 'trades'>;
  audit: Pick<AuditDomain, 'writer' | 'actors'>;
  officer: OfficerSession;
  clock: Clock;
  logger: Logger;
}): TradesDomain {
  const logger = deps.logger.child('trades');
  const matching = new TradeMatching({
    trades: deps.repositories.trades,
    audit: deps.audit.writer,
    officer: deps.officer,
    settings: {
      window: { beforeMinutes: deps.profile.trades.windowBeforeMinutes, afterMinutes: deps.profile.trades.windowAfterMinutes },
      tradingQueues: deps.profile.compliance?.tradingQueues ?? [],
    },
    clock: deps.clock,
    logger,
  });
  return {
    importer: new BlotterImporter({
      trades: deps.repositories.trades,
      audit: deps.audit.writer,
      actors: deps.audit.actors,
      settings: deps.profile.trades,
      clock: deps.clock,
      logger,
    }),
    matching,
  };
}
