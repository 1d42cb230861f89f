import { useEffect, useEffectEvent, useId, useRef, useState, type FormEvent, type ReactNode } from 'react';
import WaveSurfer from 'wavesurfer.js';
import type { Waveform } from '../../../shared/domain';
import { formatClock } from '../../../shared/quantities';
import { channelMixerFor, releaseMixerWhenGone } from '../player/channel-mixer';
import { PlayerContext, type PlayerHandle, type PlayerRegion, type TimeRange } from '../player/player-context';
import {
  channelGains,
  followWindow,
  keyBelongsToFocus,
  loopJump,
  loopRange,
  maxZoomLevel,
  parseJumpTarget,
  playbackRates,
  setLoopEnd,
  shortcutFor,
  shortcutList,
  type ChannelMix,
  type LoopEnds,
  type PlayerAction,
} from '../player/player-rules';
import { usePointerScrub } from '../player/use-pointer-scrub';
import { WaveformDetail, type PeakSource } from '../player/WaveformDetail';
import { useTimeDisplay, wallClockTexts } from '../time-display';

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
  { label: 'Agent (left)', name: 'Agent', waveColor: '#8fa8c4', progressColor: '#28507d' },
  { label: 'Client (right)', name: 'Client', waveColor: '#b5a58a', progressColor: '#72592f' },
] as const;

const overviewLaneHeightPx = 22;
/** Clicks, drags and repeated keys within this long are one seek in the audit log. */
const seekSettleMs = 250;
/** How often peaks are asked for again while the recording is still streaming in. */
const progressivePeaksMs = 1000;
const detailBucketsMax = 4000;
/** How often the playhead (and the handle's positionMs) moves on screen while playing. */
const positionRefreshMs = 100;

/** A channel's switches; Solo only where there is another channel to silence. */
const channelToggles = [
  { key: 'muted', text: 'Mute' },
  { key: 'solo', text: 'Solo' },
] as const;

type PendingSeek = { timer: ReturnType<typeof setTimeout>; resume: boolean };

const isPlaying = (media: HTMLMediaElement) => !media.paused && !media.ended;
const messageOf = (caught: unknown) => (caught instanceof Error ? caught.message : String(caught));
const styleOf = (channel: number) => channelStyles[channel] ?? channelStyles[0];

/** The span a waveform answer covers: the window asked for, or the whole recording from a main that ignores windows. */
const sourceOf = (waveform: Waveform): PeakSource => ({
  fromMs: waveform.fromMs ?? 0,
  toMs: waveform.toMs ?? waveform.durationMs,
  peaks: waveform.peaks,
});

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
 * Plays an authorised recording: the <audio> element streams `media.mediaUrl`; the peaks main computed
 * are drawn as a zoomable waveform over an overview strip (wavesurfer), so the audio is never decoded here.
 * Mounted only once the access is in the audit log. Seeking is ours, not wavesurfer's, so that every
 * position change (click, key, skip, jump, stop, loop) goes through one audited path.
 */
export function WaveformPlayer({ media: played, waveform, loadWaveform, onError, onMediaFailed, onSeek, startedAtMs, children }: WaveformPlayerProps) {
  const rootRef = useRef<HTMLDivElement>(null);
  const overviewRef = useRef<HTMLDivElement>(null);
  const audioRef = useRef<HTMLAudioElement>(null);
  const wavesurferRef = useRef<WaveSurfer | null>(null);
  const jumpId = useId();
  const { first: timeFirst } = useTimeDisplay();
  const [playing, setPlaying] = useState(false);
  const [currentTime, setCurrentTime] = useState(0);
  const [overview, setOverview] = useState<Waveform>(waveform);
  const durationS = (overview.durationMs || played.durationMs) / 1000;
  const durationMs = Math.round(durationS * 1000);
  const channelCount = Math.max(1, Math.min(2, overview.peaks.length));
  const reportError = useEffectEvent(onError);
  const reportMediaFailed = useEffectEvent(onMediaFailed);
  // The caller may pass a new function each render; peaks are asked for when the window changes, not then.
  const fetchPeaks = useEffectEvent(loadWaveform);
  const pendingSeek = useRef<PendingSeek | null>(null);
  const lastShownAt = useRef(0);

  const [rate, setRate] = useState(1);
  const [volume, setVolume] = useState(1);
  const [muted, setMuted] = useState(false);
  const [mix, setMix] = useState<Array<ChannelMix>>(() => [0, 1].map(() => ({ volume: 1, muted: false, solo: false })));
  const gains = channelGains(mix).slice(0, channelCount);

  const [loopEnds, setLoopEnds] = useState<LoopEnds>({ a: null, b: null });
  const [looping, setLooping] = useState(false);
  const selection = loopRange(loopEnds);
  const [regionsByOwner, setRegionsByOwner] = useState<ReadonlyMap<string, ReadonlyArray<PlayerRegion>>>(new Map());
  const regions = [...regionsByOwner.values()].flat();

  const [zoomLevel, setZoomLevel] = useState(0);
  const [view, setView] = useState<TimeRange>({ fromMs: 0, toMs: durationMs });
  const [windowSource, setWindowSource] = useState<PeakSource | null>(null);
  const [jumpText, setJumpText] = useState('');
  const [jumpProblem, setJumpProblem] = useState<string | null>(null);
  const [jumpDone, setJumpDone] = useState<string | null>(null);

  /** The end the media element can really reach: its own duration once known. */
  function endOf(media: HTMLMediaElement): number {
    return Number.isFinite(media.duration) && media.duration > 0 ? media.duration : durationS;
  }

  async function play() {
    try {
      const media = audioRef.current;
      if (media) await channelMixerFor(media, channelCount)?.resume();
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

  /** Each position update while playing: the zoomed view follows, and a loop goes back to A at B (an audited seek). */
  const onTimeUpdate = useEffectEvent((timeS: number) => {
    // wavesurfer reports every animation frame; the view (and the panes beside it) need ten a second.
    const now = performance.now();
    if (now - lastShownAt.current >= positionRefreshMs || !isPlaying(audioRef.current ?? ({ paused: true } as HTMLMediaElement))) {
      lastShownAt.current = now;
      setCurrentTime(timeS);
    }
    const media = audioRef.current;
    const jump = loopJump(selection, looping, timeS * 1000);
    if (media && jump !== null && !pendingSeek.current && isPlaying(media)) seekTo(media, jump / 1000, true);
  });

  useEffect(() => {
    const container = overviewRef.current;
    const media = audioRef.current;
    if (!container || !media) return;
    let disposed = false;
    const wavesurfer = WaveSurfer.create({
      container,
      media,
      peaks: waveform.peaks,
      duration: durationS,
      height: overviewLaneHeightPx,
      splitChannels: waveform.peaks.map((_, i) => ({ waveColor: styleOf(i).waveColor, progressColor: styleOf(i).progressColor, height: overviewLaneHeightPx })),
      cursorColor: '#1b1f24',
      cursorWidth: 1,
      barWidth: 1,
      barGap: 1,
      // Clicks and drags are handled here (overviewScrub), through the audited path.
      interact: false,
    });
    wavesurferRef.current = wavesurfer;
    const onSeeking = () => auditUnexpectedSeek(media);
    media.addEventListener('seeking', onSeeking);
    const unsubscribers = [
      wavesurfer.on('play', () => setPlaying(true)),
      wavesurfer.on('pause', () => setPlaying(false)),
      wavesurfer.on('finish', () => setPlaying(false)),
      wavesurfer.on('timeupdate', (time) => onTimeUpdate(time)),
      wavesurfer.on('error', (error) => reportMediaFailed(error.message)),
      () => media.removeEventListener('seeking', onSeeking),
    ];
    media.preservesPitch = true;
    async function autoplay() {
      try {
        await channelMixerFor(media!, waveform.peaks.length)?.resume();
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
      releaseMixerWhenGone(media);
    };
    // The overview is redrawn in place as peaks arrive (below); the player is built once per play.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [played.mediaUrl]);

  // A recording still streaming in: ask for its peaks about once a second and redraw, until complete.
  useEffect(() => {
    if (overview.complete !== false) return;
    let current = true;
    const timer = setTimeout(async () => {
      try {
        const next = await fetchPeaks({ fromMs: 0, toMs: durationMs, buckets: overview.peaks[0]?.length || 1000 });
        if (current) setOverview(next);
      } catch (caught) {
        if (current) reportError(`The waveform could not be updated: ${messageOf(caught)}`);
      }
    }, progressivePeaksMs);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [overview, durationMs]);

  useEffect(() => {
    if (overview === waveform) return;
    wavesurferRef.current?.setOptions({ peaks: overview.peaks, duration: durationS });
  }, [overview, waveform, durationS]);

  // The mix: per-channel gains in Web Audio, master volume and mute after them.
  useEffect(() => {
    const media = audioRef.current;
    if (!media) return;
    const mixer = channelMixerFor(media, channelCount);
    if (mixer) {
      mixer.setGains(channelGains(mix), muted ? 0 : volume);
    } else {
      media.volume = volume;
      media.muted = muted;
    }
  }, [mix, channelCount, muted, volume]);

  useEffect(() => {
    const media = audioRef.current;
    if (!media) return;
    media.preservesPitch = true;
    media.playbackRate = rate;
  }, [rate]);

  // The zoomed view follows the playhead.
  const positionMs = Math.round(currentTime * 1000);
  const nextView = followWindow(view, durationMs, zoomLevel, positionMs);
  if (nextView !== view) setView(nextView);

  // Peaks for the zoomed window, at about one bucket per drawn bar.
  useEffect(() => {
    if (zoomLevel === 0) return;
    let current = true;
    const widthPx = rootRef.current?.querySelector('.waveform-detail')?.clientWidth || 600;
    const buckets = Math.min(detailBucketsMax, Math.max(16, Math.round(widthPx / 3)));
    async function loadWindow(window: TimeRange) {
      try {
        const answer = await fetchPeaks({ ...window, buckets });
        if (current) setWindowSource(sourceOf(answer));
      } catch (caught) {
        if (current) reportError(`The zoomed waveform could not be loaded: ${messageOf(caught)}`);
      }
    }
    void loadWindow({ fromMs: view.fromMs, toMs: view.toMs });
    return () => {
      current = false;
    };
  }, [view.fromMs, view.toMs, zoomLevel, overview]);

  const runAction = (action: PlayerAction) => {
    const media = audioRef.current;
    if (!media) return;
    switch (action.kind) {
      case 'toggle-play':
        void togglePlay();
        return;
      case 'pause':
        pause();
        return;
      case 'skip':
        seekTo(media, media.currentTime + action.seconds);
        return;
      case 'start':
        seekTo(media, 0);
        return;
      case 'end':
        seekTo(media, endOf(media));
        return;
      case 'loop-start':
      case 'loop-end':
        setLoopEnds((ends) => setLoopEnd(ends, action.kind === 'loop-start' ? 'a' : 'b', Math.round(media.currentTime * 1000)));
        return;
      case 'zoom':
        zoom(action.direction);
        return;
      case 'toggle-mute':
        setMuted((was) => !was);
        return;
    }
  };
  const onShortcut = useEffectEvent((event: globalThis.KeyboardEvent) => {
    if (event.defaultPrevented || keyBelongsToFocus(event.target, event.key)) return;
    const scope = rootRef.current?.closest('section') ?? rootRef.current;
    const target = event.target instanceof Node ? event.target : null;
    if (target !== document.body && !(target && scope?.contains(target))) return;
    const action = shortcutFor(event);
    if (!action) return;
    event.preventDefault();
    runAction(action);
  });
  useEffect(() => {
    const listener = (event: globalThis.KeyboardEvent) => onShortcut(event);
    document.addEventListener('keydown', listener);
    return () => document.removeEventListener('keydown', listener);
  }, []);

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
      if (media) await channelMixerFor(media, channelCount)?.resume();
      await wavesurferRef.current?.playPause();
    } catch (caught) {
      onError(`Playback failed: ${messageOf(caught)}`);
    }
  }

  function pause() {
    if (pendingSeek.current) pendingSeek.current.resume = false;
    wavesurferRef.current?.pause();
  }

  function zoom(direction: 1 | -1) {
    setZoomLevel((level) => Math.min(maxZoomLevel, Math.max(0, level + direction)));
  }

  function toggleLoop() {
    const media = audioRef.current;
    const next = !looping;
    setLooping(next);
    // Turned on away from the range: start it from A, as a recorded seek.
    if (next && media && selection && (media.currentTime * 1000 < selection.fromMs || media.currentTime * 1000 >= selection.toMs)) {
      seekTo(media, selection.fromMs / 1000);
    }
  }

  function jump(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const media = audioRef.current;
    const target = parseJumpTarget(jumpText, { durationMs, startedAtMs, timeFirst });
    if (!target.ok) {
      setJumpProblem(target.error);
      setJumpDone(null);
      return;
    }
    setJumpProblem(null);
    setJumpDone(`Moved to ${target.meaning}.`);
    if (media) seekTo(media, target.positionMs / 1000);
  }

  function updateChannel(channel: number, change: Partial<ChannelMix>) {
    setMix((previous) => previous.map((entry, i) => (i === channel ? { ...entry, ...change } : entry)));
  }

  // Clicks and drags on the overview: the whole recording, through the audited path.
  const overviewScrub = usePointerScrub((fraction) => {
    const media = audioRef.current;
    if (media) seekTo(media, fraction * endOf(media));
  });

  const handle: PlayerHandle = {
    recordingId: played.recordingId,
    durationMs,
    positionMs,
    playing,
    startedAtMs,
    seekTo: (targetMs, options) => {
      const media = audioRef.current;
      if (media) seekTo(media, targetMs / 1000, options?.play);
    },
    selection,
    setSelection: (range) => setLoopEnds(range ? { a: range.fromMs, b: range.toMs } : { a: null, b: null }),
    loop: (range) => {
      if (!range) {
        setLooping(false);
        return;
      }
      setLoopEnds({ a: range.fromMs, b: range.toMs });
      setLooping(true);
      const media = audioRef.current;
      if (media) seekTo(media, range.fromMs / 1000, true);
    },
    showRegions: (owner, shown) => setRegionsByOwner((previous) => new Map(previous).set(owner, shown)),
  };

  const [wallPrimary, wallSecondary] = wallClockTexts(new Date(startedAtMs + positionMs).toISOString(), timeFirst);
  // Any window's peaks drawn so far stay usable: each bar takes the finest source that covers it.
  const detailSources = zoomLevel > 0 && windowSource ? [windowSource, sourceOf(overview)] : [sourceOf(overview)];

  return (
    <PlayerContext.Provider value={handle}>
      <div
        ref={rootRef}
        className="player"
        data-testid="player"
        data-rate={rate}
        data-volume={volume}
        data-muted={muted}
        data-gains={gains.join(',')}
        data-looping={looping}
        data-loop-from-ms={selection?.fromMs ?? ''}
        data-loop-to-ms={selection?.toMs ?? ''}
        data-zoom={zoomLevel}
      >
        <div className="player__transport" role="group" aria-label="Transport">
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
          <button
            type="button"
            className="button"
            data-testid="stop-button"
            onClick={() => {
              const media = audioRef.current;
              if (media) seekTo(media, 0, false);
            }}
          >
            <span className="icon icon--stop" aria-hidden="true" />
            Stop
          </button>
          {[-15, -5, 5, 15].map((seconds) => (
            <button
              key={seconds}
              type="button"
              className="button button--skip"
              data-testid={`skip-${seconds < 0 ? 'back' : 'forward'}-${Math.abs(seconds)}`}
              title={`${seconds < 0 ? 'Back' : 'Forward'} ${Math.abs(seconds)} seconds`}
              onClick={() => runAction({ kind: 'skip', seconds })}
            >
              {seconds < 0 ? `−${-seconds}s` : `+${seconds}s`}
            </button>
          ))}
          <span className="player__clock">
            <span className="player__time mono" data-testid="playback-time" aria-live="off">
              {formatClock(currentTime)} / {formatClock(durationS)}
            </span>
            <span className="player__wallclock mono" data-testid="playhead-wallclock">
              {wallPrimary} <span className="muted">{wallSecondary}</span>
            </span>
          </span>
        </div>

        <div
          ref={overviewRef}
          className="player__waveform player__waveform--overview"
          data-testid="waveform"
          data-channels={overview.peaks.length}
          role="slider"
          tabIndex={0}
          aria-label="Whole recording (click or drag to seek; see the keyboard shortcuts)"
          aria-valuemin={0}
          aria-valuemax={Math.round(durationS)}
          aria-valuenow={Math.round(currentTime)}
          aria-valuetext={`${formatClock(currentTime)} of ${formatClock(durationS)}`}
          {...overviewScrub}
        />

        <WaveformDetail
          view={view}
          sources={detailSources}
          lanes={overview.peaks.map((_, i) => styleOf(i))}
          positionMs={positionMs}
          selection={selection}
          looping={looping}
          regions={regions}
          onPointAt={(targetMs) => {
            const media = audioRef.current;
            if (media) seekTo(media, targetMs / 1000);
          }}
        />
        <div className="player__tools">
          <div className="player__zoom" role="group" aria-label="Zoom">
            <button type="button" className="button button--small" data-testid="zoom-out" aria-label="Zoom out" disabled={zoomLevel === 0} onClick={() => zoom(-1)}>
              −
            </button>
            <span className="mono" data-testid="zoom-level">
              {zoomLevel === 0 ? 'Whole call' : `${formatClock((view.toMs - view.fromMs) / 1000)} shown`}
            </span>
            <button type="button" className="button button--small" data-testid="zoom-in" aria-label="Zoom in" disabled={zoomLevel === maxZoomLevel} onClick={() => zoom(1)}>
              +
            </button>
          </div>
          <div className="player__loop" role="group" aria-label="A–B loop">
            <button type="button" className="button button--small" data-testid="loop-start" onClick={() => runAction({ kind: 'loop-start' })}>
              Set A
            </button>
            <button type="button" className="button button--small" data-testid="loop-end" onClick={() => runAction({ kind: 'loop-end' })}>
              Set B
            </button>
            <button type="button" className="button button--small" data-testid="loop-toggle" aria-pressed={looping} disabled={!selection} onClick={toggleLoop}>
              Loop
            </button>
            <span className="mono" data-testid="loop-range">
              {selection
                ? `${formatClock(selection.fromMs / 1000)}–${formatClock(selection.toMs / 1000)}`
                : loopEnds.a !== null
                  ? `A ${formatClock(loopEnds.a / 1000)}, set B`
                  : loopEnds.b !== null
                    ? `B ${formatClock(loopEnds.b / 1000)}, set A`
                    : 'No range'}
            </span>
            {loopEnds.a !== null || loopEnds.b !== null ? (
              <button
                type="button"
                className="button button--small"
                data-testid="loop-clear"
                onClick={() => {
                  setLooping(false);
                  setLoopEnds({ a: null, b: null });
                }}
              >
                Clear
              </button>
            ) : null}
          </div>
        </div>

        <div className="player__settings">
          <label className="player__setting">
            Speed
            <select data-testid="speed-select" value={rate} onChange={(event) => setRate(Number(event.target.value))}>
              {playbackRates.map((option) => (
                <option key={option} value={option}>
                  {option}×
                </option>
              ))}
            </select>
          </label>
          <label className="player__setting">
            Volume
            <input
              type="range"
              data-testid="volume"
              min={0}
              max={100}
              value={Math.round(volume * 100)}
              onChange={(event) => setVolume(Number(event.target.value) / 100)}
            />
          </label>
          <button type="button" className="button button--small" data-testid="mute-button" aria-pressed={muted} onClick={() => setMuted(!muted)}>
            {muted ? 'Unmute' : 'Mute'}
          </button>
          <form className="player__jump" onSubmit={jump} noValidate>
            <label htmlFor={jumpId}>Jump to</label>
            <input
              id={jumpId}
              type="text"
              data-testid="jump-input"
              placeholder={`1:23, 83s or 10:42:05${timeFirst === 'utc' ? ' UTC' : ''}`}
              value={jumpText}
              aria-invalid={jumpProblem !== null}
              aria-describedby={`${jumpId}-status`}
              onChange={(event) => setJumpText(event.target.value)}
            />
            <button type="submit" className="button button--small" data-testid="jump-submit">
              Go
            </button>
          </form>
        </div>
        <p id={`${jumpId}-status`} className={jumpProblem ? 'field__problem' : 'player__jump-done muted'} data-testid={jumpProblem ? 'jump-error' : 'jump-status'} role={jumpProblem ? 'alert' : undefined}>
          {jumpProblem ?? jumpDone ?? ''}
        </p>

        <ul className="player__channels" aria-label="Channels">
          {overview.peaks.slice(0, 2).map((_, channel) => {
            const style = styleOf(channel);
            const entry = mix[channel]!;
            return (
              <li key={channel} className="player__channel" data-testid={`channel-${channel}`} data-gain={gains[channel]}>
                <span className={`swatch swatch--${channel}`} aria-hidden="true" />
                <span className="player__channel-name">{style.label}</span>
                <input
                  type="range"
                  data-testid={`channel-volume-${channel}`}
                  aria-label={`${style.name} volume`}
                  min={0}
                  max={100}
                  value={Math.round(entry.volume * 100)}
                  onChange={(event) => updateChannel(channel, { volume: Number(event.target.value) / 100 })}
                />
                {channelToggles.slice(0, channelCount > 1 ? 2 : 1).map(({ key, text }) => (
                  <button
                    key={key}
                    type="button"
                    className="button button--small"
                    data-testid={`channel-${text.toLowerCase()}-${channel}`}
                    aria-label={`${text} ${style.name}`}
                    aria-pressed={entry[key]}
                    onClick={() => updateChannel(channel, { [key]: !entry[key] })}
                  >
                    {text}
                  </button>
                ))}
              </li>
            );
          })}
        </ul>

        <details className="player__shortcuts" data-testid="shortcuts">
          <summary>Keyboard shortcuts</summary>
          <dl>
            {shortcutList.map((shortcut) => (
              <div key={shortcut.keys}>
                <dt>
                  <kbd>{shortcut.keys}</kbd>
                </dt>
                <dd>{shortcut.does}</dd>
              </div>
            ))}
          </dl>
          <p className="muted">They work anywhere in the recording view except while typing. Every move is recorded in the audit log as it lands.</p>
        </details>

        <audio
          ref={audioRef}
          src={played.mediaUrl}
          preload="auto"
          crossOrigin="anonymous"
          controlsList="nodownload noplaybackrate"
          onContextMenu={(event) => event.preventDefault()}
          data-testid="playback-audio"
        />
      </div>
      {children}
    </PlayerContext.Provider>
  );
}
