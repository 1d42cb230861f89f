import type { LogFields, LogLevel, Logger } from '../../../shared/logger';

export type RendererLogEntry = { level: LogLevel; message: string; fields?: Readonly<Record<string, unknown>> | undefined };

export type RendererLogLimits = {
  /** Characters of one field's value (as JSON when not a string), and of the message. */
  fieldChars: number;
  /** Characters of all of a line's fields together, as JSON. */
  recordChars: number;
  /** Lines accepted per window; the rest are dropped and counted. */
  linesPerWindow: number;
  windowMs: number;
};

export const RENDERER_LOG_LIMITS: RendererLogLimits = { fieldChars: 1024, recordChars: 8192, linesPerWindow: 100, windowMs: 5000 };

const KEY_CHARS = 64;

/**
 * What the renderer may write to the log (`log:write`). The renderer is outside the trust boundary:
 * its fields are nested under `fields` so they can never stand in for the record's own time, level
 * or scope; every value and the whole record are capped; and lines past the rate are dropped and
 * counted in a "dropped N renderer log lines" record, so a flood cannot rotate the real log away.
 */
export function createRendererLog(
  logger: Logger,
  options: { now?: () => number; limits?: Partial<RendererLogLimits> } = {},
): (entry: RendererLogEntry) => void {
  const limits = { ...RENDERER_LOG_LIMITS, ...options.limits };
  const now = options.now ?? Date.now;
  const log = logger.child('renderer');
  let windowStart = Number.NEGATIVE_INFINITY;
  let accepted = 0;
  let dropped = 0;
  let reportTimer: ReturnType<typeof setTimeout> | null = null;

  const reportDropped = () => {
    if (reportTimer) clearTimeout(reportTimer);
    reportTimer = null;
    if (dropped > 0) log.warn(`dropped ${dropped} renderer log lines`, { dropped, windowMs: limits.windowMs, linesPerWindow: limits.linesPerWindow });
    dropped = 0;
  };

  return ({ level, message, fields }) => {
    const at = now();
    if (at - windowStart >= limits.windowMs) {
      reportDropped();
      windowStart = at;
      accepted = 0;
    }
    if (accepted >= limits.linesPerWindow) {
      dropped += 1;
      // Reported when the window closes even if the renderer then goes quiet.
      reportTimer ??= setTimeout(reportDropped, Math.max(0, windowStart + limits.windowMs - at));
      reportTimer.unref?.();
      return;
    }
    accepted += 1;
    log[level](cap(message, limits.fieldChars), fields === undefined ? undefined : { fields: capFields(fields, limits) });
  };
}

function capFields(fields: Readonly<Record<string, unknown>>, limits: RendererLogLimits): LogFields {
  const out: Record<string, unknown> = {};
  let used = 2;
  let omitted = 0;
  for (const [key, value] of Object.entries(fields)) {
    const cappedKey = cap(key, KEY_CHARS);
    const cappedValue = typeof value === 'string' ? cap(value, limits.fieldChars) : capJson(value, limits.fieldChars);
    const size = cappedKey.length + jsonLength(cappedValue) + 4;
    if (used + size > limits.recordChars) {
      omitted += 1;
      continue;
    }
    out[cappedKey] = cappedValue;
    used += size;
  }
  if (omitted > 0) out['omittedFields'] = omitted;
  return out;
}

/** A non-string value kept as is when its JSON fits, else as its JSON text, cut. */
function capJson(value: unknown, max: number): unknown {
  const text = jsonText(value);
  return text.length <= max ? value : cap(text, max);
}

function cap(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}… [${text.length - max} more characters cut]`;
}

function jsonLength(value: unknown): number {
  return jsonText(value).length;
}

function jsonText(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
