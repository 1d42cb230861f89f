import { hostname, networkInterfaces, userInfo } from 'node:os';
import type { Workstation } from '../../shared/domain';

/** This machine as the audit log names it: host name and its non-loopback addresses. */
export function currentWorkstation(): Workstation {
  const addresses = new Set<string>();
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (!entry.internal && (entry.family === 'IPv4' || entry.family === 'IPv6')) addresses.add(entry.address);
    }
  }
  return { hostname: hostname(), addresses: [...addresses].sort() };
}

/** The operating-system account running this process. */
export function currentOsAccount(): string {
  try {
    return userInfo().username;
  } catch {
    // userInfo() throws when the uid has no passwd entry (some containers); the environment still names it.
    return process.env.USER || process.env.USERNAME || `uid:${process.getuid?.() ?? 'unknown'}`;
  }
}
