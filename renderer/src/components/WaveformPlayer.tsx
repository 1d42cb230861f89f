import { useEffect, useEffectEvent, useRef, useState, type KeyboardEvent } from 'react';
import WaveSurfer from 'wavesurfer.js';
import type { PlaybackGrant, Waveform } from '../../../shared/domain';
import { formatClock } from '../../../shared/quantities';

type WaveformPlayerProps = {
  grant: PlaybackGrant;
  waveform: Waveform;
  onError(message: string): void;
  /** Records a seek in the audit log; playback stays paused until it resolves, and stays paused if it fails. */
  onSeek?(positionMs: number): Promise<void>;
};

/** Agent on the left channel, client on the right: drawn as two lanes, top and bottom. */
const channelStyles = [
  { label: 'Agent (left)', waveColor: '#8fa8c4', progressColor: '#28507d' },
  { label: 'Client (right)', waveColor: '#b5a58a', progressColor: '#72592f' },
] as const;

const laneHeightPx = 52;
const seekStepS = 5;
/** Clicks and drags within this long are one seek in the audit log. */
const seekSettleMs = 250;

/**
 * Plays an authorised recording: the <audio> element streams `grant.mediaUrl` and wavesurfer draws the
 * peaks main computed, so the audio is never decoded here. Mounted only once the access is in the audit log.
 */
export function WaveformPlayer({ grant, waveform, onError, onSeek }: WaveformPlayerProps) {
  const containerRef = useRef<HTMLDivElement>(null);
  const audioRef = useRef<HTMLAudioElement>(null);
  const wavesurferRef = useRef<WaveSurfer | null>(null);
  const [playing, setPlaying] = useState(false);
  const [currentTime, setCurrentTime] = useState(0);
  const durationS = (waveform.durationMs || grant.durationMs) / 1000;
  const reportError = useEffectEvent(onError);
  const pendingSeek = useRef<{ timer: ReturnType<typeof setTimeout>; resume: boolean } | null>(null);

  /** A seek is an access: pause, let the position settle, record it, and only then play on. */
  function auditSeek(timeS: number) {
    if (!onSeek) return;
    const media = audioRef.current;
    const wasPlaying = pendingSeek.current?.resume ?? (media ? !media.paused : false);
    media?.pause();
    if (pendingSeek.current) clearTimeout(pendingSeek.current.timer);
    const pending = {
      resume: wasPlaying,
      timer: setTimeout(() => {
        void (async () => {
          try {
            await onSeek(Math.round(timeS * 1000));
          } catch (caught) {
            if (pendingSeek.current === pending) pendingSeek.current = null;
            onError(`Seek not recorded, playback paused: ${caught instanceof Error ? caught.message : String(caught)}`);
            return;
          }
          if (pendingSeek.current !== pending) return;
          pendingSeek.current = null;
          if (pending.resume) await wavesurferRef.current?.play();
        })();
      }, seekSettleMs),
    };
    pendingSeek.current = pending;
  }
  const auditSeekFromWaveform = useEffectEvent(auditSeek);

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
      interact: true,
      dragToSeek: true,
    });
    wavesurferRef.current = wavesurfer;
    const unsubscribers = [
      wavesurfer.on('play', () => setPlaying(true)),
      wavesurfer.on('pause', () => setPlaying(false)),
      wavesurfer.on('finish', () => setPlaying(false)),
      wavesurfer.on('timeupdate', (time) => setCurrentTime(time)),
      wavesurfer.on('interaction', (time) => {
        setCurrentTime(time);
        auditSeekFromWaveform(time);
      }),
      wavesurfer.on('error', (error) => reportError(`Playback failed: ${error.message}`)),
    ];
    async function autoplay() {
      try {
        await wavesurfer.play();
      } catch (caught) {
        if (!disposed) reportError(`Playback failed: ${caught instanceof Error ? caught.message : String(caught)}`);
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
    try {
      await wavesurferRef.current?.playPause();
    } catch (caught) {
      onError(`Playback failed: ${caught instanceof Error ? caught.message : String(caught)}`);
    }
  }

  function seekBy(event: KeyboardEvent<HTMLDivElement>) {
    const wavesurfer = wavesurferRef.current;
    if (!wavesurfer) return;
    const targets: Record<string, number> = {
      ArrowLeft: currentTime - seekStepS,
      ArrowRight: currentTime + seekStepS,
      Home: 0,
      End: durationS,
    };
    const target = targets[event.key];
    if (target === undefined) return;
    event.preventDefault();
    const clamped = Math.min(Math.max(target, 0), durationS);
    wavesurfer.setTime(clamped);
    setCurrentTime(clamped);
    auditSeek(clamped);
  }

  return (
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
        aria-label="Playback position (click to seek; arrow keys move 5 seconds)"
        aria-valuemin={0}
        aria-valuemax={Math.round(durationS)}
        aria-valuenow={Math.round(currentTime)}
        aria-valuetext={`${formatClock(currentTime)} of ${formatClock(durationS)}`}
        onKeyDown={seekBy}
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
      <audio ref={audioRef} src={grant.mediaUrl} preload="auto" data-testid="playback-audio" />
    </div>
  );
}
