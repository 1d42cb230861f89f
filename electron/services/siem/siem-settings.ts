import { z } from 'zod';
import { ValidationError } from '../errors';

/**
 * RFC 5612's documentation PEN: the SD-ID `custody@32473` until the firm gives its own IANA Private
 * Enterprise Number (`custody config --siem-pen N`), so that its SIEM's parsers key on the firm's name space.
 */
export const DOCUMENTATION_PEN = 32473;

/** Where the profile forwards its audit events (absent: not forwarded). The HTTPS token lives in the keychain only. */
export const siemSettingsSchema = z.object({
  url: z.string().min(1),
  /** PEM file of the CA that signs the receiver's certificate (syslog+tls, https); default: the system's CAs. */
  caFile: z.string().min(1).optional(),
  enterpriseId: z.number().int().positive().default(DOCUMENTATION_PEN),
});
export type SiemSettings = z.infer<typeof siemSettingsSchema>;

/** A parsed SIEM URL: syslog over TCP (optionally TLS, RFC 5425), or JSON lines over HTTPS. */
export type SiemDestination =
  | { kind: 'syslog'; tls: boolean; host: string; port: number; url: string }
  | { kind: 'https'; url: string };

const syslogSchemes: Record<string, { tls: boolean; defaultPort: number }> = {
  'syslog+tcp:': { tls: false, defaultPort: 514 },
  // RFC 5425 assigns 6514 to syslog over TLS.
  'syslog+tls:': { tls: true, defaultPort: 6514 },
};

/** Validates a SIEM URL as typed or stored; refuses anything but the three supported schemes, credentials in it, or a path on syslog. */
export function parseSiemUrl(value: string): SiemDestination {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ValidationError(`The SIEM URL "${value}" is not a URL; use syslog+tcp://host:port, syslog+tls://host:port or https://host/path.`);
  }
  if (url.username || url.password) {
    throw new ValidationError('The SIEM URL must not carry credentials; give an HTTPS token on stdin with --siem-token (it goes to the keychain).');
  }
  const syslog = syslogSchemes[url.protocol];
  if (syslog) {
    if (!url.hostname || (url.pathname !== '' && url.pathname !== '/') || url.search || url.hash) {
      throw new ValidationError(`A syslog SIEM URL is ${url.protocol}//host:port, with no path or query; got "${value}".`);
    }
    const port = url.port ? Number(url.port) : syslog.defaultPort;
    // URL keeps IPv6 brackets in hostname; sockets want the bare address.
    const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    return { kind: 'syslog', tls: syslog.tls, host, port, url: `${url.protocol}//${url.host}` };
  }
  if (url.protocol === 'https:') return { kind: 'https', url: url.toString() };
  throw new ValidationError(`Unsupported SIEM URL scheme "${url.protocol}"; use syslog+tcp://, syslog+tls:// or https://.`);
}
