import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { AuthError, KeychainError } from '../errors';
import type { SecretRedactor } from '../logging/redactor';
import type { SecretStore } from '../ports';

export const genesysCredentialsSchema = z.object({
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
});
export type GenesysCredentials = z.infer<typeof genesysCredentialsSchema>;

export const wormCredentialsSchema = z.object({
  accessKeyId: z.string().min(1),
  secretAccessKey: z.string().min(1),
});
export type WormCredentials = z.infer<typeof wormCredentialsSchema>;

/** The signed-in officer of a profile: her refresh token (the only secret) and who she is, as Genesys said at sign-in. */
export const officerSignInSchema = z.object({
  refreshToken: z.string().min(1),
  genesysUserId: z.string().min(1).max(64),
  name: z.string().max(200),
  email: z.string().max(320),
  permissions: z.array(z.string().max(200)).max(10_000),
  signedInAt: z.string(),
});
export type StoredOfficerSignIn = z.infer<typeof officerSignInSchema>;

const siemTokenSchema = z.object({ token: z.string().min(1).max(4096) });

export const signingKeySchema = z.object({ privateKeyPem: z.string().startsWith('-----BEGIN PRIVATE KEY-----') });
export type StoredSigningKey = z.infer<typeof signingKeySchema>;

/**
 * The review journal's key (HMAC-SHA256, 32 bytes, base64) and its head: the seq and hash of the
 * newest entry appended, so that deleting the journal's last entries is detected. Entries up to
 * `legacyThrough` were written before the journal was keyed.
 */
export const reviewJournalSealSchema = z.object({
  key: z.string().regex(/^[A-Za-z0-9+/]{43}=$/),
  headSeq: z.number().int().nonnegative(),
  headHash: z.string().regex(/^[0-9a-f]{64}$/),
  legacyThrough: z.number().int().nonnegative(),
});
export type ReviewJournalSeal = z.infer<typeof reviewJournalSealSchema>;

/** A key for data at rest on this workstation: 32 random bytes, hex. */
const atRestKeySchema = z.object({ key: z.string().regex(/^[0-9a-f]{64}$/) });
/** The local index (SQLCipher) and the media cache (sealed files) each have their own. */
export type AtRestKeyKind = 'index-key' | 'cache-key';

/**
 * The profile's secrets, kept only in the OS keychain (one JSON entry per kind). Everything read is
 * registered with the redactor before it is returned, so it can never be logged in clear.
 */
export class CredentialVault {
  constructor(
    private readonly secrets: SecretStore,
    private readonly profile: string,
    private readonly redactor: SecretRedactor,
  ) {}

  async loadGenesys(): Promise<GenesysCredentials> {
    const value = await this.load('genesys', genesysCredentialsSchema);
    if (!value) {
      throw new AuthError(
        `No Genesys credentials for profile "${this.profile}". Run "custody login" (or "custody sandbox" for the embedded sandbox).`,
      );
    }
    return value;
  }

  saveGenesys(credentials: GenesysCredentials): Promise<void> {
    return this.save('genesys', genesysCredentialsSchema.parse(credentials));
  }

  async loadWorm(): Promise<WormCredentials | null> {
    return this.load('worm', wormCredentialsSchema);
  }

  saveWorm(credentials: WormCredentials): Promise<void> {
    return this.save('worm', wormCredentialsSchema.parse(credentials));
  }

  async deleteWorm(): Promise<void> {
    await this.secrets.delete(this.account('worm'));
  }

  loadOfficerSignIn(): Promise<StoredOfficerSignIn | null> {
    return this.load('officer', officerSignInSchema, ['refreshToken']);
  }

  saveOfficerSignIn(signIn: StoredOfficerSignIn): Promise<void> {
    return this.save('officer', officerSignInSchema.parse(signIn), ['refreshToken']);
  }

  async deleteOfficerSignIn(): Promise<void> {
    await this.secrets.delete(this.account('officer'));
  }

  loadSigningKey(): Promise<StoredSigningKey | null> {
    return this.load('signing-key', signingKeySchema);
  }

  saveSigningKey(key: StoredSigningKey): Promise<void> {
    return this.save('signing-key', signingKeySchema.parse(key));
  }

  /** The SIEM's HTTPS Authorization value (`custody config --siem https://... --siem-token`), or null when it takes none. */
  async loadSiemToken(): Promise<string | null> {
    return (await this.load('siem-token', siemTokenSchema))?.token ?? null;
  }

  saveSiemToken(token: string): Promise<void> {
    return this.save('siem-token', siemTokenSchema.parse({ token }));
  }

  async deleteSiemToken(): Promise<void> {
    await this.secrets.delete(this.account('siem-token'));
  }

  loadReviewJournalSeal(): Promise<ReviewJournalSeal | null> {
    // Only the key is secret; the head's hash also appears in the WORM log and must stay readable there.
    return this.load('review-journal', reviewJournalSealSchema, ['key']);
  }

  saveReviewJournalSeal(seal: ReviewJournalSeal): Promise<void> {
    return this.save('review-journal', reviewJournalSealSchema.parse(seal), ['key']);
  }

  /**
   * The profile's key for the index or the media cache, created on first use. Should two processes
   * create it at once, both go on with the one the keychain kept.
   */
  async atRestKey(kind: AtRestKeyKind): Promise<Buffer> {
    let stored = await this.load(kind, atRestKeySchema);
    if (!stored) {
      await this.save(kind, { key: randomBytes(32).toString('hex') });
      stored = await this.load(kind, atRestKeySchema);
      if (!stored) throw new KeychainError(`The OS keychain did not keep the new entry "${this.account(kind)}".`);
    }
    return Buffer.from(stored.key, 'hex');
  }

  private account(kind: string): string {
    return `${this.profile}/${kind}`;
  }

  /** `secretFields`: the fields registered with the redactor (all of them when not given). */
  private async load<T extends Record<string, unknown>>(kind: string, schema: z.ZodType<T>, secretFields?: ReadonlyArray<keyof T>): Promise<T | null> {
    const raw = await this.secrets.get(this.account(kind));
    if (raw === null) return null;
    this.redactor.register(raw);
    let parsed: unknown;
    try {
      parsed = JSON.parse(raw);
    } catch (error) {
      throw new KeychainError(`The keychain entry "${this.account(kind)}" is not valid; store the credentials again.`, error);
    }
    const result = schema.safeParse(parsed);
    if (!result.success) {
      throw new KeychainError(`The keychain entry "${this.account(kind)}" is incomplete; store the credentials again.`);
    }
    this.registerSecrets(result.data, secretFields);
    return result.data;
  }

  private async save<T extends Record<string, unknown>>(kind: string, value: T, secretFields?: ReadonlyArray<keyof T>): Promise<void> {
    this.registerSecrets(value, secretFields);
    await this.secrets.set(this.account(kind), JSON.stringify(value));
  }

  private registerSecrets<T extends Record<string, unknown>>(value: T, secretFields?: ReadonlyArray<keyof T>): void {
    for (const [field, v] of Object.entries(value)) {
      if (typeof v === 'string' && (!secretFields || secretFields.includes(field))) this.redactor.register(v);
    }
  }
}
