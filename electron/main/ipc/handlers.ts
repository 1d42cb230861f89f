import type { Logger } from '../../../shared/logger';
import type { CustodyEngine } from '../../services/custody-engine';
import type { Session } from '../../services/session';
import type { IpcHandlers } from './server';

/** The contract's channels mapped onto the engine and the session: one line each, no logic here. */
export function createIpcHandlers(engine: CustodyEngine, session: Session, rendererLogger: Logger): IpcHandlers {
  return {
    'session:get': async () => session.info(await engine.freshness()),
    'session:setCaseReference': async ({ caseReference }) => {
      session.setCaseReference(caseReference);
      return session.info(await engine.freshness());
    },
    'recordings:search': (query) => engine.search(query, { caseReference: session.caseReference }),
    'recordings:get': ({ recordingId }) => engine.recording(recordingId),
    'recordings:authorizePlayback': ({ recordingId }) => engine.authorizePlayback(recordingId, session.caseReference),
    'recordings:getWaveform': ({ recordingId, buckets }) => engine.waveform(recordingId, buckets),
    'log:write': async ({ level, message, fields }) => {
      rendererLogger[level](message, fields);
      return {};
    },
  };
}
