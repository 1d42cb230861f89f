import { hostname, networkInterfaces, userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { currentOsAccount, currentWorkstation } from '../../../../electron/services/identity';
import { workstationSchema } from '../../../../shared/domain';

describe('identity', () => {
  it('names this machine by host name and its non-loopback addresses', () => {
    const workstation = currentWorkstation();
    expect(workstationSchema.parse(workstation)).toEqual(workstation);
    expect(workstation.hostname).toBe(hostname());
    const internal = Object.values(networkInterfaces()).flatMap((entries) => (entries ?? []).filter((e) => e.internal).map((e) => e.address));
    for (const address of workstation.addresses) expect(internal).not.toContain(address);
    expect(workstation.addresses).not.toContain('127.0.0.1');
    expect(workstation.addresses).not.toContain('::1');
  });

  it('reports the OS account running the process', () => {
    expect(currentOsAccount()).toBe(userInfo().username);
  });
});
