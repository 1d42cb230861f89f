import type { postureChannels } from '../../../../shared/ipc/channels/posture';
import type { HostedEngine } from '../../hosted-engine';
import type { HandlersFor } from '../server';

export function postureHandlers({ archive: { posture } }: HostedEngine): HandlersFor<typeof postureChannels> {
  return {
    'posture:run': () => posture.run(),
    'posture:latest': async () => ({ report: await posture.latest() }),
  };
}
