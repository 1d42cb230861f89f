import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startLocalWorm } from '../../electron/services/worm/local-worm';
import { startPrivateKeyring } from '../helpers/private-keyring';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * One radosgw and one private Secret Service for the e2e run; workers inherit both through the
 * environment. Builds the renderer when it has not been built.
 */
export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(`${root}dist/renderer/index.html`)) {
    const { build } = await import('vite');
    await build({ configFile: `${root}renderer/vite.config.ts`, logLevel: 'error' });
  }
  const keyring = await startPrivateKeyring();
  process.env.DBUS_SESSION_BUS_ADDRESS = keyring.busAddress;
  delete process.env.DISPLAY;
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
  const worm = await startLocalWorm();
  process.env.CUSTODY_E2E_WORM = JSON.stringify(worm.connection);
  return async () => {
    await worm.stop();
    await keyring.stop();
  };
}
