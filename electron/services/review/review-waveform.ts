import type { Waveform } from '../../../shared/domain';
import { AppError } from '../errors';
import { PEAK_RESOLUTIONS, peaksAt, type MediaAnalysis } from '../cache/media-analysis';

export type WaveformWindow = { buckets: number; fromMs?: number | undefined; toMs?: number | undefined };

/**
 * Peaks of a recording, or of a zoomed window of it: the window's slice of the whole recording's
 * peaks at the resolution that gives it `buckets` of them (at most the finest one analysed, so a
 * narrow window may get fewer). The answer says which window its peaks cover.
 */
export function waveformWindow(recordingId: string, analysis: MediaAnalysis, window: WaveformWindow): Waveform {
  const durationMs = analysis.wav?.durationMs ?? 0;
  const { buckets } = window;
  if (window.fromMs === undefined && window.toMs === undefined) return { recordingId, durationMs, peaks: peaksAt(analysis, buckets), fromMs: 0, toMs: durationMs, complete: true };
  const fromMs = window.fromMs ?? 0;
  const toMs = Math.min(window.toMs ?? durationMs, durationMs);
  if (toMs <= fromMs) throw new AppError('VALIDATION', `The window ${fromMs}–${toMs} ms is not inside the recording (0–${durationMs} ms).`);
  const finest = PEAK_RESOLUTIONS.at(-1)!;
  const total = Math.min(finest, Math.max(buckets, Math.round((buckets * durationMs) / (toMs - fromMs))));
  const first = Math.floor((fromMs / durationMs) * total);
  const last = Math.max(first + 1, Math.ceil((toMs / durationMs) * total));
  return {
    recordingId,
    durationMs,
    peaks: peaksAt(analysis, total).map((channel) => channel.slice(first, last)),
    fromMs: Math.floor((first * durationMs) / total),
    toMs: Math.ceil((last * durationMs) / total),
    complete: true,
  };
}
