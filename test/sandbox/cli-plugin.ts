// The sandbox as the plug-in `custody sandbox` loads at run time (electron/cli/sandbox-plugin.ts).
import type { SandboxPlugin } from '../../electron/cli/sandbox-plugin';
import { parseSandboxArgs, SandboxArgsError } from './cli-options';
import { SANDBOX_CLIENT, startSandbox, type SandboxOptions } from './server';
import { OFFICER_A_USER } from './users';

export const sandboxPlugin: SandboxPlugin = {
  client: SANDBOX_CLIENT,
  demoOfficer: { username: OFFICER_A_USER.email, password: OFFICER_A_USER.password },
  async start(argv) {
    let options: SandboxOptions;
    try {
      options = parseSandboxArgs(argv);
    } catch (error) {
      if (error instanceof SandboxArgsError) return { usageError: error.message };
      throw error;
    }
    const sandbox = await startSandbox(options);
    const { conversations, recordings, anchor } = sandbox.dataset;
    return { url: sandbox.url, conversations: conversations.length, recordings: recordings.length, anchor, close: () => sandbox.close() };
  },
};
