import type { TestProject } from 'vitest/node';
import type { WormConnection } from '../../electron/services/worm/s3-client';
import { startLocalWorm } from '../../electron/services/worm/local-worm';
import { startPrivateKeyring } from '../helpers/private-keyring';

type Shared = { worm: { connection: WormConnection; runDir: string }; keyringBus: string; stop(): Promise<void> };

/** Both integration projects (today's clock and a year ahead) run in this one process: one radosgw and keyring for both. */
const sharing = globalThis as typeof globalThis & { custodyIntegrationSetup?: { started: Promise<Shared>; users: number } };

async function start(): Promise<Shared> {
  const keyring = await startPrivateKeyring();
  process.env.DBUS_SESSION_BUS_ADDRESS = keyring.busAddress;
  delete process.env.DISPLAY;
  const started = Date.now();
  const worm = await startLocalWorm();
  // The endpoint only: the connection (with its secret key) goes to tests, never to the console.
  console.log(`integration: radosgw at ${worm.connection.endpoint} (${Date.now() - started} ms, ${worm.runDir})`);
  return {
    worm: { connection: worm.connection, runDir: worm.runDir },
    keyringBus: keyring.busAddress,
    stop: async () => {
      await worm.stop();
      await keyring.stop();
    },
  };
}

// One radosgw for the integration projects; tests reach it with inject('worm'). And a private
// Secret Service on its own D-Bus: test workers inherit the bus address, so every keychain access
// in the tests is real and never touches the developer's own keyring.
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  sharing.custodyIntegrationSetup ??= { started: start(), users: 0 };
  const setupState = sharing.custodyIntegrationSetup;
  setupState.users += 1;
  const shared = await setupState.started;
  project.provide('keyringBus', shared.keyringBus);
  project.provide('worm', shared.worm);
  return async () => {
    setupState.users -= 1;
    if (setupState.users > 0) return;
    delete sharing.custodyIntegrationSetup;
    await shared.stop();
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
