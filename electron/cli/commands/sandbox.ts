import { basename, dirname, resolve } from 'node:path';
import { pathUnderRoot } from '../../services/contained-path';
import { ValidationError } from '../../services/errors';
import { writeAtomic } from '../../services/storage/durable-file';
import { composeProfileSettings } from '../../services/composition/compose-settings';
import type { CommandContext } from '../context';
import { loadSandboxPlugin, type SandboxBlotterKinds } from '../sandbox-plugin';

/**
 * `custody sandbox`: runs the embedded Genesys emulator (a plug-in loaded from test/sandbox) in the
 * foreground and points the profile at it (gateway in the profile, the sandbox's client credentials
 * in the keychain).
 */
export async function sandboxCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const plugin = await loadSandboxPlugin();
  const sandbox = await plugin.start(argv);
  if ('usageError' in sandbox) throw new ValidationError(sandbox.usageError);
  const blotter = sandbox.blotter ? await writeBlotter(sandbox.blotter.file, sandbox.blotter.csv).catch(async (error: unknown) => {
    await sandbox.close();
    throw error;
  }) : null;
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
      ...(blotter && sandbox.blotter ? { blotter: { file: blotter, ...sandbox.blotter.kinds } } : {}),
    },
    () =>
      [
        `Genesys sandbox listening on ${sandbox.url}`,
        `  ${sandbox.conversations} conversations, ${sandbox.recordings} recordings up to ${sandbox.anchor}`,
        `  profile "${ctx.profile}" now points at it; client ${client.clientId} stored in the OS keychain`,
        ...(blotter && sandbox.blotter ? [blotterLine(blotter, sandbox.blotter.kinds)] : []),
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

/** Writes the sandbox's blotter durably at exactly the path given (its folder must exist; a symlink there is refused). */
async function writeBlotter(file: string, csv: string): Promise<string> {
  const target = resolve(file);
  await writeAtomic(await pathUnderRoot(dirname(target), basename(target)), csv, { mode: 0o600 });
  return target;
}

function blotterLine(file: string, kinds: SandboxBlotterKinds): string {
  const voice = kinds.tagged + kinds.untagged + kinds.gaps;
  return (
    `  blotter written to ${file}: ${voice + kinds.electronic} trades (${kinds.tagged} voice with the trade id on their calls, ` +
    `${kinds.untagged} voice whose calls lack it, ${kinds.electronic} electronic, ${kinds.gaps} voice with no call) and ` +
    `${kinds.callsWithoutTrade} tagged calls left without a trade; import it with "custody trades import ${file}"`
  );
}
