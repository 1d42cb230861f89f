import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { basename } from 'node:path';
import { BLOTTER_MAX_BYTES } from '../../../shared/ipc/channels/trades';
import { blotterFormatSchema, type ImportReport } from '../../../shared/trades';
import type { ComposedEngine } from '../../services/composition/compose-engine';
import { NO_FOLLOW } from '../../services/contained-path';
import { describeCause, ValidationError } from '../../services/errors';
import { parseFlags, requireFlag } from '../args';
import { withEngine, type CommandContext } from '../context';
import { tradesMatchingCommands } from './trades-matching';

/** Runs a command on the profile's engine (withEngine); tests pass one that runs it on a harness's. */
export type EngineRunner = <T>(ctx: CommandContext, run: (composed: ComposedEngine) => Promise<T>) => Promise<T>;
/** One `custody trades` subcommand; other parts of trade reconstruction add theirs to the dispatcher. */
export type TradesSubcommand = (ctx: CommandContext, argv: ReadonlyArray<string>, engine?: EngineRunner) => Promise<number>;

const MAPPING_MAX_BYTES = 64 * 1024;

const importUsage =
  'custody trades import FILE [--format csv|fix] [--mapping FILE] [--case REF] [--json]\n' +
  '  FILE: a CSV blotter with a header row (trade_id, executed_at, trader, client_account, instrument, side, quantity,\n' +
  '  price, channel), or a FIX drop-copy log (.fix, .log: ExecutionReports). --mapping: a JSON object renaming the\n' +
  "  blotter's columns to those. Exit 0: every row loaded; 2: some rows were rejected (listed with their line); the rest loaded.";

const subcommands: Record<string, TradesSubcommand> = {
  import: tradesImportCommand,
  ...tradesMatchingCommands,
};

const usage = `custody trades ${Object.keys(subcommands).join('|')} ...\n\n${importUsage}`;

/** `custody trades`: the trade reconstruction commands (issue 13). */
export async function tradesCommand(ctx: CommandContext, argv: ReadonlyArray<string>, engine: EngineRunner = withEngine): Promise<number> {
  const [name, ...rest] = argv;
  const subcommand = name === undefined ? undefined : subcommands[name];
  if (!subcommand) throw new ValidationError(`${name === undefined ? 'Missing' : `Unknown`} trades command${name === undefined ? '' : ` "${name}"`}.\n\nUsage: ${usage}`);
  return subcommand(ctx, rest, engine);
}

/**
 * `custody trades import`: loads a blotter into the index as the signed-in officer (the 'import' audit
 * event first); a re-import updates changed trades and never duplicates one. Bad rows are listed with
 * their line and reason, and the rest load: exit 2, as `custody retrieve` does with unusable trading IDs.
 */
export async function tradesImportCommand(ctx: CommandContext, argv: ReadonlyArray<string>, engine: EngineRunner = withEngine): Promise<number> {
  const flags = parseFlags(argv, { format: { type: 'string' }, mapping: { type: 'string' }, case: { type: 'string' } }, importUsage);
  if (flags.positionals.length !== 1) throw new ValidationError(`Give one blotter FILE.\n\nUsage: ${importUsage}`);
  const file = requireFlag(flags.positionals[0], 'FILE', importUsage);
  const formatFlag = flags.string('format');
  const format = formatFlag === undefined ? undefined : blotterFormatSchema.safeParse(formatFlag).data;
  if (formatFlag !== undefined && format === undefined) throw new ValidationError(`--format must be csv or fix, not "${formatFlag}".`);
  const mappingFile = flags.string('mapping');
  const mapping = mappingFile === undefined ? undefined : mappingOf(mappingFile, await readCapped(mappingFile, MAPPING_MAX_BYTES, 'mapping file'));
  const blotter = await readBlotterFile(file);
  const report = await engine(ctx, ({ trades }) => trades.importer.importBlotter({ ...blotter, ...(format ? { format } : {}), ...(mapping ? { mapping } : {}) }, flags.string('case')));
  ctx.output.result(report, () => importReportText(report));
  return report.rejected.length > 0 ? 2 : 0;
}

export function importReportText(report: ImportReport): string {
  const lines = [
    `Imported ${report.fileName} (${report.format}, SHA-256 ${report.fileSha256.slice(0, 16)}…): ${report.rows} row(s): ` +
      `${report.inserted} inserted, ${report.updated} updated, ${report.unchanged} unchanged, ${report.rejected.length} rejected` +
      (report.skipped ? `; ${report.skipped} FIX message(s) that are not executions skipped` : ''),
  ];
  if (report.rejected.length > 0) lines.push(`Not loaded (${report.rejected.length}):`, ...report.rejected.map((r) => `  line ${r.line}: ${r.reason}`));
  return lines.join('\n');
}

/** A blotter file as the importer takes it: its name and bytes (at most BLOTTER_MAX_BYTES). */
export async function readBlotterFile(path: string): Promise<{ fileName: string; content: Uint8Array }> {
  return { fileName: basename(path), content: await readCapped(path, BLOTTER_MAX_BYTES, 'blotter') };
}

/** A file's bytes, read without following a symlink at its last component, refused when larger than `maxBytes`. */
async function readCapped(path: string, maxBytes: number, what: string): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(path, constants.O_RDONLY | NO_FOLLOW);
  } catch (error) {
    throw new ValidationError(`Cannot read the ${what} ${path}: ${describeCause(error)}`);
  }
  try {
    const stat = await handle.stat();
    const size = stat.size;
    if (!stat.isFile()) throw new ValidationError(`The ${what} ${path} is not a file.`);
    if (size > maxBytes) throw new ValidationError(`The ${what} ${path} is ${size} bytes; at most ${maxBytes} are read (split it and import each part).`);
    return new Uint8Array(await handle.readFile());
  } finally {
    await handle.close();
  }
}

function mappingOf(path: string, bytes: Uint8Array): Record<string, string> {
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as Record<string, string>;
  } catch (error) {
    throw new ValidationError(`The mapping file ${path} is not JSON: ${describeCause(error)}`);
  }
}
