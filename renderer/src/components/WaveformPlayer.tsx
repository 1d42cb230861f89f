import { useEffect, useEffectEvent, useRef, useState, type KeyboardEvent, type PointerEvent, type ReactNode } from 'react';
import WaveSurfer from 'wavesurfer.js';
import type { Waveform } from '../../../shared/domain';
import { formatClock } from '../../../shared/quantities';
import { PlayerContext, type PlayerHandle, type PlayerRegion, type TimeRange } from '../player/player-context';

/** What the player needs of a play, in the officer's app and in a regulator's review alike. */
export type PlayerMedia = { recordingId: string; mediaUrl: string; durationMs: number };

type WaveformPlayerProps = {
  /** The audited play's media: served only under its grant (main's playback grant, or a review's journaled play). */
  media: PlayerMedia;
  /** Peaks of a window of the recording (zoom), or of all of it while it is still streaming in (`complete: false`). */
  loadWaveform(window: { fromMs: number; toMs: number; buckets: number }): Promise<Waveform>;
  waveform: Waveform;
  onError(message: string): void;
  /** The media stopped being served (its grant expired or was revoked): this play is over. */
  onMediaFailed(message: string): void;
  /** Records where playback moved to in the audit log; playback stays paused until it resolves, and stays paused if it fails. */
  onSeek(positionMs: number): Promise<void>;
  /** The recording's first sample as wall-clock time (epoch ms). */
  startedAtMs: number;
  /** Panes shown with the player (transcript, annotations): they reach it through usePlayer(). */
  children?: ReactNode;
};

/** Agent on the left channel, client on the right: drawn as two lanes, top and bottom. */
const channelStyles = [
  { label: 'Agent (left)', waveColor: '#8fa8c4', progressColor: '#28507d' },
  { label: 'Client (right)', waveColor: '#b5a58a', progressColor: '#72592f' },
] as const;

const laneHeightPx = 52;
const seekStepS = 5;
/** Clicks, drags and repeated keys within this long are one seek in the audit log. */
const seekSettleMs = 250;

type PendingSeek = { timer: ReturnType<typeof setTimeout>; resume: boolean };

const isPlaying = (media: HTMLMediaElement) => !media.paused && !media.ended;
const messageOf = (caught: unknown) => (caught instanceof Error ? caught.message : String(caught));

/** Resolves once the media element has finished seeking: from then on, `currentTime` is where playback is. */
function seekLanded(media: HTMLMediaElement): Promise<void> {
  if (!media.seeking) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const stop = () => {
      media.removeEventListener('seeked', landed);
      media.removeEventListener('error', failed);
    };
    const landed = () => {
      stop();
      resolve();
    };
    const failed = () => {
      stop();
      reject(new Error(media.error?.message || 'the recording could not be read at that position'));
    };
    media.addEventListener('seeked', landed);
    media.addEventListener('error', failed);
  });
}

/**
 * Plays an authorised recording: the <audio> element streams `media.mediaUrl` and wavesurfer draws the
 * peaks main computed, so the audio is never decoded here. Mounted only once the access is in the audit log.
 * Seeking is ours, not wavesurfer's, so that every position change goes through one audited path.
 */
export function WaveformPlayer({ media: played, waveform, onError, onMediaFailed, onSeek, startedAtMs, children }: WaveformPlayerProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const audioRef = useRef<HTMLAudioElement>(null);
  const wavesurferRef = useRef<WaveSurfer | null>(null);
  const [playing, setPlaying] = useState(false);
  const [currentTime, setCurrentTime] = useState(0);
  const durationS = (waveform.durationMs || played.durationMs) / 1000;
  const reportError = useEffectEvent(onError);
  const reportMediaFailed = useEffectEvent(onMediaFailed);
  const pendingSeek = useRef<PendingSeek | null>(null);
  const dragging = useRef(false);
  const [selection, setSelection] = useState<TimeRange | null>(null);
  const [, setLooping] = useState<TimeRange | null>(null);
  const [, setRegions] = useState<ReadonlyMap<string, ReadonlyArray<PlayerRegion>>>(new Map());

  /** The end the media element can really reach: its own duration once known. */
  function endOf(media: HTMLMediaElement): number {
    return Number.isFinite(media.duration) && media.duration > 0 ? media.duration : durationS;
  }

  async function play() {
    try {
      await wavesurferRef.current?.play();
    } catch (caught) {
      onError(`Playback failed: ${messageOf(caught)}`);
    }
  }

  /**
   * A seek is an access. Playback pauses at once; once the position has settled and the media
   * element has landed the seek, the position it reports is recorded, and only when that is
   * acknowledged does playback go on. Nothing from a new position plays before its record.
   */
  function holdForSeekAudit(media: HTMLMediaElement, resume = pendingSeek.current?.resume ?? isPlaying(media)) {
    media.pause();
    if (pendingSeek.current) clearTimeout(pendingSeek.current.timer);
    const pending: PendingSeek = { resume, timer: setTimeout(() => void recordLandedSeek(media, pending), seekSettleMs) };
    pendingSeek.current = pending;
  }

  async function recordLandedSeek(media: HTMLMediaElement, pending: PendingSeek) {
    try {
      await seekLanded(media);
      if (pendingSeek.current !== pending) return;
      setCurrentTime(media.currentTime);
      await onSeek(Math.round(media.currentTime * 1000));
    } catch (caught) {
      if (pendingSeek.current === pending) pendingSeek.current = null;
      onError(`Seek not recorded, playback paused: ${messageOf(caught)}`);
      return;
    }
    if (pendingSeek.current !== pending) return;
    pendingSeek.current = null;
    // At the very end nothing is left to play: Play from there starts again at 0:00, itself a recorded seek.
    if (pending.resume && !media.ended) await play();
  }

  function seekTo(media: HTMLMediaElement, timeS: number, resume?: boolean) {
    holdForSeekAudit(media, resume);
    const target = Math.min(Math.max(timeS, 0), endOf(media));
    media.currentTime = target;
    setCurrentTime(target);
  }

  /** A seek this component did not start (none is known today) is held and recorded all the same. */
  const auditUnexpectedSeek = useEffectEvent((media: HTMLMediaElement) => {
    if (!pendingSeek.current) holdForSeekAudit(media);
  });

  useEffect(() => {
    const container = containerRef.current;
    const media = audioRef.current;
    if (!container || !media) return;
    let disposed = false;
    const wavesurfer = WaveSurfer.create({
      container,
      media,
      peaks: waveform.peaks,
      duration: durationS,
      height: laneHeightPx,
      splitChannels: waveform.peaks.map((_, i) => {
        const style = channelStyles[i] ?? channelStyles[0];
        return { waveColor: style.waveColor, progressColor: style.progressColor, height: laneHeightPx };
      }),
      cursorColor: '#1b1f24',
      cursorWidth: 1,
      barWidth: 2,
      barGap: 1,
      barRadius: 1,
      // Clicks and drags are handled here (seekToPointer), through the audited path.
      interact: false,
    });
    wavesurferRef.current = wavesurfer;
    const onSeeking = () => auditUnexpectedSeek(media);
    media.addEventListener('seeking', onSeeking);
    const unsubscribers = [
      wavesurfer.on('play', () => setPlaying(true)),
      wavesurfer.on('pause', () => setPlaying(false)),
      wavesurfer.on('finish', () => setPlaying(false)),
      wavesurfer.on('timeupdate', (time) => setCurrentTime(time)),
      wavesurfer.on('error', (error) => reportMediaFailed(error.message)),
      () => media.removeEventListener('seeking', onSeeking),
    ];
    async function autoplay() {
      try {
        await wavesurfer.play();
      } catch (caught) {
        if (!disposed) reportError(`Playback failed: ${messageOf(caught)}`);
      }
    }
    void autoplay();
    return () => {
      disposed = true;
      if (pendingSeek.current) clearTimeout(pendingSeek.current.timer);
      pendingSeek.current = null;
      for (const unsubscribe of unsubscribers) unsubscribe();
      // wavesurfer leaves a media element it did not create playing; stop it ourselves.
      media.pause();
      wavesurfer.destroy();
      wavesurferRef.current = null;
    };
  }, [waveform.peaks, durationS]);

  async function togglePlay() {
    // While a seek is being recorded, Play means "play once it is recorded"; Pause cancels that.
    if (pendingSeek.current && !playing) {
      pendingSeek.current.resume = true;
      return;
    }
    if (pendingSeek.current) pendingSeek.current.resume = false;
    const media = audioRef.current;
    // Played to the end, the element would restart at 0:00 by itself: do it as a recorded seek.
    if (media?.ended) {
      seekTo(media, 0, true);
      return;
    }
    try {
      await wavesurferRef.current?.playPause();
    } catch (caught) {
      onError(`Playback failed: ${messageOf(caught)}`);
    }
  }

  function seekByKey(event: KeyboardEvent<HTMLDivElement>) {
    const media = audioRef.current;
    if (!media) return;
    const targets: Record<string, number> = {
      ArrowLeft: media.currentTime - seekStepS,
      ArrowRight: media.currentTime + seekStepS,
      Home: 0,
      End: endOf(media),
    };
    const target = targets[event.key];
    if (target === undefined) return;
    event.preventDefault();
    seekTo(media, target);
  }

  function seekToPointer(event: PointerEvent<HTMLDivElement>) {
    const media = audioRef.current;
    const box = event.currentTarget.getBoundingClientRect();
    if (!media || box.width <= 0) return;
    seekTo(media, ((event.clientX - box.left) / box.width) * endOf(media));
  }

  const handle: PlayerHandle = {
    recordingId: played.recordingId,
    durationMs: Math.round(durationS * 1000),
    positionMs: Math.round(currentTime * 1000),
    playing,
    startedAtMs,
    seekTo: (positionMs, options) => {
      const media = audioRef.current;
      if (media) seekTo(media, positionMs / 1000, options?.play);
    },
    selection,
    setSelection,
    loop: setLooping,
    showRegions: (owner, regions) => setRegions((previous) => new Map(previous).set(owner, regions)),
  };

  return (
    <PlayerContext.Provider value={handle}>
    <div className="player" data-testid="player">
      <div className="player__transport">
        <button
          type="button"
          className="button button--primary button--play"
          data-testid="play-button"
          aria-label={playing ? 'Pause' : 'Play'}
          autoFocus
          onClick={togglePlay}
        >
          <span className={playing ? 'icon icon--pause' : 'icon icon--play'} aria-hidden="true" />
          {playing ? 'Pause' : 'Play'}
        </button>
        <span className="player__time mono" data-testid="playback-time" aria-live="off">
          {formatClock(currentTime)} / {formatClock(durationS)}
        </span>
      </div>
      <div
        ref={containerRef}
        className="player__waveform"
        data-testid="waveform"
        data-channels={waveform.peaks.length}
        role="slider"
        tabIndex={0}
        aria-label="Playback position (click or drag to seek; arrow keys move 5 seconds, Home and End go to the start and the end)"
        aria-valuemin={0}
        aria-valuemax={Math.round(durationS)}
        aria-valuenow={Math.round(currentTime)}
        aria-valuetext={`${formatClock(currentTime)} of ${formatClock(durationS)}`}
        onKeyDown={seekByKey}
        onPointerDown={(event) => {
          if (event.button !== 0) return;
          dragging.current = true;
          event.currentTarget.setPointerCapture(event.pointerId);
          seekToPointer(event);
        }}
        onPointerMove={(event) => {
          if (dragging.current) seekToPointer(event);
        }}
        onPointerUp={() => {
          dragging.current = false;
        }}
        onPointerCancel={() => {
          dragging.current = false;
        }}
      />
      <ul className="player__legend" aria-label="Channels">
        {waveform.peaks.map((_, i) => {
          const style = channelStyles[i] ?? channelStyles[0];
          return (
            <li key={i}>
              <span className={`swatch swatch--${i}`} aria-hidden="true" />
              {style.label}
            </li>
          );
        })}
      </ul>
      <audio
        ref={audioRef}
        src={played.mediaUrl}
        preload="auto"
        controlsList="nodownload noplaybackrate"
        onContextMenu={(event) => event.preventDefault()}
        data-testid="playback-audio"
      />
    </div>
    {children}
    </PlayerContext.Provider>
  );
}
