import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadSandboxPlugin, sandboxPluginPath } from '../../../../electron/cli/sandbox-plugin';
import { SANDBOX_CLIENT } from '../../../sandbox/server';

const root = fileURLToPath(new URL('../../../..', import.meta.url));

describe('the sandbox plug-in of `custody sandbox`', () => {
  it('is found in the checkout by a path computed at run time', async () => {
    expect(sandboxPluginPath()).toBe(join(root, 'test/sandbox/cli-plugin.ts'));
    const plugin = await loadSandboxPlugin();
    expect(plugin.client).toEqual(SANDBOX_CLIENT);
    expect(await plugin.start(['--port', 'x'])).toEqual({ usageError: expect.stringContaining('Usage: custody sandbox') });
  });

  it('starts the sandbox and closes it', async () => {
    const sandbox = await (await loadSandboxPlugin()).start(['--conversations', '3']);
    if ('usageError' in sandbox) throw new Error(sandbox.usageError);
    try {
      expect(sandbox.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(sandbox.conversations).toBe(3);
    } finally {
      await sandbox.close();
    }
  });

  it('says clearly when a build has no sandbox, and refuses a module that is not one', async () => {
    await expect(loadSandboxPlugin(join(root, 'test/sandbox/absent.ts'))).rejects.toThrow(/development tool shipped with Custody's source checkout/);
    await expect(loadSandboxPlugin(join(root, 'test/sandbox/prng.ts'))).rejects.toThrow(/is not a Custody sandbox plug-in/);
  });
});
