import type { HostedEngine } from '../../hosted-engine';
import type { IpcHandlers } from '../server';
import { annotationsHandlers } from './annotations';
import { auditHandlers } from './audit';
import { authHandlers, type SignInPageOpener } from './auth';
import { healthHandlers } from './health';
import { holdsHandlers } from './holds';
import { packsHandlers } from './packs';
import { postureHandlers } from './posture';
import { jobsHandlers } from './jobs';
import { recordingsHandlers } from './recordings';
import { reviewHandlersOutsideReview } from './review';
import { tradesHandlers } from './trades';
import { transcriptsHandlers } from './transcripts';

/** Every channel of the contract, one group per domain; a missing channel is a compile error. */
export function createIpcHandlers(hosted: HostedEngine, host: { openSignInPage: SignInPageOpener; lifetime: AbortSignal }): IpcHandlers {
  return {
    ...recordingsHandlers(hosted),
    ...auditHandlers(hosted),
    ...packsHandlers(hosted),
    ...reviewHandlersOutsideReview(),
    ...holdsHandlers(hosted),
    ...postureHandlers(hosted),
    ...jobsHandlers(hosted),
    ...healthHandlers(hosted),
    ...annotationsHandlers(hosted),
    ...transcriptsHandlers(hosted),
    ...tradesHandlers(hosted),
    ...authHandlers({
      officer: hosted.officer,
      officerSignIn: hosted.officerSignIn,
      genesys: hosted.profile.genesys,
      openSignInPage: host.openSignInPage,
      hostLifetime: host.lifetime,
    }),
  };
}
