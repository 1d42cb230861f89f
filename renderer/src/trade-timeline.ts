import type { Timeline } from '../../shared/trades';
import { formatZonedTime } from './format';

/** Where things sit on a trade's time axis, as percentages of its window, with ticks labelled in UTC and the desk's zone. */
export type TimelineLayout = {
  ticks: Array<{ at: string; leftPct: number; utc: string; desk: string }>;
  executionPct: number;
  calls: Array<{ conversationId: string; leftPct: number; widthPct: number }>;
};

const tickStepsMinutes = [1, 2, 5, 10, 15, 30, 60, 120, 180, 360, 720, 1440];
/** A call shorter than this share of the window is still drawn wide enough to see and point at. */
const minWidthPct = 0.8;

export function timelineLayout(timeline: Timeline, maxTicks = 8): TimelineLayout {
  const fromMs = Date.parse(timeline.window.from);
  const spanMs = Math.max(1, Date.parse(timeline.window.to) - fromMs);
  const pct = (ms: number) => Math.min(100, Math.max(0, ((ms - fromMs) / spanMs) * 100));
  const stepMs = (tickStepsMinutes.find((m) => spanMs / (m * 60_000) <= maxTicks) ?? 1440) * 60_000;
  const ticks: TimelineLayout['ticks'] = [];
  for (let at = Math.ceil(fromMs / stepMs) * stepMs; at <= fromMs + spanMs; at += stepMs) {
    const iso = new Date(at).toISOString();
    ticks.push({ at: iso, leftPct: pct(at), utc: formatZonedTime(iso, 'UTC').slice(11, 16), desk: formatZonedTime(iso, timeline.deskTimeZone).slice(11, 16) });
  }
  return {
    ticks,
    executionPct: pct(Date.parse(timeline.execution.at)),
    calls: timeline.calls.map((call) => {
      const startMs = Date.parse(call.start);
      const recordedMs = Math.max(0, ...call.recordings.map((r) => Date.parse(r.start) + r.durationMs));
      const endMs = call.end ? Date.parse(call.end) : Math.max(startMs, recordedMs);
      const leftPct = pct(startMs);
      return { conversationId: call.conversationId, leftPct, widthPct: Math.min(100 - leftPct, Math.max(minWidthPct, pct(endMs) - leftPct)) };
    }),
  };
}
