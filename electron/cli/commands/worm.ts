import { profileNameSchema } from '../../services/config/profile';
import { ValidationError } from '../../services/errors';
import { createWormS3Client } from '../../services/worm/s3-client';
import { ensureLockedBucket, type LockMode } from '../../services/worm/locked-objects';
import { localWormStatus, startLocalWorm, stopLocalWorm } from '../../services/worm/local-worm';
import { connectWormStore, wormConnectionOf, type WormConnectResult } from '../../services/worm/worm-connection';
import { intFlag, parseFlags, requireFlag } from '../args';
import { composeProfileSettings } from '../../services/composition/compose-settings';
import type { CommandContext } from '../context';
import { readSecret } from '../secret-input';

const usage = `custody worm start [--retention-days N] | stop | status
       custody worm connect --endpoint URL --access-key ID --audit-bucket NAME --archive-bucket NAME [--region R]
                            [--mode COMPLIANCE|GOVERNANCE] [--retention-days N] [--force]   (the secret access key is read from stdin or a prompt)
       custody worm connect --from-profile OTHER [--force]`;
const AUDIT_BUCKET = 'custody-audit';
const ARCHIVE_BUCKET = 'custody-archive';

/** `custody worm start|stop|status`: the local radosgw WORM store for the embedded setup. */
export async function wormCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(
    argv,
    {
      'retention-days': { type: 'string' },
      endpoint: { type: 'string' },
      'access-key': { type: 'string' },
      'audit-bucket': { type: 'string' },
      'archive-bucket': { type: 'string' },
      region: { type: 'string' },
      mode: { type: 'string' },
      'from-profile': { type: 'string' },
      force: { type: 'boolean' },
    },
    usage,
  );
  const [action] = flags.positionals;
  const retentionDays = intFlag(flags.string('retention-days'), '--retention-days', { min: 1, max: 36_500 });
  switch (action) {
    case 'connect': {
      const store = composeProfileSettings({ profile: ctx.profile });
      const from = flags.string('from-profile');
      let request;
      if (from !== undefined) {
        const given = ['endpoint', 'access-key', 'audit-bucket', 'archive-bucket', 'region', 'mode', 'retention-days'].filter((name) => flags.string(name) !== undefined);
        if (given.length > 0) throw new ValidationError(`--from-profile copies the other profile's connection as it is; drop ${given.map((n) => `--${n}`).join(', ')}.`);
        const other = profileNameSchema.safeParse(from);
        if (!other.success) throw new ValidationError(`--from-profile "${from}" is not a profile name (letters, digits, - and _).`);
        if (other.data === ctx.profile) throw new ValidationError(`--from-profile names this profile ("${ctx.profile}"); give another one.`);
        request = await wormConnectionOf(composeProfileSettings({ profile: other.data }));
      } else {
        const mode = flags.string('mode');
        if (mode !== undefined && mode !== 'COMPLIANCE' && mode !== 'GOVERNANCE') throw new ValidationError(`--mode must be COMPLIANCE or GOVERNANCE, not "${mode}".`);
        const endpoint = requireFlag(flags.string('endpoint'), '--endpoint', usage);
        const accessKeyId = requireFlag(flags.string('access-key'), '--access-key', usage);
        const auditBucket = requireFlag(flags.string('audit-bucket'), '--audit-bucket', usage);
        const archiveBucket = requireFlag(flags.string('archive-bucket'), '--archive-bucket', usage);
        const secretAccessKey = (await readSecret('Secret access key: ')).trim();
        if (!secretAccessKey) throw new ValidationError('No secret access key was given (pipe it on stdin or type it at the prompt). Nothing was saved.');
        request = {
          endpoint,
          accessKeyId,
          secretAccessKey,
          auditBucket,
          archiveBucket,
          ...(flags.string('region') !== undefined ? { region: flags.string('region') } : {}),
          ...(mode !== undefined ? { mode: mode as LockMode } : {}),
          ...(retentionDays !== undefined ? { auditRetentionDays: retentionDays } : {}),
        };
      }
      const connected = await connectWormStore(store, request, { force: flags.bool('force') });
      ctx.output.result({ ...connected, from: from ?? null }, () => describeConnection(connected, from));
      return 0;
    }
    case 'start': {
      const days = retentionDays ?? 1826;
      const current = await localWormStatus();
      if (current.running) throw new ValidationError(`A local WORM store already runs at ${current.endpoint}; stop it first.`);
      const worm = await startLocalWorm({ stopWithProcess: false });
      const s3 = createWormS3Client(worm.connection);
      await ensureLockedBucket(s3, { bucket: AUDIT_BUCKET, mode: 'COMPLIANCE', defaultRetentionDays: days });
      // The recordings' archive: same store, its own Object Lock bucket (each object gets its own retention).
      await ensureLockedBucket(s3, { bucket: ARCHIVE_BUCKET, mode: 'COMPLIANCE', defaultRetentionDays: days });
      s3.destroy();
      // A new store is a new log: its chain starts at event 0 under a fresh log id.
      await connectWormStore(
        composeProfileSettings({ profile: ctx.profile }),
        { ...worm.connection, auditBucket: AUDIT_BUCKET, archiveBucket: ARCHIVE_BUCKET, mode: 'COMPLIANCE', auditRetentionDays: days },
        { newStore: true },
      );
      ctx.output.result({ running: true, endpoint: worm.connection.endpoint, bucket: AUDIT_BUCKET, archiveBucket: ARCHIVE_BUCKET, retentionDays: days, runDir: worm.runDir }, () =>
        [
          `WORM store running at ${worm.connection.endpoint} (${worm.runDir})`,
          `  audit bucket "${AUDIT_BUCKET}": Object Lock COMPLIANCE, default retention ${days} days`,
          `  archive bucket "${ARCHIVE_BUCKET}": Object Lock COMPLIANCE, default retention ${days} days`,
          `  profile "${ctx.profile}" records it; access keys stored in the OS keychain`,
        ].join('\n'),
      );
      return 0;
    }
    case 'stop': {
      const status = await localWormStatus();
      if (status.runDir) await stopLocalWorm(status.runDir);
      ctx.output.result({ running: false, stopped: status.runDir }, () => (status.runDir ? `WORM store stopped (${status.runDir})` : 'No local WORM store was running.'));
      return 0;
    }
    case 'status': {
      const status = await localWormStatus();
      ctx.output.result(status, () => (status.running ? `WORM store running at ${status.endpoint}` : `WORM store not running${status.reason ? `: ${status.reason}` : ''}`));
      return status.running ? 0 : 3;
    }
    default:
      throw new ValidationError(`Unknown worm action "${action ?? ''}".\n\nUsage: ${usage}`);
  }
}

function describeConnection(connected: WormConnectResult, from: string | undefined): string {
  return [
    `Profile "${connected.profile}" is connected to the WORM store at ${connected.endpoint}${from ? ` (copied from profile "${from}")` : ''}`,
    `  audit bucket "${connected.auditBucket}" and archive bucket "${connected.archiveBucket}": Object Lock enabled; records ${connected.mode}, ${connected.auditRetentionDays} days`,
    `  audit log ${connected.logId}${connected.newLog ? ' (new: this installation\'s own log and signing key)' : ' (unchanged: same store)'}`,
    '  access keys stored in the OS keychain',
  ].join('\n');
}
