import type { transcriptsChannels } from '../../../../shared/ipc/channels/transcripts';
import type { HostedEngine } from '../../hosted-engine';
import type { HandlersFor } from '../server';

export function transcriptsHandlers({ transcripts, session }: HostedEngine): HandlersFor<typeof transcriptsChannels> {
  return {
    'transcripts:get': ({ recordingId }) => transcripts.transcript(recordingId, session.caseReference),
  };
}
