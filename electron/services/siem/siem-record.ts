import { auditEventSchema, type AuditEvent } from '../../../shared/domain';
import { escapeUnsafeJson, escapeUnsafeText } from '../../../shared/unsafe-text';
import { alertsOf } from '../audit/audit-entry';

/**
 * One acknowledged audit event as the SIEM receives it, in the two wire forms Custody speaks:
 * RFC 5424 syslog with structured data (octet-counted over TCP/TLS, RFC 6587 3.4.1 / RFC 5425), and
 * a JSON line in Splunk HEC's event form (which Elastic ingests through a JSON-lines input too).
 * The syslog MSG is the event object as stored in the WORM bucket (canonical JSON, on one line: any
 * control or bidi character in it written as a JSON escape), so a SIEM can recompute its hash; `eventId`
 * is the key to deduplicate the at-least-once delivery on.
 *
 * Written here rather than taken from a library: the npm syslog clients (syslog-client, winston-syslog,
 * glossy) either frame with newlines (a newline in a value splits the event), do not escape
 * PARAM-VALUEs, or cannot send a structured-data element of our own; what is needed is ~60 lines.
 */

/** A stored event body (canonical JSON from the mirror) and its seq in this log. */
export type StoredAuditEvent = { seq: number; body: string };

/** RFC 5424 facility 13, "log audit"; severity 4 (warning) when the event raised alerts, else 6 (informational). */
const FACILITY_LOG_AUDIT = 13;
const SEVERITY_WARNING = 4;
const SEVERITY_INFORMATIONAL = 6;
const NILVALUE = '-';
const APP_NAME = 'custody';

/**
 * PARAM-VALUE (RFC 5424 6.3.3): `"`, `\`, `]` escaped with a backslash, after control and bidi characters
 * (a newline, ESC, U+202E) are made visible as `\x0a`-style escapes (shared/unsafe-text.ts).
 */
export function escapeParamValue(value: string): string {
  return escapeUnsafeText(value).replace(/["\\\]]/g, (c) => `\\${c}`);
}

/** HOSTNAME, APP-NAME, MSGID are PRINTUSASCII without spaces, of bounded length; anything else is replaced, empty is NILVALUE. */
export function headerField(value: string | null | undefined, maxLength: number): string {
  const printable = (value ?? '').replace(/[^\u0021-\u007e]/g, '_').slice(0, maxLength);
  return printable === '' ? NILVALUE : printable;
}

/** The event's fields a SIEM filters on, in a fixed order (values from the event, escaped when written). */
function structuredParams(event: AuditEvent, seq: number): Array<[string, string]> {
  const { operator } = event;
  const params: Array<[string, string | null | undefined]> = [
    ['eventId', event.eventId],
    ['logId', event.logId],
    ['seq', String(seq)],
    ['action', event.action],
    ['actorKind', operator.kind],
    ['operator', operator.name],
    ['operatorEmail', operator.email],
    ['genesysUserId', operator.genesysUserId],
    ['oauthClientId', operator.oauthClientId],
    ['scheduledBy', operator.scheduledBy?.email],
    ['osAccount', operator.osAccount],
    ['workstation', event.workstation.hostname],
    ['conversationId', event.conversationId],
    ['recordingId', event.recordingId],
    ['tradingId', event.tradingId],
    ['caseReference', event.caseReference],
    ['alerts', alertsOf(event).map((a) => a.rule).join(',') || null],
  ];
  return params.filter((p): p is [string, string] => typeof p[1] === 'string' && p[1] !== '');
}

function parseEvent(body: string): AuditEvent | null {
  try {
    const parsed = auditEventSchema.safeParse(JSON.parse(body));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** One RFC 5424 message (no framing). A body that is not an audit event still goes out, marked `invalid`, never dropped. */
export function formatSyslogMessage(stored: StoredAuditEvent, enterpriseId: number): string {
  const event = parseEvent(stored.body);
  const sdId = `custody@${enterpriseId}`;
  if (!event) return `<${FACILITY_LOG_AUDIT * 8 + SEVERITY_WARNING}>1 ${NILVALUE} ${NILVALUE} ${APP_NAME} ${NILVALUE} invalid [${sdId} seq="${stored.seq}"] ${escapeUnsafeJson(stored.body)}`;
  const severity = alertsOf(event).length > 0 ? SEVERITY_WARNING : SEVERITY_INFORMATIONAL;
  const sd = structuredParams(event, stored.seq)
    .map(([name, value]) => ` ${name}="${escapeParamValue(value)}"`)
    .join('');
  const timestamp = Number.isNaN(Date.parse(event.time)) ? NILVALUE : new Date(Date.parse(event.time)).toISOString();
  return [
    `<${FACILITY_LOG_AUDIT * 8 + severity}>1`,
    timestamp,
    headerField(event.workstation.hostname, 255),
    APP_NAME,
    NILVALUE,
    headerField(event.action, 32),
    `[${sdId}${sd}]`,
    escapeUnsafeJson(stored.body),
  ].join(' ');
}

/** RFC 6587 3.4.1 octet counting: "MSG-LEN SP SYSLOG-MSG", the length in bytes of the UTF-8 message. */
export function octetCounted(message: string): Buffer {
  const bytes = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${bytes.length} `, 'ascii'), bytes]);
}

/** One line in Splunk HEC's event form: time in epoch seconds, the workstation as host, the stored event itself. */
export function formatJsonLine(stored: StoredAuditEvent): string {
  const event = parseEvent(stored.body);
  if (!event) return JSON.stringify({ source: APP_NAME, sourcetype: 'custody:audit:invalid', event: { seq: stored.seq, body: stored.body } });
  const timeMs = Date.parse(event.time);
  return JSON.stringify({
    ...(Number.isNaN(timeMs) ? {} : { time: timeMs / 1000 }),
    host: event.workstation.hostname,
    source: APP_NAME,
    sourcetype: 'custody:audit',
    event,
  });
}
