import { randomUUID } from 'node:crypto';
import { ValidationError } from '../../services/errors';
import { createWormS3Client } from '../../services/worm/s3-client';
import { ensureLockedBucket } from '../../services/worm/locked-objects';
import { localWormStatus, startLocalWorm, stopLocalWorm } from '../../services/worm/local-worm';
import { intFlag, parseFlags } from '../args';
import { composeProfileSettings } from '../../services/composition/compose-settings';
import type { CommandContext } from '../context';

const usage = 'custody worm start [--retention-days N] | stop | status';
const AUDIT_BUCKET = 'custody-audit';
const ARCHIVE_BUCKET = 'custody-archive';

/** `custody worm start|stop|status`: the local radosgw WORM store for the embedded setup. */
export async function wormCommand(ctx: CommandContext, argv: ReadonlyArray<string>): Promise<number> {
  const flags = parseFlags(argv, { 'retention-days': { type: 'string' } }, usage);
  const [action] = flags.positionals;
  switch (action) {
    case 'start': {
      const retentionDays = intFlag(flags.string('retention-days'), '--retention-days', { min: 1, max: 36_500 }) ?? 1826;
      const current = await localWormStatus();
      if (current.running) throw new ValidationError(`A local WORM store already runs at ${current.endpoint}; stop it first.`);
      const worm = await startLocalWorm({ stopWithProcess: false });
      const s3 = createWormS3Client(worm.connection);
      await ensureLockedBucket(s3, { bucket: AUDIT_BUCKET, mode: 'COMPLIANCE', defaultRetentionDays: retentionDays });
      // The recordings' archive: same store, its own Object Lock bucket (each object gets its own retention).
      await ensureLockedBucket(s3, { bucket: ARCHIVE_BUCKET, mode: 'COMPLIANCE', defaultRetentionDays: retentionDays });
      const store = composeProfileSettings({ profile: ctx.profile });
      await store.vault.saveWorm({ accessKeyId: worm.connection.accessKeyId, secretAccessKey: worm.connection.secretAccessKey });
      // A new store is a new log: its chain starts at event 0 under a fresh log id.
      await store.update((p) => ({
        ...p,
        logId: randomUUID(),
        worm: {
          endpoint: worm.connection.endpoint,
          region: worm.connection.region,
          auditBucket: AUDIT_BUCKET,
          mode: 'COMPLIANCE',
          auditRetentionDays: retentionDays,
          archiveBucket: ARCHIVE_BUCKET,
        },
      }));
      ctx.output.result({ running: true, endpoint: worm.connection.endpoint, bucket: AUDIT_BUCKET, archiveBucket: ARCHIVE_BUCKET, retentionDays, runDir: worm.runDir }, () =>
        [
          `WORM store running at ${worm.connection.endpoint} (${worm.runDir})`,
          `  audit bucket "${AUDIT_BUCKET}": Object Lock COMPLIANCE, default retention ${retentionDays} days`,
          `  archive bucket "${ARCHIVE_BUCKET}": Object Lock COMPLIANCE, default retention ${retentionDays} days`,
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
