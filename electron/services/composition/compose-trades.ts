import type { Logger } from '../../../shared/logger';
import type { Profile } from '../config/profile';
import type { Clock } from '../ports';
import { BlotterImporter } from '../trades/blotter-import';
import type { BlotterImport } from '../trades/trade-ports';
import type { AuditDomain } from './compose-audit';
import type { ProfileRepositories } from './compose-base';

/** Trade reconstruction (issue 13), one port per part: blotter import (matching and reconstruction join here). */
export type TradesDomain = { importer: BlotterImport };

export function composeTrades(deps: {
  profile: Pick<Profile, 'trades'>;
  repositories: Pick<ProfileRepositories, 'trades'>;
  audit: Pick<AuditDomain, 'writer' | 'actors'>;
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
  };
}
