import type { tradesChannels } from '../../../../shared/ipc/channels/trades';
import type { HostedEngine } from '../../hosted-engine';
import type { HandlersFor } from '../server';

/** The contract's ISO instants (validated there) as the ports' epoch milliseconds. */
const ms = (iso: string | undefined) => (iso === undefined ? undefined : Date.parse(iso));

/** Trade reconstruction from the UI: every change and export under the session's case, by the officer signed in. */
export function tradesHandlers({ trades, session }: HostedEngine): HandlersFor<typeof tradesChannels> {
  const caseReference = () => session.caseReference ?? undefined;
  return {
    'trades:import': ({ fileName, content, format, mapping }) => trades.importer.importBlotter({ fileName, content: new TextEncoder().encode(content), format, mapping }, caseReference()),
    'trades:match': () => trades.matching.match(),
    'trades:list': ({ status, from, to, limit }) => trades.matching.list({ status, fromMs: ms(from), toMs: ms(to), limit }),
    'trades:show': ({ tradeId }) => trades.matching.show(tradeId),
    'trades:link': ({ tradeId, conversationId }) => trades.matching.link(tradeId, conversationId, caseReference()),
    'trades:unlink': ({ tradeId, conversationId }) => trades.matching.unlink(tradeId, conversationId, caseReference()),
    'trades:gaps': ({ from, to }) => trades.matching.gaps({ fromMs: ms(from), toMs: ms(to) }),
    'trades:timeline': ({ tradeId, window }) => trades.reconstruction.timeline(tradeId, window),
    'trades:reconstruct': ({ tradeId, window, zip }) => trades.reconstruction.reconstruct({ tradeId, window, zip, caseReference: caseReference() }),
  };
}
