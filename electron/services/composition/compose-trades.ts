import type { PackService } from '../packs/pack-service';
import type { Clock } from '../ports';
import type { Session } from '../session';
import type { TradeReconstructionOperations } from '../trades/trade-ports';
import { TradeReconstruction } from '../trades/trade-reconstruction';
import type { TradeSettings } from '../trades/trade-settings';
import type { AuditDomain } from './compose-audit';
import type { ProfileRepositories } from './compose-base';

/** Trade reconstruction (issue 13): import, matching and reconstruction over the profile's trade repository. */
export type TradesDomain = {
  /** Timelines and reconstruction packs (through the one pack builder). */
  reconstruction: TradeReconstructionOperations;
};

export function composeTrades(deps: {
  repositories: Pick<ProfileRepositories, 'trades'>;
  settings: () => TradeSettings;
  audit: Pick<AuditDomain, 'writer' | 'actors'>;
  packs: Pick<PackService, 'build'>;
  session: Pick<Session, 'caseReference'>;
  packsDir: string;
  clock: Clock;
}): TradesDomain {
  return {
    reconstruction: new TradeReconstruction({
      trades: deps.repositories.trades,
      settings: deps.settings,
      packs: deps.packs,
      actors: deps.audit.actors,
      audit: deps.audit.writer,
      currentCase: () => deps.session.caseReference,
      packsDir: deps.packsDir,
      clock: deps.clock,
    }),
  };
}
