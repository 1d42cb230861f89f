import type { reviewChannels } from '../../../../shared/ipc/channels/review';
import { AppError } from '../../../services/errors';
import type { ReviewSessionService } from '../../../services/review/review-session';
import type { HandlersFor } from '../server';

const notInReview = async (): Promise<never> => {
  throw new AppError('VALIDATION', 'This is available only in a regulator review session ("custody review PACK --reviewer NAME").');
};

/** In the officer's app there is no pack under review. */
export function reviewHandlersOutsideReview(): HandlersFor<typeof reviewChannels> {
  return {
    'review:getPack': notInReview,
    'review:recordView': notInReview,
    'review:authorizePlayback': notInReview,
    'review:getWaveform': notInReview,
    'review:recordSeek': notInReview,
    'review:getTranscript': notInReview,
  };
}

/** In a review session: the opened pack, each view, play, seek and transcript read journaled first. */
export function reviewHandlers(review: ReviewSessionService): HandlersFor<typeof reviewChannels> {
  return {
    'review:getPack': async () => review.packView(),
    'review:recordView': ({ recordingId }) => review.recordView(recordingId),
    'review:authorizePlayback': ({ recordingId }) => review.authorizePlayback(recordingId),
    'review:getWaveform': ({ recordingId, ...window }) => review.waveform(recordingId, window),
    'review:recordSeek': ({ recordingId, positionMs }) => review.recordSeek(recordingId, positionMs),
    'review:getTranscript': ({ recordingId }) => review.transcript(recordingId),
  };
}
