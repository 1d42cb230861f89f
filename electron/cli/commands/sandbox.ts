import { parseSandboxArgs, SandboxArgsError } from '../../../test/sandbox/cli-options';
import { SANDBOX_CLIENT, startSandbox } from '../../../test/sandbox/server';
import { ValidationError } from '../../services/errors';
import { profileStore, type CommandContext } from '../context';

/**
 * `custody sandbox`: runs the embedded Genesys emulator in the foreground and points the profile at
 * it (gateway in the profile, the sandbox's client credentials in the keychain).
 */
export async function sandboxCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  let options;
  try {
    options = parseSandboxArgs(argv);
  } catch (error) {
    if (error instanceof SandboxArgsError) throw new ValidationError(error.message);
    throw error;
  }
  const sandbox = await startSandbox(options);
  const store = profileStore(ctx.profile);
  await store.vault.saveGenesys(SANDBOX_CLIENT);
  await store.update((p) => ({ ...p, genesys: { gateway: sandbox.url } }));
  ctx.output.result(
    {
      url: sandbox.url,
      clientId: SANDBOX_CLIENT.clientId,
      conversations: sandbox.dataset.conversations.length,
      recordings: sandbox.dataset.recordings.length,
      anchor: sandbox.dataset.anchor,
      profile: ctx.profile,
    },
    () =>
      [
        `Genesys sandbox listening on ${sandbox.url}`,
        `  ${sandbox.dataset.conversations.length} conversations, ${sandbox.dataset.recordings.length} recordings up to ${sandbox.dataset.anchor}`,
        `  profile "${ctx.profile}" now points at it; client ${SANDBOX_CLIENT.clientId} stored in the OS keychain`,
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
