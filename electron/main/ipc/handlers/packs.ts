import type { packsChannels } from '../../../../shared/ipc/channels/packs';
import type { HostedEngine } from '../../hosted-engine';
import type { HandlersFor } from '../server';

/** Evidence packs from the UI: the selected recordings, under the session's case reference. */
export function packsHandlers({ packs, session }: HostedEngine): HandlersFor<typeof packsChannels> {
  return {
    'packs:build': ({ recordingIds, zip, excerpts }) => packs.buildSelected(recordingIds, session.caseReference, zip, { excerpts: excerpts ?? false }),
  };
}
