import type { HostedEngine } from '../../hosted-engine';
import type { IpcHandlers } from '../server';
import { auditHandlers } from './audit';
import { holdsHandlers } from './holds';
import { packsHandlers } from './packs';
import { postureHandlers } from './posture';
import { jobsHandlers } from './jobs';
import { recordingsHandlers } from './recordings';
import { reviewHandlersOutsideReview } from './review';

/** Every channel of the contract, one group per domain; a missing channel is a compile error. */
export function createIpcHandlers(hosted: HostedEngine): IpcHandlers {
  return {
    ...recordingsHandlers(hosted),
    ...auditHandlers(hosted),
    ...packsHandlers(hosted),
    ...reviewHandlersOutsideReview(),
    ...holdsHandlers(hosted),
    ...postureHandlers(hosted),
    ...jobsHandlers(hosted),
  };
}
