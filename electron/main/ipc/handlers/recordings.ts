import type { recordingsChannels } from '../../../../shared/ipc/channels/recordings';
import type { HostedEngine } from '../../hosted-engine';
import { createRendererLog } from '../../../services/logging/renderer-log';
import type { HandlersFor } from '../server';

/** Session, search and playback mapped onto the engine and the session: one line each, no logic here. */
export function recordingsHandlers({ engine, session, logger }: HostedEngine): HandlersFor<typeof recordingsChannels> {
  const rendererLog = createRendererLog(logger);
  return {
    'session:get': async () => session.info(await engine.freshness()),
    'session:setCaseReference': async ({ caseReference }) => {
      session.setCaseReference(caseReference);
      return session.info(await engine.freshness());
    },
    'recordings:search': (query) => engine.search(query, { caseReference: session.caseReference }, 'at-once'),
    'recordings:searchRefresh': ({ auditEventId }) => engine.refreshSearch(auditEventId),
    'recordings:get': ({ recordingId }) => engine.recording(recordingId, { caseReference: session.caseReference }),
    'recordings:authorizePlayback': ({ recordingId, startOffsetMs }) => engine.authorizePlayback(recordingId, session.caseReference, startOffsetMs ?? 0),
    'recordings:recordSeek': ({ recordingId, positionMs }) => engine.recordSeek(recordingId, positionMs, session.caseReference),
    'recordings:endPlayback': async ({ recordingId }) => {
      engine.endPlayback(recordingId);
      return {};
    },
    'recordings:getWaveform': ({ recordingId, buckets, fromMs, toMs }) => engine.waveform(recordingId, buckets, { ...(fromMs !== undefined ? { fromMs } : {}), ...(toMs !== undefined ? { toMs } : {}) }),
    'log:write': async (entry) => {
      rendererLog(entry);
      return {};
    },
  };
}
