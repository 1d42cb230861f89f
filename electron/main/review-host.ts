import type { AppErrorPayload } from '../../shared/errors';
import type { Logger } from '../../shared/logger';
import { AppError, toErrorPayload } from '../services/errors';
import type { SecretRedactor } from '../services/logging/redactor';
import { createRendererLog } from '../services/logging/renderer-log';
import type { PlaybackGrants } from '../services/playback/playback-grants';
import type { ReviewSessionService } from '../services/review/review-session';
import type { AppHost } from './hosted-engine';
import type { Emit } from './ipc/emit';
import { reviewHandlers } from './ipc/handlers/review';
import { installIpcServer, type IpcHandlers, type IpcMainLike } from './ipc/server';
import { createAppProtocolHandler, createMediaProtocolHandler } from './protocol';
import { contentSecurityPolicy, isAppOrigin } from './security';

export type HostedReview = { review: ReviewSessionService; grants: PlaybackGrants; logger: Logger; redactor: SecretRedactor };

const refused = (what: string) => async (): Promise<never> => {
  throw new AppError('VALIDATION', `${what} is not available in a regulator review session: it is read-only, offline and cannot export.`);
};

/** Every channel of the contract in review mode: the session and the pack; search, Genesys access and export refused. */
export function createReviewIpcHandlers({ review, logger }: HostedReview): IpcHandlers {
  const rendererLog = createRendererLog(logger);
  return {
    'session:get': async () => review.info(),
    'session:setCaseReference': refused('Changing the case reference'),
    'recordings:search': refused('Searching Genesys'),
    'recordings:searchRefresh': refused('Searching Genesys'),
    'recordings:get': refused('Genesys recording details'),
    'recordings:authorizePlayback': refused('Playing from Genesys'),
    'recordings:getWaveform': refused('The Genesys waveform'),
    'recordings:recordSeek': refused('Seeking in a Genesys recording'),
    'recordings:endPlayback': async ({ recordingId }) => {
      review.endPlayback(recordingId);
      return {};
    },
    'audit:list': refused('The central audit trail'),
    'audit:status': refused('The central audit log status'),
    'audit:verify': refused('Verifying the central audit log'),
    'log:write': async (entry) => {
      rendererLog(entry);
      return {};
    },
    'packs:build': refused('Exporting an evidence pack'),
    'holds:list': refused('Legal holds'),
    'holds:place': refused('Placing a legal hold'),
    'holds:requestRelease': refused('Releasing a legal hold'),
    'holds:approveRelease': refused('Releasing a legal hold'),
    'holds:completeRelease': refused('Releasing a legal hold'),
    'posture:run': refused('The posture check'),
    'posture:latest': refused('The posture report'),
    'jobs:list': refused('Retrieval jobs'),
    'jobs:get': refused('Retrieval jobs'),
    'jobs:startFromSearch': refused('Retrieving recordings'),
    'jobs:pause': refused('Retrieval jobs'),
    'jobs:resume': refused('Retrieving recordings'),
    'jobs:cancel': refused('Retrieval jobs'),
    'auth:current': async () => ({ officer: null }),
    'auth:signIn': refused('Officer sign-in'),
    'auth:cancelSignIn': async () => ({ cancelled: false }),
    'auth:signOut': refused('Officer sign-in'),
    'health:get': refused('The WORM store and Genesys reachability'),
    'health:check': refused('The WORM store and Genesys reachability'),
    // A review shows the pack's annotations (in its metadata); the officer's own are not reachable.
    'annotations:list': refused('The officer\'s annotations'),
    'annotations:history': refused('The officer\'s annotations'),
    'annotations:create': refused('Annotating'),
    'annotations:edit': refused('Annotating'),
    'annotations:delete': refused('Annotating'),
    // The pack's transcript is read through the pack (review:*); Genesys's is not reachable offline.
    'transcripts:get': refused('Genesys speech analytics'),
    // A reconstruction pack's trade and timeline are read through the pack; the officer's blotter is not reachable.
    'trades:import': refused('Importing a trade blotter'),
    'trades:match': refused('Trade matching'),
    'trades:list': refused('The trade blotter'),
    'trades:show': refused('The trade blotter'),
    'trades:link': refused('Linking a trade to a call'),
    'trades:unlink': refused('Linking a trade to a call'),
    'trades:gaps': refused('The trade gaps report'),
    'trades:timeline': refused('The trade timeline'),
    'trades:reconstruct': refused('Exporting a trade reconstruction'),
    ...reviewHandlers(review),
  };
}

/** The review session's host: same IPC server and protocol handlers as the app, with the review handlers. */
export function hostReview(
  hosted: HostedReview,
  options: { ipc: IpcMainLike; emit: Emit; trustedOrigin: string; rendererDir: string; validateResponses: boolean; maxOpenRangeBytes?: number },
): AppHost {
  const toPayload = (error: unknown): AppErrorPayload => {
    const payload = toErrorPayload(error);
    return { ...payload, message: hosted.redactor.redactText(payload.message) };
  };
  const dispose = installIpcServer(options.ipc, createReviewIpcHandlers(hosted), {
    isTrustedOrigin: (url) => isAppOrigin(url, options.trustedOrigin),
    validateResponses: options.validateResponses,
    toPayload,
    logger: hosted.logger.child('ipc'),
  });
  return {
    appHandler: createAppProtocolHandler({ rootDir: options.rendererDir, csp: contentSecurityPolicy, host: 'custody' }),
    mediaHandler: createMediaProtocolHandler({ grants: hosted.grants, allowOrigin: options.trustedOrigin, ...(options.maxOpenRangeBytes ? { maxOpenRangeBytes: options.maxOpenRangeBytes } : {}) }),
    dispose,
  };
}
