import { randomUUID } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { approvalSettingsSchema } from '../approvals/approval-settings';
import { auditSettingsSchema } from '../audit/audit-settings';
import { ValidationError } from '../errors';
import { siemSettingsSchema } from '../siem/siem-settings';
import { tradeSettingsSchema } from '../trades/trade-settings';
import { writeAtomic } from '../storage/durable-file';

export const profileNameSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,39}$/i, 'profile names are letters, digits, - and _');

export const genesysEndpointSchema = z.union([
  z.object({ gateway: z.url({ protocol: /^https?$/ }) }).strict(),
  z.object({ region: z.string().min(3) }).strict(),
]);
export type GenesysEndpoint = z.infer<typeof genesysEndpointSchema>;

/** A Genesys domain as the SDK's setEnvironment reads one: scheme, "api."/"login." and trailing slashes dropped. */
export function genesysDomain(value: string): string {
  return value.toLowerCase().replace(/\/+$/, '').replace(/^https?:\/\//, '').replace(/^(?:api|login)\./, '');
}

export const wormSettingsSchema = z.object({
  endpoint: z.url({ protocol: /^https?$/ }),
  region: z.string().default('us-east-1'),
  auditBucket: z.string().min(3),
  /** COMPLIANCE in production; GOVERNANCE only for throwaway test buckets. */
  mode: z.enum(['COMPLIANCE', 'GOVERNANCE']).default('COMPLIANCE'),
  /** Audit records are kept this long from the access (5 years = 1826 days covers leap years). */
  auditRetentionDays: z.number().positive().default(1826),
  /** The WORM archive of recordings (Object Lock), next to the audit bucket; absent until configured. */
  archiveBucket: z.string().min(3).optional(),
  /** What the posture check may expect of the store; derived from the endpoint when absent. */
  provider: z.enum(['aws', 's3-compatible']).optional(),
});
export type WormSettings = z.infer<typeof wormSettingsSchema>;

const MiB = 1024 * 1024;

export const archiveSettingsSchema = z.object({
  /** Recordings larger than this are uploaded in parts; retention is applied after completion. */
  multipartThresholdBytes: z.number().int().min(5 * MiB).default(16 * MiB),
  /** S3 requires at least 5 MiB per part except the last. */
  partSizeBytes: z.number().int().min(5 * MiB).max(512 * MiB).default(8 * MiB),
  /** Deadline of one object or part transfer to or from the store. */
  transferTimeoutSeconds: z.number().int().min(2).max(3600).default(300),
  /** Days a copy restored from an archive tier (Glacier) stays readable. */
  restoreDays: z.number().int().min(1).max(30).default(2),
  restoreTier: z.enum(['Standard', 'Bulk', 'Expedited']).default('Standard'),
  /** Genesys caps deletion-protected conversations per org. */
  genesysProtectionCap: z.number().int().positive().default(1000),
  /** The Genesys AWS S3 recording bulk actions integration that writes into the archive bucket (`archive --via export`). */
  exportIntegrationId: z.string().regex(/^[A-Za-z0-9-]{1,64}$/).optional(),
  /** How long an export job may run (default 6 h), and how long after it Custody waits for its objects to land (default 2 h). */
  exportJobTimeoutSeconds: z.number().int().min(1).max(172_800).optional(),
  exportDeliveryWaitSeconds: z.number().int().min(0).max(172_800).optional(),
});
export type ArchiveSettings = z.infer<typeof archiveSettingsSchema>;

export const complianceSettingsSchema = z.object({
  /** Who supervises the firm, as shown in reports: "UK (FCA)", "DE (BaFin)". */
  jurisdiction: z.string().trim().min(2).max(60),
  /** Regions (AWS names, e.g. eu-west-2) where recordings may be stored and replicated. */
  regions: z.array(z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region name such as eu-west-2')).min(1),
  /** MiFID II: 5 years from the recording, up to 7 where the competent authority requires it. */
  retentionYears: z.number().int().min(5).max(7).default(5),
  /** Queues (names or ids) whose calls are trading calls; derived from the index when empty. */
  tradingQueues: z.array(z.string().min(1)).default([]),
});
export type ComplianceSettings = z.infer<typeof complianceSettingsSchema>;

export const profileSchema = z.object({
  version: z.literal(1),
  /** This installation's audit log: every event it writes is chained under this id. */
  logId: z.uuid(),
  genesys: genesysEndpointSchema.nullable().default(null),
  /**
   * Officer sign-in (authorization code with PKCE). `clientId`: the org's public PKCE client (default: the service
   * client's id, as the sandbox allows); `redirectPort`: the loopback port registered as its redirect URI
   * (http://127.0.0.1:PORT/callback); 0 takes any free port, which only an org allowing any loopback port accepts.
   */
  officerSignIn: z
    .object({ clientId: z.string().min(1).optional(), redirectPort: z.number().int().min(0).max(65_535).default(47_615) })
    .prefault({}),
  worm: wormSettingsSchema.nullable().default(null),
  /** Checkpoint frequency and alert rules of the verifiable audit log. */
  audit: auditSettingsSchema.prefault({}),
  archive: archiveSettingsSchema.optional(),
  compliance: complianceSettingsSchema.optional(),
  /** Four-eyes approvals: their lifetime, and whether exports and restricted queues need one. */
  approvals: approvalSettingsSchema.prefault({}),
  /** Trade reconstruction: the matching window, the desk's time zone, how FIX names the trader. */
  trades: tradeSettingsSchema.prefault({}),
  /** Where every audit event is forwarded once WORM acknowledged it (`custody config --siem URL`); absent: nowhere. */
  siem: siemSettingsSchema.optional(),
});
export type Profile = z.infer<typeof profileSchema>;

export type ProfilePaths = { configDir: string; dataDir: string; profileFile: string };

/** XDG locations, overridable for tests and portable installs (CUSTODY_CONFIG_DIR, CUSTODY_DATA_DIR). */
export function profilePaths(profile: string, env: NodeJS.ProcessEnv = process.env): ProfilePaths {
  const name = profileNameSchema.parse(profile);
  const home = env.HOME ?? homedir();
  const configRoot = env.CUSTODY_CONFIG_DIR ?? join(env.XDG_CONFIG_HOME ?? join(home, '.config'), 'custody');
  const dataRoot = env.CUSTODY_DATA_DIR ?? join(env.XDG_DATA_HOME ?? join(home, '.local', 'share'), 'custody');
  return { configDir: configRoot, dataDir: join(dataRoot, name), profileFile: join(configRoot, 'profiles', `${name}.json`) };
}

export async function loadProfile(file: string): Promise<Profile> {
  let raw: string;
  try {
    raw = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      const fresh = profileSchema.parse({ version: 1, logId: randomUUID() });
      await saveProfile(file, fresh);
      return fresh;
    }
    throw error;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ValidationError(`The profile ${file} is not valid JSON; fix or remove it.`);
  }
  const parsed = profileSchema.safeParse(json);
  if (!parsed.success) {
    throw new ValidationError(`The profile ${file} is invalid: ${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

/** Atomic and durable: a crash leaves the old profile or the new one, never a mix. */
export async function saveProfile(file: string, profile: Profile): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  await writeAtomic(file, `${JSON.stringify(profileSchema.parse(profile), null, 2)}\n`, { mode: 0o600 });
}

export async function updateProfile(file: string, change: (p: Profile) => Profile): Promise<Profile> {
  const next = change(await loadProfile(file));
  await saveProfile(file, next);
  return next;
}

/** The archive knobs with their defaults filled in. */
export function archiveSettingsOf(profile: Pick<Profile, 'archive'>): ArchiveSettings {
  return profile.archive ?? archiveSettingsSchema.parse({});
}
