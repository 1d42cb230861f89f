const sensitiveKey = /(secret|token|password|authorization|credential|cookie|apikey|api_key|accesskey|secretkey)/i;
const bearer = /\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/g;
export const REDACTED = '[redacted]';

/**
 * Removes secrets from anything about to leave the engine (logs, error text, CLI output, IPC).
 * Known secret values are registered as they are loaded; keys that look secret are masked whatever
 * their value, and bearer/basic credentials are masked in free text.
 */
export class SecretRedactor {
  private readonly secrets = new Set<string>();

  register(secret: string | null | undefined): void {
    // Very short values would mask ordinary words; real secrets and tokens are long.
    if (secret && secret.length >= 8) this.secrets.add(secret);
  }

  redactText(text: string): string {
    let out = text.replace(bearer, (_, scheme: string) => `${scheme} ${REDACTED}`);
    for (const secret of this.secrets) {
      if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    }
    return out;
  }

  redact<T>(value: T): T {
    return this.walk(value, new WeakSet()) as T;
  }

  private walk(value: unknown, seen: WeakSet<object>): unknown {
    if (typeof value === 'string') return this.redactText(value);
    if (value === null || typeof value !== 'object') return value;
    if (seen.has(value)) return '[circular]';
    seen.add(value);
    if (value instanceof Error) {
      return { name: value.name, message: this.redactText(value.message), ...this.walkCause(value, seen) };
    }
    if (Array.isArray(value)) return value.map((v) => this.walk(v, seen));
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      out[key] = sensitiveKey.test(key) && v !== null && v !== undefined && typeof v !== 'object' ? REDACTED : this.walk(v, seen);
    }
    return out;
  }

  private walkCause(error: Error, seen: WeakSet<object>): Record<string, unknown> {
    return error.cause === undefined ? {} : { cause: this.walk(error.cause, seen) };
  }
}
