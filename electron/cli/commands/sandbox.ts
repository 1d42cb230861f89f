import { ValidationError } from '../../services/errors';
import { composeProfileSettings } from '../../services/composition/compose-settings';
import type { CommandContext } from '../context';
import { loadSandboxPlugin } from '../sandbox-plugin';

/**
 * `custody sandbox`: runs the embedded Genesys emulator (a plug-in loaded from test/sandbox) in the
 * foreground and points the profile at it (gateway in the profile, the sandbox's client credentials
 * in the keychain).
 */
export async function sandboxCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const plugin = await loadSandboxPlugin();
  const sandbox = await plugin.start(argv);
  if ('usageError' in sandbox) throw new ValidationError(sandbox.usageError);
  const client = plugin.client;
  const store = composeProfileSettings({ profile: ctx.profile });
  await store.vault.saveGenesys(client);
  await store.update((p) => ({ ...p, genesys: { gateway: sandbox.url } }));
  ctx.output.result(
    {
      url: sandbox.url,
      clientId: client.clientId,
      conversations: sandbox.conversations,
      recordings: sandbox.recordings,
      anchor: sandbox.anchor,
      profile: ctx.profile,
    },
    () =>
      [
        `Genesys sandbox listening on ${sandbox.url}`,
        `  ${sandbox.conversations} conversations, ${sandbox.recordings} recordings up to ${sandbox.anchor}`,
        `  profile "${ctx.profile}" now points at it; client ${client.clientId} stored in the OS keychain`,
        '  Ctrl-C stops it.',
      ].join('\n'),
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await sandbox.close();
  return 0;
}
