import { useEffect, useRef, useState } from 'react';
import { usePointerScrub } from './use-pointer-scrub';
import type { PlayerRegion, TimeRange } from './player-context';

/** Peaks of the span `fromMs`..`toMs` of a recording, one array per channel. */
export type PeakSource = TimeRange & { peaks: ReadonlyArray<ReadonlyArray<number>> };

export type LaneStyle = { waveColor: string; progressColor: string };

type WaveformDetailProps = {
  /** What is drawn: a window of the recording (the zoom). */
  view: TimeRange;
  /** Peaks known so far, any windows; each bar is drawn from the finest one that covers it. */
  sources: ReadonlyArray<PeakSource>;
  lanes: ReadonlyArray<LaneStyle>;
  positionMs: number;
  selection: TimeRange | null;
  looping: boolean;
  regions: ReadonlyArray<PlayerRegion>;
  /** A press or drag on the waveform: where to seek to (through the player's audited path). */
  onPointAt(positionMs: number): void;
};

const laneHeightPx = 52;
const barStepPx = 3;
const barWidthPx = 2;

const density = (source: PeakSource) => (source.peaks[0]?.length ?? 0) / Math.max(1, source.toMs - source.fromMs);

/** The loudest peak of `channel` over `fromMs`..`toMs`, from the finest source covering that span. */
function peakOver(sources: ReadonlyArray<PeakSource>, channel: number, fromMs: number, toMs: number): number {
  for (const source of sources) {
    const lane = source.peaks[channel];
    if (!lane || lane.length === 0 || fromMs < source.fromMs || toMs > source.toMs) continue;
    const perMs = lane.length / (source.toMs - source.fromMs);
    const first = Math.floor((fromMs - source.fromMs) * perMs);
    const last = Math.max(first, Math.ceil((toMs - source.fromMs) * perMs) - 1);
    let peak = 0;
    for (let i = first; i <= Math.min(last, lane.length - 1); i += 1) peak = Math.max(peak, lane[i] ?? 0);
    return peak;
  }
  return 0;
}

/**
 * The zoomed waveform: two lanes (agent over client) drawn on a canvas from the peaks main computed,
 * with the playhead, the A–B range and the regions the panes beside the player publish.
 */
export function WaveformDetail({ view, sources, lanes, positionMs, selection, looping, regions, onPointAt }: WaveformDetailProps) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const spanMs = Math.max(1, view.toMs - view.fromMs);
  const percentOf = (ms: number) => ((Math.min(Math.max(ms, view.fromMs), view.toMs) - view.fromMs) / spanMs) * 100;

  const [widthPx, setWidthPx] = useState(0);
  const scrub = usePointerScrub((fraction) => onPointAt(Math.round(view.fromMs + fraction * spanMs)));
  // Redrawn when the played part grows by a bar, not on every position update.
  const playedBars = Math.floor(((positionMs - view.fromMs) / spanMs) * (widthPx / barStepPx));

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas || typeof ResizeObserver === 'undefined') return;
    const observer = new ResizeObserver(() => setWidthPx(canvas.clientWidth));
    observer.observe(canvas);
    return () => observer.disconnect();
  }, []);

  useEffect(() => {
    const canvas = canvasRef.current;
    if (!canvas) return;
    const heightPx = laneHeightPx * lanes.length;
    const scale = window.devicePixelRatio || 1;
    canvas.width = Math.round(widthPx * scale);
    canvas.height = Math.round(heightPx * scale);
    // jsdom has no canvas; Chromium always does.
    const context = typeof navigator !== 'undefined' && /jsdom/.test(navigator.userAgent) ? null : canvas.getContext('2d');
    if (!context || widthPx <= 0) return;
    context.setTransform(scale, 0, 0, scale, 0, 0);
    context.clearRect(0, 0, widthPx, heightPx);
    const finestFirst = [...sources].sort((a, b) => density(b) - density(a));
    const msPerPx = spanMs / widthPx;
    lanes.forEach((lane, channel) => {
      const middle = laneHeightPx * channel + laneHeightPx / 2;
      for (let x = 0; x < widthPx; x += barStepPx) {
        const fromMs = view.fromMs + x * msPerPx;
        const peak = peakOver(finestFirst, channel, fromMs, fromMs + barStepPx * msPerPx);
        const half = Math.max(0.5, peak * (laneHeightPx / 2 - 2));
        context.fillStyle = x / barStepPx < playedBars ? lane.progressColor : lane.waveColor;
        context.fillRect(x, middle - half, barWidthPx, half * 2);
      }
    });
  }, [view.fromMs, spanMs, sources, lanes, playedBars, widthPx]);

  const shownRegions = regions.filter((region) => region.range.toMs > view.fromMs && region.range.fromMs < view.toMs);

  return (
    <div className="waveform-detail" data-testid="waveform-detail" data-from-ms={view.fromMs} data-to-ms={view.toMs}>
      <div
        className="waveform-detail__surface"
        style={{ height: laneHeightPx * lanes.length }}
        {...scrub}
      >
        <canvas ref={canvasRef} className="waveform-detail__canvas" aria-hidden="true" />
        {selection && selection.toMs > view.fromMs && selection.fromMs < view.toMs ? (
          <div
            className={looping ? 'waveform-detail__selection waveform-detail__selection--looping' : 'waveform-detail__selection'}
            data-testid="loop-range-marker"
            style={{ left: `${percentOf(selection.fromMs)}%`, width: `${percentOf(selection.toMs) - percentOf(selection.fromMs)}%` }}
            aria-hidden="true"
          />
        ) : null}
        {positionMs >= view.fromMs && positionMs <= view.toMs ? (
          <div className="waveform-detail__cursor" style={{ left: `${percentOf(positionMs)}%` }} aria-hidden="true" />
        ) : null}
      </div>
      {shownRegions.length > 0 ? (
        <ul className="waveform-detail__regions" aria-label="Marked ranges">
          {shownRegions.map((region) => (
            <li
              key={region.id}
              className={`waveform-region waveform-region--${region.kind}`}
              style={{ left: `${percentOf(region.range.fromMs)}%`, width: `${Math.max(0.5, percentOf(region.range.toMs) - percentOf(region.range.fromMs))}%` }}
            >
              <button
                type="button"
                className="waveform-region__button"
                data-testid="waveform-region"
                data-region-id={region.id}
                title={region.label}
                aria-label={region.label}
                onClick={region.onSelect}
                disabled={!region.onSelect}
              />
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
