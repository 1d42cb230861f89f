import type { healthChannels } from '../../../../shared/ipc/channels/health';
import type { HostedEngine } from '../../hosted-engine';
import type { HandlersFor } from '../server';

export function healthHandlers({ health }: HostedEngine): HandlersFor<typeof healthChannels> {
  return {
    'health:get': async () => health.status(),
    'health:check': () => health.check(),
  };
}
