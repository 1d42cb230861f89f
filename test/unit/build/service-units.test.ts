import { execFile } from 'node:child_process';
import { chmod, copyFile, readFile, readdir, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { testTempDir } from '../../helpers/temp-dir';

const run = promisify(execFile);
const serviceDir = resolve('build/service');
const installedScript = '/usr/lib/custody/service/custody-unattended';

/** A unit file's sections as key → values (a key may repeat, as ExecStart= does). */
async function unit(name: string): Promise<Record<string, Record<string, Array<string>>>> {
  const sections: Record<string, Record<string, Array<string>>> = {};
  let section = '';
  for (const raw of (await readFile(join(serviceDir, name), 'utf8')).split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const header = /^\[(\w+)\]$/.exec(line);
    if (header) {
      section = header[1]!;
      sections[section] = {};
      continue;
    }
    const [key, ...value] = line.split('=');
    (sections[section]![key!] ??= []).push(value.join('='));
  }
  return sections;
}

describe('the archiver as a systemd service (build/service)', () => {
  it('passes systemd-analyze verify', async () => {
    const files = (await readdir(serviceDir)).filter((f) => f.endsWith('.service') || f.endsWith('.timer'));
    expect(files.sort()).toEqual(['custody-archiver.service', 'custody-archiver.timer', 'custody-job-failed@.service', 'custody-siem-forward.service', 'custody-siem-forward.timer']);
    let analyze: string;
    try {
      analyze = (await run('sh', ['-c', 'command -v systemd-analyze'])).stdout.trim();
    } catch {
      return; // no systemd here: the structural checks below still run
    }
    // verify insists that ExecStart's program exists: point it at the repository's copy.
    const dir = await testTempDir('custody-units-');
    for (const file of files) {
      await writeFile(join(dir, file), (await readFile(join(serviceDir, file), 'utf8')).replaceAll(installedScript, join(serviceDir, 'custody-unattended')));
    }
    const result = await run(analyze, ['verify', '--man=no', ...files.map((f) => join(dir, f))]);
    // An unknown or misplaced key is only a warning: any word from verify is a failure here.
    expect(result.stderr).toBe('');
  });

  it('runs the nightly work under the service user and profile, after every missed night, and reports failures', async () => {
    const service = await unit('custody-archiver.service');
    expect(service.Service).toMatchObject({
      Type: ['oneshot'],
      User: ['custody-archiver'],
      Environment: expect.arrayContaining(['CUSTODY_PROFILE=archiver']) as unknown,
      ExecStart: [`${installedScript} nightly`],
    });
    expect(service.Unit!.OnFailure).toEqual(['custody-job-failed@%N.service']);
    const timer = await unit('custody-archiver.timer');
    expect(timer.Timer).toMatchObject({ Persistent: ['true'], Unit: ['custody-archiver.service'] });
    expect(timer.Install!.WantedBy).toEqual(['timers.target']);
    const failed = await unit('custody-job-failed@.service');
    expect(failed.Service!.ExecStart).toEqual([`${installedScript} run service report-failure --unit %i`]);
    expect(failed.Service!.User).toEqual(['custody-archiver']);
    const siem = await unit('custody-siem-forward.service');
    expect(siem.Service).toMatchObject({ ExecStart: [`${installedScript} run siem drain --budget-seconds 120`], SuccessExitStatus: ['2'] });
  });

  it('runs archive, catalog publication and retention sweep in order, each even after one failed, and fails if any did', async () => {
    const dir = await testTempDir('custody-nightly-');
    const calls = join(dir, 'calls');
    const fake = join(dir, 'custody');
    await writeFile(fake, `#!/bin/sh\necho "$*" >> ${calls}\n[ "$1" = archive ] && exit 2\nexit 0\n`);
    await chmod(fake, 0o755);
    const script = join(dir, 'custody-unattended');
    await copyFile(join(serviceDir, 'custody-unattended'), script);
    const env = { PATH: process.env.PATH, CUSTODY_BIN: fake, DBUS_SESSION_BUS_ADDRESS: 'unix:path=/dev/null', CUSTODY_KEYRING_UNLOCKED: '1' };
    const failed = await run(script, ['nightly'], { env }).catch((error: { code: number; stderr: string }) => error);
    expect(failed).toMatchObject({ code: 1, stderr: expect.stringContaining('failed: archive') as unknown });
    expect((await readFile(calls, 'utf8')).trim().split('\n')).toEqual(['archive', 'catalog publish', 'retention sweep']);
    // Without the keyring's credential, nothing runs and systemd is told it is a configuration error.
    const unconfigured = await run(script, ['nightly'], { env: { ...env, CUSTODY_KEYRING_UNLOCKED: '' } }).catch((error: { code: number; stderr: string }) => error);
    expect(unconfigured).toMatchObject({ code: 78, stderr: expect.stringContaining('keyring-password') as unknown });
  });
});
