import type { SearchQuery } from '../../shared/domain';
import { formatClock } from '../../shared/quantities';

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `2024-05-01 10:03:12` in the workstation's time zone; one fixed shape, whatever the OS locale. */
export function formatLocalTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** `2024-05-01 09:03:12` in an IANA zone (a desk's), whatever the workstation's zone; the instant as given when the zone is unknown. */
export function formatZonedTime(iso: string, timeZone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  try {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' })
        .formatToParts(d)
        .map((p) => [p.type, p.value]),
    );
    return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
  } catch {
    return formatUtcTime(iso);
  }
}

/** `2024-05-01 08:03:12 UTC`: what the regulator's documents use. */
export function formatUtcTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

export function formatDurationMs(ms: number | null): string {
  return ms === null ? '—' : formatClock(ms / 1000);
}

/** `just now`, `3 min ago`, `2 h ago`, `4 days ago`. */
export function formatRelative(iso: string, nowMs: number): string {
  const elapsedMs = nowMs - Date.parse(iso);
  if (Number.isNaN(elapsedMs)) return iso;
  const minutes = Math.floor(elapsedMs / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} h ago`;
  return `${Math.floor(hours / 24)} days ago`;
}

/** A `datetime-local` input value (workstation time) as an ISO instant in UTC; empty stays undefined. */
export function localInputToIso(value: string): string | undefined {
  if (value.trim() === '') return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? value : d.toISOString();
}

/** `trading ID T-1001, agent Smith, from 2024-05-01 10:00:00`: the criteria in words, for the empty state. */
export function describeQuery(query: Readonly<SearchQuery>): string {
  const parts: Array<string> = [];
  if (query.tradingId) parts.push(`trading ID ${query.tradingId}`);
  if (query.clientAccount) parts.push(`client account ${query.clientAccount}`);
  if (query.agent) parts.push(`agent ${query.agent}`);
  if (query.queue) parts.push(`queue ${query.queue}`);
  if (query.from) parts.push(`from ${formatLocalTime(query.from)}`);
  if (query.to) parts.push(`to ${formatLocalTime(query.to)}`);
  if (query.text) parts.push(`words "${query.text}"`);
  return parts.join(', ');
}
