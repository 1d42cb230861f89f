import { createContext, useContext } from 'react';

/** A span of a recording, in milliseconds from its start. */
export type TimeRange = { fromMs: number; toMs: number };

/** A marked span drawn on the waveform (an annotation, a transcript hit); a click on it calls `onSelect`. */
export type PlayerRegion = {
  id: string;
  range: TimeRange;
  label: string;
  kind: 'annotation' | 'transcript-hit';
  onSelect?: () => void;
};

/**
 * What the player of one audited play offers the panes beside it (transcript, annotations). Every
 * position change goes through `seekTo`, the player's one audited seek path (pause, land, record the
 * landed position, play on once acknowledged); a pane never touches the media element.
 */
export type PlayerHandle = {
  recordingId: string;
  durationMs: number;
  /** Where playback is now (the media element's position), updated while playing. */
  positionMs: number;
  playing: boolean;
  /** The recording's first sample as wall-clock time (epoch ms): a position `p` was spoken at `startedAtMs + p`. */
  startedAtMs: number;
  seekTo(positionMs: number, options?: { play?: boolean }): void;
  /** The A–B range: what `[` and `]` set, what loops when looping is on, and what an annotation marks. */
  selection: TimeRange | null;
  setSelection(range: TimeRange | null): void;
  /** Plays `range` over and over (from its start), or stops looping (null). */
  loop(range: TimeRange | null): void;
  /** A pane's spans to draw on the waveform, replacing what that pane (`owner`) showed before. */
  showRegions(owner: string, regions: ReadonlyArray<PlayerRegion>): void;
};

export const PlayerContext = createContext<PlayerHandle | null>(null);

/** The player of the recording on screen, or null before its play is audited. */
export function usePlayer(): PlayerHandle | null {
  return useContext(PlayerContext);
}
