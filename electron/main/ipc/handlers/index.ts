import type { HostedEngine } from '../../app-host';
import type { IpcHandlers } from '../server';
import { holdsHandlers } from './holds';
import { postureHandlers } from './posture';
import { recordingsHandlers } from './recordings';

/** Every channel of the contract, one group per domain; a missing channel is a compile error. */
export function createIpcHandlers(hosted: HostedEngine): IpcHandlers {
  return {
    ...recordingsHandlers(hosted),
    ...holdsHandlers(hosted),
    ...postureHandlers(hosted),
  };
}
