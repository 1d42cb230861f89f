import { z } from 'zod';
import { DEFAULT_MATCH_WINDOW } from '../../../shared/trades';

/** A valid IANA time zone name, as Intl knows them on this runtime. */
const timeZoneSchema = z.string().refine((zone) => {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}, 'not an IANA time zone name (e.g. Europe/London)');

/** The profile's `trades` section (issue 13). Every field has a default. */
export const tradeSettingsSchema = z
  .object({
    /** Calls overlapping [execution − before, execution + after] are a voice trade's candidates. */
    windowBeforeMinutes: z.number().int().min(0).max(1440).default(DEFAULT_MATCH_WINDOW.beforeMinutes),
    windowAfterMinutes: z.number().int().min(0).max(1440).default(DEFAULT_MATCH_WINDOW.afterMinutes),
    /** The desk's zone: reconstruction timelines show it beside UTC. */
    deskTimeZone: timeZoneSchema.default('Europe/London'),
    /** FIX PartyRole (452) values whose PartyID (448) names the trader; 12 = Executing Trader. */
    fixTraderPartyRoles: z.array(z.number().int().positive()).min(1).default([12]),
  })
  .strict();
export type TradeSettings = z.infer<typeof tradeSettingsSchema>;
