import { isIP } from 'node:net';
import { z } from 'zod';
import { auditActionSchema } from '../../../shared/domain';

/** `10.20.0.0/16` or `fd00::/8` as [address, prefix length, family], or null when it is not one. */
export function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | null {
  const match = /^([^/\s]+)\/(\d{1,3})$/.exec(text.trim());
  if (!match) return null;
  const version = isIP(match[1]!);
  const prefix = Number(match[2]);
  if (version === 0 || prefix > (version === 4 ? 32 : 128)) return null;
  return { address: match[1]!, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

const cidrSchema = z.string().refine((v) => parseCidr(v) !== null, 'must be an address range such as 10.20.0.0/16 or fd00::/8');
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be a 24-hour time such as 07:30');
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** One jurisdiction's business hours; workstations in `networks` follow them (none listed: every workstation). */
export const businessHoursSchema = z
  .object({
    jurisdiction: z.string().trim().min(1).max(40),
    timeZone: z.string().refine(isTimeZone, 'must be an IANA time zone such as Europe/London'),
    /** ISO weekdays: 1 Monday ... 7 Sunday. */
    days: z.array(z.number().int().min(1).max(7)).min(1).default([1, 2, 3, 4, 5]),
    start: clockTime.default('07:00'),
    end: clockTime.default('19:00'),
    networks: z.array(cidrSchema).default([]),
  })
  .strict()
  .refine((h) => minutesOf(h.start) < minutesOf(h.end), 'start must be before end');
export type BusinessHours = z.infer<typeof businessHoursSchema>;

/**
 * The profile's `audit` section: how often checkpoints are written and which alert rules mark events.
 * Every field has a default, so a profile without the section gets the defaults below.
 */
export const auditSettingsSchema = z
  .object({
    checkpoint: z
      .object({
        /** A signed checkpoint once this many events are not yet covered by one... */
        everyEvents: z.number().int().min(1).max(100_000).default(100),
        /** ...or once the oldest uncovered event is this old. */
        everyMinutes: z.number().positive().max(1440).default(10),
      })
      .strict()
      .prefault({}),
    alerts: z
      .object({
        businessHours: z.array(businessHoursSchema).default([]),
        /** Workstations must have an address in one of these; empty: no network rule. */
        allowedNetworks: z.array(cidrSchema).default([]),
        /** More than `maxEvents` of `actions` by one officer (Genesys user) within `windowMinutes`; null: no volume rule. */
        volume: z
          .object({
            maxEvents: z.number().int().min(1).default(60),
            windowMinutes: z.number().positive().max(10_080).default(60),
            actions: z.array(auditActionSchema).min(1).default(['preview', 'play', 'download', 'export']),
          })
          .strict()
          .nullable()
          .prefault({}),
        /** A signed-in officer accessing a call she took part in (her Genesys user id among its participants'). */
        participantPlayback: z
          .object({
            enabled: z.boolean().default(true),
            /** Unused since officers sign in (their id comes from the token); still accepted so older profiles load. */
            genesysUserIds: z.array(z.string().min(1)).default([]),
            actions: z.array(auditActionSchema).min(1).default(['play', 'seek', 'download', 'export']),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    witness: z
      .object({
        /** Cosignatures (of distinct witnesses) every checkpoint needs for `audit verify` to pass; 0: reported only. */
        minCosignatures: z.number().int().min(0).max(100).default(0),
      })
      .strict()
      .prefault({}),
  })
  .strict();
export type AuditSettings = z.infer<typeof auditSettingsSchema>;
export type AlertSettings = AuditSettings['alerts'];
