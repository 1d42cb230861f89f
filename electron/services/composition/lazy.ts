/**
 * Builds on first use and keeps the result; a failure (no credentials yet, a locked keychain) is not
 * kept, so the next use tries again. A domain that must be rebuilt (new credentials) builds a new
 * one explicitly instead of resetting this.
 */
export function lazy<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | null = null;
  return () => {
    built ??= build().catch((error: unknown) => {
      built = null;
      throw error;
    });
    return built;
  };
}
