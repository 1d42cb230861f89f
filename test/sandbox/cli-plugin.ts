// The sandbox as the plug-in `custody sandbox` loads at run time (electron/cli/sandbox-plugin.ts).
import type { SandboxPlugin } from '../../electron/cli/sandbox-plugin';
import { blotterCsv, sandboxBlotter } from './blotter';
import { parseSandboxCliArgs, SandboxArgsError } from './cli-options';
import { SANDBOX_CLIENT, startSandbox, type SandboxOptions } from './server';
import { OFFICER_A_USER } from './users';

export const sandboxPlugin: SandboxPlugin = {
  client: SANDBOX_CLIENT,
  demoOfficer: { username: OFFICER_A_USER.email, password: OFFICER_A_USER.password },
  async start(argv) {
    let parsed: { options: SandboxOptions; blotterFile: string | null };
    try {
      parsed = parseSandboxCliArgs(argv);
    } catch (error) {
      if (error instanceof SandboxArgsError) return { usageError: error.message };
      throw error;
    }
    const sandbox = await startSandbox(parsed.options);
    const { conversations, recordings, anchor } = sandbox.dataset;
    const running = { url: sandbox.url, conversations: conversations.length, recordings: recordings.length, anchor, close: () => sandbox.close() };
    if (parsed.blotterFile === null) return running;
    const { trades, planted } = sandboxBlotter(sandbox.dataset);
    return {
      ...running,
      blotter: {
        file: parsed.blotterFile,
        csv: blotterCsv(trades),
        kinds: {
          tagged: planted.tagged.size,
          untagged: planted.untagged.size,
          electronic: planted.electronic.length,
          gaps: planted.gaps.length,
          callsWithoutTrade: planted.callsWithoutTrade.length,
        },
      },
    };
  },
};
