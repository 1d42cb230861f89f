import { resolve } from 'node:path';
import { caseReferenceSchema } from '../../../shared/domain';
import { tradeIdSchema, type MatchWindow } from '../../../shared/trades';
import { ValidationError } from '../../services/errors';
import { intFlag, parseFlags, requireFlag } from '../args';
import { withEngine, type CommandContext } from '../context';

const usage = 'custody reconstruct --trade TRADE_ID --case REF --out PATH [--zip] [--window-before M] [--window-after M] [--json]';

/**
 * `custody reconstruct`: a trade's evidence pack (the trade as imported, every call of its trader and
 * client around the execution with their recordings, timeline.json and the offline viewer's timeline),
 * audited as an export before any byte is written, signed and verified like `custody pack build`.
 */
export async function reconstructCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(
    argv,
    {
      trade: { type: 'string' },
      case: { type: 'string' },
      out: { type: 'string' },
      zip: { type: 'boolean' },
      'window-before': { type: 'string' },
      'window-after': { type: 'string' },
    },
    usage,
  );
  if (flags.positionals.length > 0) throw new ValidationError(`Unexpected argument "${flags.positionals[0]}".\n\nUsage: ${usage}`);
  const trade = tradeIdSchema.safeParse(requireFlag(flags.string('trade'), '--trade', usage));
  if (!trade.success) throw new ValidationError(`--trade: ${trade.error.issues[0]?.message}`);
  const caseRef = caseReferenceSchema.safeParse(requireFlag(flags.string('case'), '--case', usage));
  if (!caseRef.success) throw new ValidationError(`--case: ${caseRef.error.issues[0]?.message}`);
  const outPath = resolve(requireFlag(flags.string('out'), '--out', usage));
  const before = intFlag(flags.string('window-before'), '--window-before', { min: 0, max: 1440 });
  const after = intFlag(flags.string('window-after'), '--window-after', { min: 0, max: 1440 });
  const result = await withEngine(ctx, async ({ trades, profile }) => {
    const window: MatchWindow = { beforeMinutes: before ?? profile.trades.windowBeforeMinutes, afterMinutes: after ?? profile.trades.windowAfterMinutes };
    return trades.reconstruction.reconstruct({ tradeId: trade.data, caseReference: caseRef.data, outPath, zip: flags.bool('zip'), window });
  });
  ctx.output.result(result, () =>
    [
      `Reconstruction of trade ${result.tradeId} written: ${result.path}`,
      `  ${result.recordings} recording(s)${result.recordings === 0 ? ' — no recorded call of the trader or the client in the window (the pack says so)' : ''}, ${result.payloadFiles} payload files, ${result.payloadBytes} bytes, case ${result.caseReference}`,
      `  export audited as ${result.exportEventId}; signed with key ${result.signingKeyId}`,
      `  verification: ${result.verified ? 'VERIFIED (the checks of custody pack verify)' : 'NOT VERIFIED'}`,
    ].join('\n'),
  );
  return 0;
}
