/** How the CLI and the app write durations and sizes: the same figures in the same shape everywhere. */

const pad = (n: number) => String(n).padStart(2, '0');

/** Seconds as `m:ss` or `h:mm:ss`. */
export function formatClock(totalSeconds: number): string {
  const s = Math.max(0, Math.floor(totalSeconds));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = s % 60;
  return hours > 0 ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${minutes}:${pad(seconds)}`;
}

/** `1.2 GB`, `640 KB`: file sizes as an officer reads them. */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KB', 'MB', 'GB', 'TB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${value.toFixed(value < 10 ? 1 : 0)} ${units[unit]}`;
}

/**
 * An offset into a recording as an officer writes it: `1:23` (m:ss), `1:02:03.5` (h:mm:ss, fractions
 * of a second allowed) or a whole number of milliseconds (`83000`). Null when it is none of these.
 */
export function parseOffsetMs(text: string): number | null {
  const trimmed = text.trim();
  if (/^\d{1,12}$/.test(trimmed)) return Number(trimmed);
  const clock = /^(?:(\d{1,3}):)?(\d{1,2}):(\d{1,2}(?:\.\d{1,3})?)$/.exec(trimmed);
  if (!clock) return null;
  const [, hours, minutes, seconds] = clock;
  if (Number(seconds) >= 60 || (hours !== undefined && Number(minutes) >= 60)) return null;
  return Math.round(((Number(hours ?? 0) * 60 + Number(minutes)) * 60 + Number(seconds)) * 1000);
}
