import { describe, expect, it } from 'vitest';
import { escapeParamValue, formatJsonLine, formatSyslogMessage, headerField, octetCounted } from '../../../../../electron/services/siem/siem-record';
import { auditRecord } from '../../../../helpers/audit-records';

const LOG = '11111111-2222-4333-8444-555555555555';

/** RFC 5424's ABNF, enough to take a message apart: PRI VERSION TS HOST APP PROCID MSGID SD MSG. */
const syslogLine = /^<(\d{1,3})>1 (\S+) (\S+) (\S+) (\S+) (\S+) (\[.*?[^\\]\]) (.*)$/s;

function stored(seq: number, extra: Parameters<typeof auditRecord>[2] = {}) {
  const { body } = auditRecord(LOG, seq, extra);
  return { seq, body };
}

/** The PARAM-VALUEs of an SD element, unescaped as a receiver does (RFC 5424 6.3.3). */
function params(sd: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of sd.matchAll(/ ([A-Za-z]+)="((?:[^"\\\]]|\\["\\\]])*)"/g)) out[m[1]!] = m[2]!.replace(/\\(["\\\]])/g, '$1');
  return out;
}

describe('RFC 5424 records of audit events', () => {
  it('carries the event id, log, seq, actor and subject as structured data, and the stored body as the message', () => {
    const event = stored(7, { action: 'play', conversationId: 'c-1', recordingId: 'r-1', tradingId: 'T-1', caseReference: 'CASE-9', operator: { osAccount: 'jdoe', name: 'Jane Doe', kind: 'officer', genesysUserId: 'u-1', email: 'jane@firm.test' } });
    const line = formatSyslogMessage(event, 32473);
    const [, pri, time, host, app, procId, msgId, sd, msg] = syslogLine.exec(line)!;
    expect(Number(pri)).toBe(13 * 8 + 6);
    expect(Date.parse(time!)).toBe(Date.parse(JSON.parse(event.body).time));
    expect([host, app, procId, msgId]).toEqual(['ws-1', 'custody', '-', 'play']);
    expect(sd!.startsWith('[custody@32473 ')).toBe(true);
    expect(params(sd!)).toMatchObject({ eventId: 'e-7', logId: LOG, seq: '7', action: 'play', operator: 'Jane Doe', operatorEmail: 'jane@firm.test', genesysUserId: 'u-1', osAccount: 'jdoe', conversationId: 'c-1', recordingId: 'r-1', tradingId: 'T-1', caseReference: 'CASE-9' });
    expect(msg).toBe(event.body);
  });

  it('escapes ", \\ and ] in values and keeps every newline and control character out of the line', () => {
    const hostile = 'a"b\\c]d\ne\rf\u001b[31m\u202eg';
    const line = formatSyslogMessage(stored(1, { caseReference: hostile, operator: { osAccount: 'x', name: 'Eve] [custody@1 eventId="forged"' } }), 32473);
    for (const raw of ['\r', '\n', '\u001b', '\u202e']) expect(line).not.toContain(raw);
    const [, , , , , , , sd, msg] = syslogLine.exec(line)!;
    const values = params(sd!);
    expect(values.caseReference).toBe('a"b\\c]d\\x0ae\\x0df\\x1b[31m\\u202eg');
    expect(values.operator).toBe('Eve] [custody@1 eventId="forged"');
    expect(values.eventId).toBe('e-1');
    // The message is still the event: parsing it gives the hostile text back exactly.
    expect(JSON.parse(msg!).caseReference).toBe(hostile);
    expect(escapeParamValue('x]"\\')).toBe('x\\]\\"\\\\');
  });

  it('marks events that raised alerts as warnings and names their rules', () => {
    const alerts = [{ rule: 'outside-business-hours', message: 'played at 23:10' }, { rule: 'unusual-volume', message: '41 plays' }];
    const line = formatSyslogMessage(stored(2, { details: { alerts } }), 32473);
    const [, pri, , , , , , sd] = syslogLine.exec(line)!;
    expect(Number(pri)).toBe(13 * 8 + 4);
    expect(params(sd!).alerts).toBe('outside-business-hours,unusual-volume');
  });

  it('uses the configured enterprise number and makes header fields printable ASCII without spaces', () => {
    const line = formatSyslogMessage(stored(3, { workstation: { hostname: 'ws 1\névil', addresses: [] } }), 99999);
    expect(line).toContain(' ws_1__vil custody - play [custody@99999 ');
    expect(headerField('', 32)).toBe('-');
    expect(headerField('x'.repeat(40), 32)).toHaveLength(32);
  });

  it('forwards a body that is not an audit event marked invalid instead of dropping it', () => {
    const line = formatSyslogMessage({ seq: 4, body: 'not json\nat all' }, 32473);
    expect(line).toBe('<108>1 - - custody - invalid [custody@32473 seq="4"] not json\\u000aat all');
  });

  it('frames by octet count in UTF-8 bytes (RFC 6587)', () => {
    const framed = octetCounted('<110>1 café');
    expect(framed.toString('utf8')).toBe('12 <110>1 café');
  });

  it('writes one JSON line in Splunk HEC event form, with the event itself', () => {
    const event = stored(5, { caseReference: 'line\nbreak' });
    const line = formatJsonLine(event);
    expect(line).not.toContain('\n');
    const parsed = JSON.parse(line);
    expect(parsed).toMatchObject({ host: 'ws-1', source: 'custody', sourcetype: 'custody:audit', event: JSON.parse(event.body) });
    expect(parsed.time).toBe(Date.parse(parsed.event.time) / 1000);
  });
});
