import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Profile } from '../../../../../electron/services/config/profile';
import { configureSiem, type SiemConfigStore } from '../../../../../electron/services/siem/siem-config';
import { parseSiemUrl } from '../../../../../electron/services/siem/siem-settings';
import { testTempDir } from '../../../../helpers/temp-dir';

/** A profile file and keychain in memory. */
function store(initial: Partial<Profile> = {}) {
  let profile = { ...initial } as Profile;
  const keychain = new Map<string, string>();
  const s: SiemConfigStore & { profile(): Profile; keychain: Map<string, string> } = {
    vault: {
      saveSiemToken: async (token) => void keychain.set('siem-token', token),
      deleteSiemToken: async () => void keychain.delete('siem-token'),
    },
    load: async () => profile,
    update: async (change) => (profile = change(profile)),
    profile: () => profile,
    keychain,
  };
  return s;
}

describe('SIEM URLs', () => {
  it('parses the three schemes with RFC 5425 / 514 default ports', () => {
    expect(parseSiemUrl('syslog+tcp://siem.firm.test:1514')).toEqual({ kind: 'syslog', tls: false, host: 'siem.firm.test', port: 1514, url: 'syslog+tcp://siem.firm.test:1514' });
    expect(parseSiemUrl('syslog+tls://siem.firm.test')).toMatchObject({ tls: true, port: 6514 });
    expect(parseSiemUrl('syslog+tcp://[::1]:514')).toMatchObject({ host: '::1' });
    expect(parseSiemUrl('https://splunk.firm.test:8088/services/collector/event')).toEqual({ kind: 'https', url: 'https://splunk.firm.test:8088/services/collector/event' });
  });

  it.each([
    ['udp', 'syslog+udp://siem:514', /Unsupported SIEM URL scheme/],
    ['plain http', 'http://siem/collector', /Unsupported SIEM URL scheme/],
    ['credentials', 'https://user:secret@siem/collector', /must not carry credentials/],
    ['a path on syslog', 'syslog+tcp://siem:514/x', /no path or query/],
    ['not a URL', 'siem:514 ; rm -rf', /not a URL|Unsupported/],
  ])('refuses %s', (_what, url, message) => {
    expect(() => parseSiemUrl(url)).toThrow(message);
  });
});

describe('custody config --siem', () => {
  it('stores the URL and a checked CA file in the profile, the token only in the keychain', async () => {
    const dir = await testTempDir('siem-config-');
    const ca = join(dir, 'ca.pem');
    await writeFile(ca, '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    const s = store();
    await configureSiem(s, { url: 'https://siem.test/services/collector', caFile: ca, token: 'Splunk 1234-abcd' });
    expect(s.profile().siem).toEqual({ url: 'https://siem.test/services/collector', caFile: ca, enterpriseId: 32473 });
    expect(JSON.stringify(s.profile())).not.toContain('1234-abcd');
    expect(s.keychain.get('siem-token')).toBe('Splunk 1234-abcd');
    // Another receiver: neither the CA nor the token carries over.
    await configureSiem(s, { url: 'syslog+tcp://127.0.0.1:1514', enterpriseId: 55555 });
    expect(s.profile().siem).toEqual({ url: 'syslog+tcp://127.0.0.1:1514', enterpriseId: 55555 });
    expect(s.keychain.has('siem-token')).toBe(false);
    await configureSiem(s, { url: 'off' });
    expect(s.profile().siem).toBeUndefined();
  });

  it('refuses a CA file without a certificate, a token for syslog, and a multi-line token, changing nothing', async () => {
    const dir = await testTempDir('siem-config-');
    const notPem = join(dir, 'key.txt');
    await writeFile(notPem, 'hello');
    const s = store();
    await expect(configureSiem(s, { url: 'syslog+tls://siem.test', caFile: notPem })).rejects.toThrow(/holds no PEM certificate/);
    await expect(configureSiem(s, { url: 'syslog+tls://siem.test', caFile: join(dir, 'absent.pem') })).rejects.toThrow(/cannot read/);
    await expect(configureSiem(s, { url: 'syslog+tcp://siem.test', token: 'abc' })).rejects.toThrow(/https:\/\/ SIEM only/);
    await expect(configureSiem(s, { url: 'https://siem.test/x', token: 'abc\ndef' })).rejects.toThrow(/spans lines/);
    expect(s.profile().siem).toBeUndefined();
    expect(s.keychain.size).toBe(0);
  });
});
