import type { Logger } from '../../../shared/logger';
import type { OfficerSession } from '../auth/officer';
import type { Profile } from '../config/profile';
import type { Clock } from '../ports';
import { TradeMatching } from '../trades/trade-matching';
import type { TradeMatchingOperations } from '../trades/trade-ports';
import type { AuditDomain } from './compose-audit';
import type { ProfileRepositories } from './compose-base';

/** Trade reconstruction (issue 13): import, matching, reconstruction, each audited as the signed-in officer. */
export type TradesDomain = { matching: TradeMatchingOperations };

export function composeTrades(deps: {
  profile: Pick<Profile, 'trades' | 'compliance'>;
  repositories: Pick<ProfileRepositories, 'trades'>;
  audit: Pick<AuditDomain, 'writer'>;
  officer: OfficerSession;
  clock: Clock;
  logger: Logger;
}): TradesDomain {
  const matching = new TradeMatching({
    trades: deps.repositories.trades,
    audit: deps.audit.writer,
    officer: deps.officer,
    settings: {
      window: { beforeMinutes: deps.profile.trades.windowBeforeMinutes, afterMinutes: deps.profile.trades.windowAfterMinutes },
      tradingQueues: deps.profile.compliance?.tradingQueues ?? [],
    },
    clock: deps.clock,
    logger: deps.logger.child('trades'),
  });
  return { matching };
}
