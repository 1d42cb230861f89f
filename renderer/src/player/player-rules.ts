import { formatClock } from '../../../shared/quantities';
import type { TimeFirst } from '../time-display';
import type { TimeRange } from './player-context';

/** Playback speeds offered; media.preservesPitch keeps voices natural at every one of them. */
export const playbackRates = [0.5, 0.75, 1, 1.25, 1.5, 1.75, 2, 2.5, 3] as const;

// ---------------------------------------------------------------------------------------------
// Jump to a time: an offset into the call, or a wall-clock time within it.

export type JumpTarget = { ok: true; positionMs: number; meaning: string } | { ok: false; error: string };

type JumpContext = { durationMs: number; startedAtMs: number; timeFirst: TimeFirst };

const offsetSeconds = /^\+?(\d+(?:\.\d+)?)\s*s$/i;
const colonTime = /^(\+)?(\d{1,2}):(\d{1,2})(?::(\d{1,2}))?(?:\.(\d{1,3}))?(?:\s*(utc|z|local))?$/i;

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * Reads what an officer typed into "Jump to": `83s`, `1:23` and `+1:02:03` are offsets into the call;
 * `10:42:05` is a wall-clock time in the clock shown first, `10:42:05 UTC` or `10:42 local` in that
 * clock. Three-part times without a zone are wall-clock times when one falls inside the call, else offsets.
 */
export function parseJumpTarget(input: string, context: JumpContext): JumpTarget {
  const text = input.trim();
  if (text === '') return { ok: false, error: 'Type a time: an offset such as 1:23 or 83s, or a wall-clock time such as 10:42:05.' };
  const seconds = offsetSeconds.exec(text);
  if (seconds) return offsetTarget(Number(seconds[1]) * 1000, context);
  const parts = colonTime.exec(text);
  if (!parts) {
    return { ok: false, error: `"${text}" is not a time. Use an offset (1:23, 1:02:03, 83s) or a wall-clock time (10:42:05, 10:42:05 UTC).` };
  }
  const [, plus, first, second, third, fraction, zone] = parts;
  const numbers = [Number(first), Number(second), third === undefined ? undefined : Number(third)] as const;
  const fractionMs = fraction ? Number(fraction.padEnd(3, '0')) : 0;
  if (numbers[1] > 59 || (numbers[2] ?? 0) > 59) return { ok: false, error: `"${text}" is not a time: minutes and seconds go up to 59.` };
  if (zone) {
    const clock = zone.toLowerCase() === 'local' ? 'local' : 'utc';
    return wallClockTarget(numbers[0], numbers[1], numbers[2] ?? 0, fractionMs, clock, context);
  }
  const offsetMs =
    numbers[2] === undefined ? (numbers[0] * 60 + numbers[1]) * 1000 + fractionMs : (numbers[0] * 3600 + numbers[1] * 60 + numbers[2]) * 1000 + fractionMs;
  if (plus || numbers[2] === undefined) return offsetTarget(offsetMs, context);
  const wallClock = wallClockTarget(numbers[0], numbers[1], numbers[2], fractionMs, context.timeFirst, context);
  if (wallClock.ok) return wallClock;
  if (offsetMs <= context.durationMs) return offsetTarget(offsetMs, context);
  return wallClock;
}

function offsetTarget(offsetMs: number, { durationMs }: JumpContext): JumpTarget {
  if (offsetMs > durationMs) {
    return { ok: false, error: `${formatClock(offsetMs / 1000)} is after the end of the call (${formatClock(durationMs / 1000)}). Nothing was moved.` };
  }
  return { ok: true, positionMs: Math.round(offsetMs), meaning: `offset ${formatClock(offsetMs / 1000)}` };
}

/** `10:42:05` on the call's day in `clock`, or the next day for a call that runs past midnight. */
function wallClockTarget(hours: number, minutes: number, seconds: number, fractionMs: number, clock: TimeFirst, context: JumpContext): JumpTarget {
  const { startedAtMs, durationMs } = context;
  const label = `${pad(hours)}:${pad(minutes)}:${pad(seconds)} ${clock === 'utc' ? 'UTC' : 'local'}`;
  if (hours > 23) return { ok: false, error: `"${label}" is not a time of day.` };
  const start = new Date(startedAtMs);
  for (const dayOffset of [0, 1]) {
    const instant =
      clock === 'utc'
        ? Date.UTC(start.getUTCFullYear(), start.getUTCMonth(), start.getUTCDate() + dayOffset, hours, minutes, seconds, fractionMs)
        : new Date(start.getFullYear(), start.getMonth(), start.getDate() + dayOffset, hours, minutes, seconds, fractionMs).getTime();
    const positionMs = instant - startedAtMs;
    if (positionMs >= 0 && positionMs <= durationMs) return { ok: true, positionMs, meaning: `${label} (offset ${formatClock(positionMs / 1000)})` };
  }
  const end = startedAtMs + durationMs;
  const clockText = (ms: number) => {
    const d = new Date(ms);
    return clock === 'utc' ? `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}` : `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  };
  return {
    ok: false,
    error: `${label} is outside this call, which runs from ${clockText(startedAtMs)} to ${clockText(end)} ${clock === 'utc' ? 'UTC' : 'local'}. Nothing was moved.`,
  };
}

// ---------------------------------------------------------------------------------------------
// Keyboard shortcuts, anywhere in the recording view.

export type PlayerAction =
  | { kind: 'toggle-play' }
  | { kind: 'pause' }
  | { kind: 'skip'; seconds: number }
  | { kind: 'start' }
  | { kind: 'end' }
  | { kind: 'loop-start' }
  | { kind: 'loop-end' }
  | { kind: 'zoom'; direction: 1 | -1 }
  | { kind: 'toggle-mute' };

type KeyPress = { key: string; shiftKey: boolean; ctrlKey: boolean; metaKey: boolean; altKey: boolean };

/** The shortcuts as the UI lists them, in the order shown. */
export const shortcutList: ReadonlyArray<{ keys: string; does: string }> = [
  { keys: 'Space', does: 'Play or pause' },
  { keys: 'K', does: 'Pause' },
  { keys: 'J / L', does: 'Back / forward 5 s' },
  { keys: '← / →', does: 'Back / forward 5 s' },
  { keys: 'Shift + ← / →', does: 'Back / forward 15 s' },
  { keys: 'Home / End', does: 'Start / end of the call' },
  { keys: '[ / ]', does: 'Loop start (A) / end (B) at the playhead' },
  { keys: '+ / −', does: 'Zoom the waveform in / out' },
  { keys: 'M', does: 'Mute or unmute' },
];

/**
 * The player's shortcut for a key press, or null. J and L skip 5 s (they do not shuttle faster as in
 * video editors: every move is an audited seek, and speed has its own control). Presses with Ctrl,
 * Alt or Meta belong to the browser and the OS.
 */
export function shortcutFor(press: KeyPress): PlayerAction | null {
  if (press.ctrlKey || press.metaKey || press.altKey) return null;
  const step = press.shiftKey ? 15 : 5;
  switch (press.key) {
    case ' ':
      return { kind: 'toggle-play' };
    case 'k':
    case 'K':
      return { kind: 'pause' };
    case 'j':
    case 'J':
      return { kind: 'skip', seconds: -5 };
    case 'l':
    case 'L':
      return { kind: 'skip', seconds: 5 };
    case 'ArrowLeft':
      return { kind: 'skip', seconds: -step };
    case 'ArrowRight':
      return { kind: 'skip', seconds: step };
    case 'Home':
      return { kind: 'start' };
    case 'End':
      return { kind: 'end' };
    case '[':
      return { kind: 'loop-start' };
    case ']':
      return { kind: 'loop-end' };
    case '+':
    case '=':
      return { kind: 'zoom', direction: 1 };
    case '-':
    case '_':
      return { kind: 'zoom', direction: -1 };
    case 'm':
    case 'M':
      return { kind: 'toggle-mute' };
    default:
      return null;
  }
}

/** Where a key press belongs to what has focus (typing, a dialog, a control's own keys) rather than to the player. */
export function keyBelongsToFocus(target: EventTarget | null, key: string): boolean {
  if (!(target instanceof Element)) return false;
  if (target.closest('input, textarea, select, [contenteditable="true"], [role="dialog"], dialog')) return true;
  // Space and Enter press a focused button or link; the player must not act on the same press twice.
  return (key === ' ' || key === 'Enter') && target.closest('button, a[href], summary, [role="button"]') !== null;
}

// ---------------------------------------------------------------------------------------------
// A–B loop.

export type LoopEnds = { a: number | null; b: number | null };

/** Sets end A or B at `positionMs`; an end that would no longer come after A (or before B) is dropped. */
export function setLoopEnd(ends: LoopEnds, which: 'a' | 'b', positionMs: number): LoopEnds {
  if (which === 'a') return { a: positionMs, b: ends.b !== null && ends.b > positionMs ? ends.b : null };
  return { a: ends.a !== null && ends.a < positionMs ? ends.a : null, b: positionMs };
}

export function loopRange(ends: LoopEnds): TimeRange | null {
  return ends.a !== null && ends.b !== null && ends.a < ends.b ? { fromMs: ends.a, toMs: ends.b } : null;
}

/** While looping, where playback must jump to at `positionMs`: back to A once it reaches B; else null, play on. */
export function loopJump(range: TimeRange | null, looping: boolean, positionMs: number): number | null {
  return looping && range && positionMs >= range.toMs ? range.fromMs : null;
}

// ---------------------------------------------------------------------------------------------
// Per-channel mix: agent (left) and client (right).

export type ChannelMix = { volume: number; muted: boolean; solo: boolean };

/** The gain each channel gets: its volume, none when muted, none when another channel is soloed and it is not. */
export function channelGains(mix: ReadonlyArray<ChannelMix>): Array<number> {
  const anySolo = mix.some((channel) => channel.solo);
  return mix.map((channel) => (channel.muted || (anySolo && !channel.solo) ? 0 : channel.volume));
}

// ---------------------------------------------------------------------------------------------
// Zoom: the window of the recording the detailed waveform shows.

export const maxZoomLevel = 10;

/** The length of the window at zoom `level` (each level halves it), never under 2 s. */
export function zoomWindowMs(durationMs: number, level: number): number {
  return Math.min(durationMs, Math.max(2000, durationMs / 2 ** level));
}

/**
 * The window at `level` that keeps the playhead in view: unchanged while the playhead is inside it,
 * else turned so the playhead sits a tenth in (it pages along while playing, so peaks load per page).
 */
export function followWindow(current: TimeRange | null, durationMs: number, level: number, positionMs: number): TimeRange {
  const lengthMs = zoomWindowMs(durationMs, level);
  if (current && current.toMs - current.fromMs === lengthMs && positionMs >= current.fromMs && positionMs <= current.toMs) return current;
  const lead = current && current.toMs - current.fromMs === lengthMs ? lengthMs / 10 : lengthMs / 2;
  const fromMs = Math.round(Math.min(Math.max(positionMs - lead, 0), durationMs - lengthMs));
  return { fromMs, toMs: fromMs + lengthMs };
}
