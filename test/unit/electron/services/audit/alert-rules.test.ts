import { describe, expect, it } from 'vitest';
import { AlertRules, type AlertSubject, type Participant, type VolumeSubject } from '../../../../../electron/services/audit/alert-rules';
import { auditSettingsSchema, parseCidr } from '../../../../../electron/services/audit/audit-settings';

const settingsWith = (alerts: unknown) => auditSettingsSchema.parse({ alerts }).alerts;

/** A trader who signed in (the sandbox seeds traders as sign-in users): her Genesys id is a call participant's. */
const trader = { kind: 'officer' as const, genesysUserId: 'u-7', name: 'Jane Doe', email: 'jane.doe@desk.example', osAccount: 'jdoe' };

/** Thursday 26 Nov 2026, 09:00 UTC (09:00 in London, 04:00 in New York). */
const thursdayMorning = Date.UTC(2026, 10, 26, 9, 0, 0);

function subject(overrides: Partial<AlertSubject> = {}): AlertSubject {
  return {
    timeMs: thursdayMorning,
    operator: trader,
    workstation: { hostname: 'LON-CMP-0142', addresses: ['10.20.4.17'] },
    action: 'play',
    conversationId: 'conv-1',
    recordingId: 'rec-1',
    items: [],
    ...overrides,
  };
}

function rules(alerts: unknown, options: { recent?: number; participants?: Array<Participant> } = {}) {
  const counted: Array<{ who: VolumeSubject; actions: ReadonlyArray<string>; sinceMs: number }> = [];
  const engine = new AlertRules({
    settings: settingsWith(alerts),
    countRecent: async (who, actions, sinceMs) => {
      counted.push({ who, actions, sinceMs });
      return options.recent ?? 0;
    },
    participantsOf: async () => options.participants ?? [],
  });
  return { engine, counted };
}

describe('alert rules', () => {
  it('raise nothing with the defaults for an ordinary access', async () => {
    expect(await rules({}).engine.evaluate(subject())).toEqual([]);
  });

  it('mark access outside the business hours of the workstation\'s jurisdiction, in its time zone', async () => {
    const { engine } = rules({
      businessHours: [
        { jurisdiction: 'US', timeZone: 'America/New_York', start: '08:00', end: '18:00', networks: ['10.40.0.0/16'] },
        { jurisdiction: 'UK', timeZone: 'Europe/London', start: '07:00', end: '19:00' },
      ],
    });
    expect(await engine.evaluate(subject())).toEqual([]);
    const newYork = subject({ workstation: { hostname: 'NY-CMP-7', addresses: ['10.40.1.2'] } });
    expect(await engine.evaluate(newYork)).toEqual([
      { rule: 'outside-business-hours', message: 'Thu 04:00 America/New_York is outside US business hours (Mon-Fri 08:00-18:00)' },
    ]);
    const saturday = await engine.evaluate(subject({ timeMs: Date.UTC(2026, 10, 28, 12, 0, 0) }));
    expect(saturday[0]?.message).toBe('Sat 12:00 Europe/London is outside UK business hours (Mon-Fri 07:00-19:00)');
    expect(await engine.evaluate(subject({ timeMs: Date.UTC(2026, 10, 26, 19, 0, 0) }))).toHaveLength(1);
    expect(await engine.evaluate(subject({ timeMs: Date.UTC(2026, 10, 26, 18, 59, 0) }))).toEqual([]);
    // British Summer Time: 06:30 UTC on 1 July is 07:30 in London.
    expect(await engine.evaluate(subject({ timeMs: Date.UTC(2026, 6, 1, 6, 30, 0) }))).toEqual([]);
  });

  it('mark a workstation with no address in the allowed ranges, IPv4 or IPv6', async () => {
    const { engine } = rules({ allowedNetworks: ['10.20.0.0/16', 'fd00:20::/32'] });
    expect(await engine.evaluate(subject())).toEqual([]);
    expect(await engine.evaluate(subject({ workstation: { hostname: 'vpn', addresses: ['192.168.1.4', 'fd00:20::9'] } }))).toEqual([]);
    expect(await engine.evaluate(subject({ workstation: { hostname: 'home-pc', addresses: ['192.168.1.4', 'fe80::1'] } }))).toEqual([
      { rule: 'workstation-network', message: 'workstation home-pc (192.168.1.4, fe80::1) is outside the allowed ranges (10.20.0.0/16, fd00:20::/32)' },
    ]);
    expect((await engine.evaluate(subject({ workstation: { hostname: 'offline', addresses: [] } })))[0]?.message).toContain('no address');
  });

  it('mark unusual volume by one officer (her Genesys user id) in the window, counting this access', async () => {
    const quiet = rules({ volume: { maxEvents: 5, windowMinutes: 30 } }, { recent: 4 });
    expect(await quiet.engine.evaluate(subject())).toEqual([]);
    expect(quiet.counted).toEqual([{ who: { genesysUserId: 'u-7', osAccount: 'jdoe' }, actions: ['preview', 'play', 'download', 'export'], sinceMs: thursdayMorning - 30 * 60_000 }]);
    // The service account names no Genesys user: its accesses are counted per OS account.
    await quiet.engine.evaluate(subject({ operator: { kind: 'service', name: 'service account c-1', oauthClientId: 'c-1', osAccount: 'svc' } }));
    expect(quiet.counted[1]?.who).toEqual({ genesysUserId: null, osAccount: 'svc' });
    const busy = rules({ volume: { maxEvents: 5, windowMinutes: 30 } }, { recent: 5 });
    expect(await busy.engine.evaluate(subject())).toEqual([
      { rule: 'unusual-volume', message: '6 accesses (preview, play, download, export) by Jane Doe within 30 minutes; the limit is 5' },
    ]);
    expect(await busy.engine.evaluate(subject({ action: 'search' }))).toEqual([]);
    expect(await rules({ volume: null }, { recent: 10_000 }).engine.evaluate(subject())).toEqual([]);
  });

  it('mark playback of a call the signed-in officer took part in, by her Genesys user id', async () => {
    const own = rules({}, { participants: [{ name: 'J. Doe (desk)', userId: 'u-7' }, { name: 'Client', userId: null }] });
    expect(await own.engine.evaluate(subject())).toEqual([{ rule: 'participant-playback', message: 'Jane Doe is a participant of this call (J. Doe (desk))' }]);
    expect((await own.engine.evaluate(subject({ action: 'download' })))[0]?.rule).toBe('participant-playback');
    expect(await own.engine.evaluate(subject({ action: 'search', recordingId: null, conversationId: null }))).toEqual([]);
    expect(await own.engine.evaluate(subject({ action: 'preview' }))).toEqual([]);
    // Another officer of the same name is not the participant: the id decides, not the name.
    const namesake = rules({}, { participants: [{ name: 'Jane Doe', userId: 'u-other' }] });
    expect(await namesake.engine.evaluate(subject())).toEqual([]);
    // The service account takes part in no call.
    const service = { kind: 'service' as const, name: 'service account u-7', oauthClientId: 'u-7', osAccount: 'svc' };
    expect(await own.engine.evaluate(subject({ operator: service }))).toEqual([]);
    const off = rules({ participantPlayback: { enabled: false } }, { participants: [{ name: 'Jane Doe', userId: 'u-7' }] });
    expect(await off.engine.evaluate(subject())).toEqual([]);
  });

  it('count every recording a batch event lists as an access, and check each listed call for the participant', async () => {
    const batch = (n: number) => Array.from({ length: n }, (_, i) => ({ conversationId: `conv-${i}`, recordingId: `rec-${i}` }));
    const bulk = subject({ action: 'download', conversationId: null, recordingId: null, items: batch(6) });
    expect(await rules({ volume: { maxEvents: 5, windowMinutes: 30 } }).engine.evaluate(bulk)).toEqual([
      { rule: 'unusual-volume', message: '6 accesses (preview, play, download, export) by Jane Doe within 30 minutes; the limit is 5' },
    ]);
    expect(await rules({ volume: { maxEvents: 5, windowMinutes: 30 } }).engine.evaluate({ ...bulk, items: batch(5) })).toEqual([]);
    const asked: Array<string | null> = [];
    const engine = new AlertRules({
      settings: settingsWith({}),
      countRecent: async () => 0,
      participantsOf: async ({ conversationId }) => {
        asked.push(conversationId);
        return conversationId === 'conv-3' ? [{ name: 'Jane Doe', userId: 'u-7' }] : [];
      },
    });
    expect(await engine.evaluate(bulk)).toEqual([{ rule: 'participant-playback', message: 'Jane Doe is a participant of this call (Jane Doe): conversation conv-3' }]);
    expect(asked).toEqual(['conv-0', 'conv-1', 'conv-2', 'conv-3']);
  });

  it('reject bad configuration with a clear message', () => {
    expect(() => settingsWith({ allowedNetworks: ['10.0.0.0/33'] })).toThrow(/address range/);
    expect(() => settingsWith({ businessHours: [{ jurisdiction: 'UK', timeZone: 'Europe/Londn' }] })).toThrow(/IANA time zone/);
    expect(() => settingsWith({ businessHours: [{ jurisdiction: 'UK', timeZone: 'Europe/London', start: '19:00', end: '07:00' }] })).toThrow(/start must be before end/);
    expect(parseCidr('fd00::/8')).toEqual({ address: 'fd00::', prefix: 8, family: 'ipv6' });
    expect(parseCidr('10.0.0.1')).toBeNull();
  });
});
