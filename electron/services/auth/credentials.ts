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

export const signingKeySchema = z.object({ privateKeyPem: z.string().startsWith('-----BEGIN PRIVATE KEY-----') });
export type StoredSigningKey = z.infer<typeof signingKeySchema>;

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

  loadSigningKey(): Promise<StoredSigningKey | null> {
    return this.load('signing-key', signingKeySchema);
  }

  saveSigningKey(key: StoredSigningKey): Promise<void> {
    return this.save('signing-key', signingKeySchema.parse(key));
  }

  private account(kind: string): string {
    return `${this.profile}/${kind}`;
  }

  private async load<T extends Record<string, string>>(kind: string, schema: z.ZodType<T>): Promise<T | null> {
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
    for (const value of Object.values(result.data)) this.redactor.register(value);
    return result.data;
  }

  private async save(kind: string, value: Record<string, string>): Promise<void> {
    for (const v of Object.values(value)) this.redactor.register(v);
    await this.secrets.set(this.account(kind), JSON.stringify(value));
  }
}
