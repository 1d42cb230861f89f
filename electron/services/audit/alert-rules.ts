import { BlockList } from 'node:net';
import type { AuditAlert } from '../../../shared/audit-views';
import type { AuditAction, Operator, Workstation } from '../../../shared/domain';
import { parseCidr, type AlertSettings, type BusinessHours } from './audit-settings';

/** What the rules look at: the access about to be recorded. */
export type AlertSubject = {
  timeMs: number;
  operator: Operator;
  workstation: Workstation;
  action: AuditAction;
  conversationId: string | null;
  recordingId: string | null;
  /** What an event listing several accesses lists (a bulk batch, an archive run, a pack): each is an access. */
  items: ReadonlyArray<{ conversationId: string | null; recordingId: string | null }>;
};

export type Participant = { name: string | null; userId: string | null };

/**
 * Whose accesses the volume rule counts together: one Genesys user (an officer, on any workstation), or,
 * for events naming none (the service account, events from before sign-in), one OS account.
 */
export type VolumeSubject = { genesysUserId: string | null; osAccount: string };

export type AlertRuleDeps = {
  settings: AlertSettings;
  /** The subject's accesses (an event listing items counts each) with one of `actions` at or after `sinceMs`, before this one. */
  countRecent(subject: VolumeSubject, actions: ReadonlyArray<AuditAction>, sinceMs: number): Promise<number>;
  /** Who took part in the call, from the local index; empty when it is not indexed. */
  participantsOf(subject: Readonly<{ conversationId: string | null; recordingId: string | null }>): Promise<ReadonlyArray<Participant>>;
};

const weekdays = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

/**
 * The configurable alert rules of issue 4. They run before an event is written, and the alerts they
 * raise are stored inside it (`details.alerts`), so the mark is as tamper-evident as the access.
 */
export class AlertRules {
  private readonly allowed: BlockList | null;
  private readonly hours: ReadonlyArray<{ rule: BusinessHours; networks: BlockList | null }>;

  constructor(private readonly deps: AlertRuleDeps) {
    const { settings } = deps;
    this.allowed = settings.allowedNetworks.length > 0 ? blockListOf(settings.allowedNetworks) : null;
    this.hours = settings.businessHours.map((rule) => ({ rule, networks: rule.networks.length > 0 ? blockListOf(rule.networks) : null }));
  }

  async evaluate(subject: Readonly<AlertSubject>): Promise<Array<AuditAlert>> {
    const alerts: Array<AuditAlert> = [];
    const hours = this.businessHours(subject);
    if (hours) alerts.push(hours);
    const network = this.network(subject);
    if (network) alerts.push(network);
    const volume = await this.volume(subject);
    if (volume) alerts.push(volume);
    const participant = await this.participant(subject);
    if (participant) alerts.push(participant);
    return alerts;
  }

  /** The jurisdiction whose networks hold the workstation, else the first one without networks. */
  private jurisdictionOf(workstation: Workstation): BusinessHours | null {
    const byNetwork = this.hours.find((h) => h.networks && workstation.addresses.some((a) => contains(h.networks!, a)));
    return (byNetwork ?? this.hours.find((h) => h.networks === null))?.rule ?? null;
  }

  private businessHours(subject: Readonly<AlertSubject>): AuditAlert | null {
    const rule = this.jurisdictionOf(subject.workstation);
    if (!rule) return null;
    const local = localTime(subject.timeMs, rule.timeZone);
    const minutes = local.hour * 60 + local.minute;
    const inside = rule.days.includes(local.isoWeekday) && minutes >= minutesOf(rule.start) && minutes < minutesOf(rule.end);
    if (inside) return null;
    const clock = `${String(local.hour).padStart(2, '0')}:${String(local.minute).padStart(2, '0')}`;
    return {
      rule: 'outside-business-hours',
      message: `${weekdays[local.isoWeekday - 1]} ${clock} ${rule.timeZone} is outside ${rule.jurisdiction} business hours (${describeDays(rule.days)} ${rule.start}-${rule.end})`,
    };
  }

  private network(subject: Readonly<AlertSubject>): AuditAlert | null {
    if (!this.allowed) return null;
    const { addresses, hostname } = subject.workstation;
    if (addresses.some((a) => contains(this.allowed!, a))) return null;
    return {
      rule: 'workstation-network',
      message: `workstation ${hostname} (${addresses.join(', ') || 'no address'}) is outside the allowed ranges (${this.deps.settings.allowedNetworks.join(', ')})`,
    };
  }

  private async volume(subject: Readonly<AlertSubject>): Promise<AuditAlert | null> {
    const rule = this.deps.settings.volume;
    if (!rule || !rule.actions.includes(subject.action)) return null;
    const accesses = Math.max(1, new Set(subject.items.map((i) => i.recordingId ?? i.conversationId)).size);
    const who: VolumeSubject = { genesysUserId: subject.operator.genesysUserId ?? null, osAccount: subject.operator.osAccount };
    const count = (await this.deps.countRecent(who, rule.actions, subject.timeMs - rule.windowMinutes * 60_000)) + accesses;
    if (count <= rule.maxEvents) return null;
    return {
      rule: 'unusual-volume',
      message: `${count} accesses (${rule.actions.join(', ')}) by ${subject.operator.name} within ${rule.windowMinutes} minutes; the limit is ${rule.maxEvents}`,
    };
  }

  private async participant(subject: Readonly<AlertSubject>): Promise<AuditAlert | null> {
    const rule = this.deps.settings.participantPlayback;
    if (!rule.enabled || !rule.actions.includes(subject.action)) return null;
    // Only a signed-in officer takes part in calls, recognised by her Genesys user id (from her token).
    const userId = subject.operator.kind === 'officer' ? subject.operator.genesysUserId : undefined;
    if (!userId) return null;
    // The call the event names, and each call a multi-item event lists.
    const calls = [subject, ...subject.items].filter((c) => c.recordingId || c.conversationId);
    for (const call of calls) {
      const participants = await this.deps.participantsOf({ conversationId: call.conversationId, recordingId: call.recordingId });
      const match = participants.find((p) => p.userId === userId);
      if (match) {
        return {
          rule: 'participant-playback',
          message: `${subject.operator.name} is a participant of this call (${match.name ?? match.userId})${calls.length > 1 && call.conversationId ? `: conversation ${call.conversationId}` : ''}`,
        };
      }
    }
    return null;
  }
}

function blockListOf(ranges: ReadonlyArray<string>): BlockList {
  const list = new BlockList();
  for (const range of ranges) {
    const cidr = parseCidr(range);
    if (cidr) list.addSubnet(cidr.address, cidr.prefix, cidr.family);
  }
  return list;
}

function contains(list: BlockList, address: string): boolean {
  const plain = address.split('%')[0]!;
  try {
    return list.check(plain, plain.includes(':') ? 'ipv6' : 'ipv4');
  } catch {
    return false; // not an address: never inside an allowed range
  }
}

function localTime(timeMs: number, timeZone: string): { isoWeekday: number; hour: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(timeMs));
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { isoWeekday: weekdays.indexOf(part('weekday')) + 1, hour: Number(part('hour')), minute: Number(part('minute')) };
}

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

function describeDays(days: ReadonlyArray<number>): string {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  const contiguous = sorted.every((d, i) => i === 0 || d === sorted[i - 1]! + 1);
  return contiguous && sorted.length > 2
    ? `${weekdays[sorted[0]! - 1]}-${weekdays[sorted.at(-1)! - 1]}`
    : sorted.map((d) => weekdays[d - 1]).join(',');
}
