import type { TranscriptView } from '../../../shared/transcripts';

/** The call's transcript, synced to the player (issue 12, part 3): built on its own branch. */
export function TranscriptPane(_props: { recordingId: string; loadTranscript?: () => Promise<TranscriptView> }) {
  return null;
}
