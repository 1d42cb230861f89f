import type { Waveform } from '../../../shared/domain';
import { AppError } from '../errors';
import { waveformWindow as peaksOfWindow, type MediaAnalysis } from '../cache/media-analysis';

export type WaveformWindow = { buckets: number; fromMs?: number | undefined; toMs?: number | undefined };

/**
 * Peaks of a pack's recording, or of a zoomed window of it, from the same multi-resolution analysis the
 * officer's app draws from. A window outside the recording is refused; the answer says which window it covers.
 */
export function waveformWindow(recordingId: string, analysis: MediaAnalysis, window: WaveformWindow): Waveform {
  const durationMs = analysis.wav?.durationMs ?? 0;
  const fromMs = window.fromMs ?? 0;
  const toMs = Math.min(window.toMs ?? durationMs, durationMs);
  if (toMs <= fromMs) throw new AppError('VALIDATION', `The window ${fromMs}–${toMs} ms is not inside the recording (0–${durationMs} ms).`);
  return { recordingId, durationMs, ...peaksOfWindow(analysis, window.buckets, { fromMs, toMs }), complete: true };
}
