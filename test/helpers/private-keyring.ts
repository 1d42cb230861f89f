import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

export type PrivateKeyring = {
  busAddress: string;
  home: string;
  /** Locks the login collection, as a screen lock or a logout would. */
  lock(): Promise<void>;
  stop(): Promise<void>;
};

/**
 * A throwaway D-Bus session with gnome-keyring's Secret Service: the real OS keychain the app uses
 * on Linux, in a private HOME so tests never touch the developer's own keyring. After `lock()`, with
 * no DISPLAY, the keyring's unlock prompt fails at once instead of hanging.
 */
export async function startPrivateKeyring(): Promise<PrivateKeyring> {
  const home = await mkdtemp(join(tmpdir(), 'custody-keyring-'));
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: home, LANG: 'C.UTF-8' };
  const bus = spawn('dbus-daemon', ['--session', '--nofork', '--print-address=1'], { env, stdio: ['ignore', 'pipe', 'ignore'] });
  const busAddress = await firstLine(bus, 'dbus-daemon');
  const children: Array<ChildProcess> = [bus];
  const keyringEnv = { ...env, DBUS_SESSION_BUS_ADDRESS: busAddress };
  const keyring = spawn('gnome-keyring-daemon', ['--unlock', '--components=secrets'], { env: keyringEnv, stdio: ['pipe', 'pipe', 'ignore'] });
  keyring.stdin!.end('custody-test');
  await firstLine(keyring, 'gnome-keyring-daemon');
  return {
    busAddress,
    home,
    lock: () =>
      new Promise((resolve, reject) => {
        const call = spawn(
          'dbus-send',
          ['--session', '--print-reply', '--dest=org.freedesktop.secrets', '/org/freedesktop/secrets', 'org.freedesktop.Secret.Service.Lock', 'array:objpath:/org/freedesktop/secrets/collection/login'],
          { env: keyringEnv, stdio: 'ignore' },
        );
        call.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`locking the keyring failed (${code})`))));
      }),
    // The keyring daemon detaches from its parent but exits when the session bus goes away.
    stop: async () => {
      for (const child of children.reverse()) child.kill('SIGTERM');
      await rm(home, { recursive: true, force: true });
    },
  };
}

function firstLine(child: ChildProcess, name: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const timer = setTimeout(() => reject(new Error(`${name} did not start`)), 10_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      resolve(line.trim());
    });
    child.once('error', (error) => reject(new Error(`${name} could not start: ${error.message}`)));
  });
}
