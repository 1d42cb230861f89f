// The Genesys sandbox is a development tool (test/sandbox), not part of the product: `custody sandbox`
// loads it as a plug-in, by a path computed at run time, and the product never imports it.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { AppError } from '../services/errors';

export type RunningSandbox = {
  url: string;
  conversations: number;
  recordings: number;
  anchor: string;
  /** With `--blotter FILE`: the dataset's trade blotter (CSV) for the command to write there, and how many trades of each planted kind it holds. */
  blotter?: { file: string; csv: string; kinds: SandboxBlotterKinds };
  close(): Promise<void>;
};

/** Voice trades whose calls carry the trade id or not, electronic trades, voice trades with no call, tagged calls with no trade. */
export type SandboxBlotterKinds = { tagged: number; untagged: number; electronic: number; gaps: number; callsWithoutTrade: number };

/** What the plug-in module exports as `sandboxPlugin`. */
export type SandboxPlugin = {
  client: { clientId: string; clientSecret: string };
  /** The seeded officer the headless demo signs in as, on the sandbox's login page. */
  demoOfficer?: { username: string; password: string };
  /** Starts the sandbox from `custody sandbox` arguments; bad arguments give `usageError` (with the usage text). */
  start(argv: ReadonlyArray<string>): Promise<RunningSandbox | { usageError: string }>;
};

/** The plug-in in this checkout; a build without the sandbox's sources gets a clear error. */
export function sandboxPluginPath(): string {
  return fileURLToPath(new URL(['..', '..', 'test', 'sandbox', 'cli-plugin.ts'].join('/'), import.meta.url));
}

export async function loadSandboxPlugin(path: string = sandboxPluginPath()): Promise<SandboxPlugin> {
  if (!existsSync(path)) throw new AppError('VALIDATION', `The Genesys sandbox is a development tool shipped with Custody's source checkout, not with this build (looked for ${path}).`);
  const loaded: { sandboxPlugin?: Partial<SandboxPlugin> } = await import(pathToFileURL(path).href);
  const plugin = loaded.sandboxPlugin;
  if (typeof plugin?.start !== 'function' || typeof plugin.client?.clientId !== 'string') throw new AppError('VALIDATION', `${path} is not a Custody sandbox plug-in.`);
  return plugin as SandboxPlugin;
}
