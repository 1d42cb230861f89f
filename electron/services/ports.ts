/** Ports: what services need from the outside world. Adapters implement them; tests inject fakes. */

export type Clock = {
  /** Epoch milliseconds. */
  now(): number;
  /** Resolves after `ms`, or rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
};

/** Uniform [0, 1), for jitter. */
export type Random = () => number;

export type SecretStore = {
  get(account: string): Promise<string | null>;
  set(account: string, secret: string): Promise<void>;
  delete(account: string): Promise<boolean>;
};

export type HttpClient = (input: string | URL, init?: RequestInit) => Promise<Response>;
