import { FAULT_NAMES, isFaultName, type FaultConfig } from './faults';
import type { SandboxOptions } from './server';

/** Argument parsing for `custody sandbox` (through its plug-in, cli-plugin.ts). */

export const SANDBOX_USAGE = `Usage: custody sandbox [options]
  --port N                 listen on 127.0.0.1:N (default 0: an ephemeral port)
  --seed N                 dataset seed (default 1)
  --conversations N        conversations in the dataset (default 240)
  --recordings N           bulk mode: N short recordings (overrides --conversations)
  --days N                 span of the dataset in days (default 30)
  --long-call HOURS        add one stereo call this many hours long (up to 24; fractions allowed)
  --anchor ISO             "now" of the dataset (default now, to the minute)
  --token-ttl SECONDS      access token lifetime (default 86400)
  --refresh-token-ttl SEC  sign-in refresh token lifetime in seconds (default 2592000: 30 days)
  --rate-limit PER_MINUTE  API requests per token per minute (default 300)
  --token-limit PER_MINUTE token requests per client per minute (default off)
  --playback-url-ttl MIN   media URL lifetime in minutes (default 60)
  --batch-url-ttl MIN      batch result URL lifetime in minutes (default 60)
  --audio-dir PATH         cache generated audio here (default a temporary directory)
  --no-speech-analytics    the org has no speech and text analytics (transcript URLs answer 403)
  --fault NAME=RATE        inject a fault with probability RATE (0..1); repeatable.
                           Faults: ${FAULT_NAMES.join(', ')}
  --log-requests           log each request (method, path, status, time; codes and credentials redacted)
  --blotter FILE           write a trade blotter (CSV) consistent with the dataset's calls to FILE
                           (custody sandbox only; import it with "custody trades import FILE")`;

export class SandboxArgsError extends Error {
  constructor(message: string) {
    super(`${message}\n\n${SANDBOX_USAGE}`);
    this.name = 'SandboxArgsError';
  }
}

type Setter = (value: string, flag: string, options: SandboxOptions) => void;

function integer(min: number, max = Number.MAX_SAFE_INTEGER): (value: string, flag: string) => number {
  return (value, flag) => {
    if (!/^-?\d+$/.test(value)) throw new SandboxArgsError(`${flag} needs a whole number, got "${value}"`);
    const parsed = Number(value);
    if (parsed < min || parsed > max) throw new SandboxArgsError(`${flag} must be between ${min} and ${max}, got ${parsed}`);
    return parsed;
  };
}

function positiveNumber(value: string, flag: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= 0) throw new SandboxArgsError(`${flag} needs a positive number, got "${value}"`);
  return parsed;
}

const FLAGS: Record<string, Setter> = {
  '--port': (v, f, o) => (o.port = integer(0, 65535)(v, f)),
  '--seed': (v, f, o) => (o.seed = integer(-2147483648, 4294967295)(v, f)),
  '--conversations': (v, f, o) => (o.conversations = integer(1, 1_000_000)(v, f)),
  '--recordings': (v, f, o) => (o.recordings = integer(1, 1_000_000)(v, f)),
  '--days': (v, f, o) => (o.days = integer(1, 3650)(v, f)),
  '--long-call': (v, f, o) => {
    const hours = positiveNumber(v, f);
    if (hours > 24) throw new SandboxArgsError(`${f} takes at most 24 hours, got ${hours}`);
    o.longCallHours = hours;
  },
  '--anchor': (v, f, o) => {
    const anchor = new Date(v);
    if (!/^\d{4}-\d{2}-\d{2}/.test(v) || Number.isNaN(anchor.getTime())) throw new SandboxArgsError(`${f} needs an ISO date-time, got "${v}"`);
    o.anchor = anchor;
  },
  '--token-ttl': (v, f, o) => (o.tokenTtlSeconds = integer(1, 172_800)(v, f)),
  '--refresh-token-ttl': (v, f, o) => (o.refreshTokenTtlSeconds = integer(1, 31_536_000)(v, f)),
  '--rate-limit': (v, f, o) => (o.rateLimitPerMinute = integer(1, 1_000_000)(v, f)),
  '--token-limit': (v, f, o) => (o.tokenCreationLimitPerMinute = integer(1, 1_000_000)(v, f)),
  '--playback-url-ttl': (v, f, o) => (o.playbackUrlTtlMinutes = positiveNumber(v, f)),
  '--batch-url-ttl': (v, f, o) => (o.batchUrlTtlMinutes = positiveNumber(v, f)),
  '--audio-dir': (v, f, o) => {
    if (v.trim() === '') throw new SandboxArgsError(`${f} needs a path`);
    o.audioDir = v;
  },
  '--fault': (v, f, o) => {
    const [name = '', rate = '', ...rest] = v.split('=');
    if (rest.length > 0 || rate === '') throw new SandboxArgsError(`${f} needs NAME=RATE, got "${v}"`);
    if (!isFaultName(name)) throw new SandboxArgsError(`${f}: unknown fault "${name}"; known faults: ${FAULT_NAMES.join(', ')}`);
    const probability = Number(rate);
    if (!Number.isFinite(probability) || probability < 0 || probability > 1) throw new SandboxArgsError(`${f} ${name} needs a rate between 0 and 1, got "${rate}"`);
    const faults: FaultConfig = { ...o.faults, [name]: probability };
    o.faults = faults;
  },
};

const SWITCHES: Record<string, (options: SandboxOptions) => void> = {
  '--log-requests': (o) => (o.logRequests = true),
  '--no-speech-analytics': (o) => (o.speechAnalytics = false),
};

/** Accepts `--flag value` and `--flag=value`. Throws SandboxArgsError (with usage) on anything it does not know. */
export function parseSandboxArgs(argv: ReadonlyArray<string>): SandboxOptions {
  const options: SandboxOptions = {};
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] as string;
    const equals = arg.indexOf('=');
    const flag = arg.startsWith('--') && equals > 0 ? arg.slice(0, equals) : arg;
    const switchSetter = SWITCHES[flag];
    if (switchSetter) {
      if (flag !== arg) throw new SandboxArgsError(`${flag} takes no value`);
      switchSetter(options);
      continue;
    }
    const setter = FLAGS[flag];
    if (!setter) throw new SandboxArgsError(`unknown option "${arg}"`);
    let value: string;
    if (flag !== arg) {
      value = arg.slice(equals + 1);
    } else {
      const next = argv[index + 1];
      if (next === undefined || next.startsWith('--')) throw new SandboxArgsError(`${flag} needs a value`);
      value = next;
      index += 1;
    }
    setter(value, flag, options);
  }
  return options;
}

/** `custody sandbox` arguments: the server's options, and where to write the dataset's blotter (`--blotter FILE`). */
export function parseSandboxCliArgs(argv: ReadonlyArray<string>): { options: SandboxOptions; blotterFile: string | null } {
  const rest: Array<string> = [];
  let blotterFile: string | null = null;
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index]!;
    if (arg !== '--blotter' && !arg.startsWith('--blotter=')) {
      rest.push(arg);
      continue;
    }
    if (blotterFile !== null) throw new SandboxArgsError('--blotter is given twice');
    const value = arg === '--blotter' ? argv[++index] : arg.slice('--blotter='.length);
    if (value === undefined || value.trim() === '' || value.startsWith('--')) throw new SandboxArgsError('--blotter needs a file path');
    blotterFile = value;
  }
  return { options: parseSandboxArgs(rest), blotterFile };
}
