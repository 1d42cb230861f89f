import type { TestProject } from 'vitest/node';
import type { WormConnection } from '../../electron/services/worm/s3-client';
import { startLocalWorm } from '../../electron/services/worm/local-worm';
import { startPrivateKeyring } from '../helpers/private-keyring';

// One radosgw for the whole integration project; tests reach it with inject('worm'). And a private
// Secret Service on its own D-Bus: test workers inherit the bus address, so every keychain access
// in the tests is real and never touches the developer's own keyring.
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const keyring = await startPrivateKeyring();
  process.env.DBUS_SESSION_BUS_ADDRESS = keyring.busAddress;
  delete process.env.DISPLAY;
  project.provide('keyringBus', keyring.busAddress);
  const started = Date.now();
  const worm = await startLocalWorm();
  // The endpoint only: the connection (with its secret key) goes to tests, never to the console.
  console.log(`integration: radosgw at ${worm.connection.endpoint} (${Date.now() - started} ms, ${worm.runDir})`);
  project.provide('worm', { connection: worm.connection, runDir: worm.runDir });
  return async () => {
    await worm.stop();
    await keyring.stop();
  };
}

declare module 'vitest' {
  // Module augmentation needs an interface.
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions
  export interface ProvidedContext {
    worm: { connection: WormConnection; runDir: string };
    keyringBus: string;
  }
}
