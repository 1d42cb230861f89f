import { auditAlertSchema, type AuditAlert, type AuditTrailEntry } from '../../../shared/audit-views';
import type { AuditEvent } from '../../../shared/domain';

/** How the Audit trail, `custody audit show` and the audit.recorded domain event present an event. */

// Built once: a schema built per call cost more than parsing the whole event (a catch-up checks a million).
const auditAlertsSchema = auditAlertSchema.array();

export function alertsOf(event: Readonly<Pick<AuditEvent, 'details'>>): Array<AuditAlert> {
  if (event.details.alerts === undefined) return [];
  const parsed = auditAlertsSchema.safeParse(event.details.alerts);
  return parsed.success ? parsed.data : [];
}

/** The event as the trail lists it, with a one-line summary of what the action was applied with. */
export function toEntry(event: Readonly<AuditEvent>): AuditTrailEntry {
  return {
    logId: event.logId,
    seq: event.seq,
    eventId: event.eventId,
    time: event.time,
    operator: event.operator,
    workstation: event.workstation,
    action: event.action,
    conversationId: event.conversationId,
    recordingId: event.recordingId,
    tradingId: event.tradingId,
    caseReference: event.caseReference,
    summary: summarize(event),
    alerts: alertsOf(event),
  };
}

function clock(ms: unknown): string | null {
  if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) return null;
  const s = Math.floor(ms / 1000);
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

function summarize(event: Readonly<AuditEvent>): string | null {
  const d = event.details;
  switch (event.action) {
    case 'play':
      return clock(d.startOffsetMs) === null ? null : `from ${clock(d.startOffsetMs)}`;
    case 'seek':
      return clock(d.positionMs) === null ? null : `to ${clock(d.positionMs)}`;
    case 'annotate': {
      // The note's full text: the trail is where an annotation's history is read.
      const range = clock(d.fromMs) !== null && clock(d.toMs) !== null ? ` ${clock(d.fromMs)}–${clock(d.toMs)}` : '';
      return typeof d.operation === 'string' && typeof d.note === 'string' ? `${d.operation} v${String(d.version)}${range}: ${d.note.replace(/\n/g, ' / ')}` : null;
    }
    case 'download':
      return typeof d.destination === 'string' ? `to ${d.destination}` : null;
    case 'search': {
      const query = d.query && typeof d.query === 'object' ? Object.entries(d.query as Record<string, unknown>) : [];
      return query.length > 0 ? query.map(([k, v]) => `${k}=${String(v)}`).join(', ') : null;
    }
    default:
      return typeof d.summary === 'string' ? d.summary : typeof d.reason === 'string' ? d.reason : null;
  }
}

