import type { holdsChannels } from '../../../../shared/ipc/channels/holds';
import type { HostedEngine } from '../../hosted-engine';
import type { HandlersFor } from '../server';

/** Legal holds, acted on as the officer signed in on the profile. */
export function holdsHandlers({ archive: { holds } }: HostedEngine): HandlersFor<typeof holdsChannels> {
  return {
    'holds:list': async ({ includeReleased }) => ({ holds: await holds.list(includeReleased ?? false) }),
    'holds:place': (request) => holds.place(request),
    'holds:requestRelease': ({ holdId, reason }) => holds.requestRelease(holdId, reason),
    'holds:approveRelease': ({ holdId }) => holds.approveRelease(holdId),
    'holds:completeRelease': ({ holdId }) => holds.completeRelease(holdId),
  };
}
