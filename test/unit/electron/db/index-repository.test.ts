import { describe, expect, it } from 'vitest';
import { openDatabaseSync } from '../../../../electron/db/connection';
import { latestSchemaVersion } from '../../../../electron/db/migrate';
import { createIndexRepository, mergeWindows, uncovered } from '../../../../electron/db/repositories/index-repository';
import { conversationRow } from '../../../helpers/index-rows';

const conv = conversationRow;

describe('index repository', () => {
  it('migrates a new database to the latest schema with WAL on a file', () => {
    const db = openDatabaseSync(':memory:');
    expect(db.pragma('user_version', { simple: true })).toBe(latestSchemaVersion());
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('finds calls by trading id (case-insensitive), client account, agent prefix, queue and range', async () => {
    const repo = createIndexRepository(openDatabaseSync(':memory:'));
    await repo.upsertConversations(
      [
        conv('c1', 1000, { tradingId: 'T-1', clientAccount: 'ACC-1' }),
        conv('c2', 2000, { tradingId: 'T-2', clientAccount: 'ACC-1', queueName: 'Rates Desk', agentName: 'Ben Cole' }),
        conv('c3', 3000),
      ],
      10,
    );
    await repo.replaceRecordings('c1', [{ id: 'r1', startMs: 1000, endMs: 61_000, media: 'audio', fileState: 'AVAILABLE', archiveDate: null, deleteDate: null }], 11);
    expect((await repo.search({ tradingId: 't-1' }, 10)).map((m) => [m.conversationId, m.recordingId])).toEqual([['c1', 'r1']]);
    expect((await repo.search({ clientAccount: 'ACC-1' }, 10)).map((m) => m.conversationId)).toEqual(['c2', 'c1']);
    expect((await repo.search({ agent: 'ben' }, 10)).map((m) => m.conversationId)).toEqual(['c2']);
    expect((await repo.search({ queue: 'FX Spot', fromMs: 1500, toMs: 4000 }, 10)).map((m) => m.conversationId)).toEqual(['c3']);
    expect((await repo.search({ agent: '%' }, 10))).toEqual([]);
    expect(await repo.findRecording('r1')).toMatchObject({ conversationId: 'c1', tradingId: 'T-1', fileState: 'AVAILABLE' });
  });

  it('merges coverage windows and reports the gaps still to sync', async () => {
    expect(mergeWindows([
      { fromMs: 10, toMs: 20, syncedMs: 5 },
      { fromMs: 0, toMs: 10, syncedMs: 7 },
      { fromMs: 30, toMs: 40, syncedMs: 9 },
    ])).toEqual([
      { fromMs: 0, toMs: 20, syncedMs: 5 },
      { fromMs: 30, toMs: 40, syncedMs: 9 },
    ]);
    expect(uncovered(0, 50, [{ fromMs: 10, toMs: 20, syncedMs: 1 }, { fromMs: 30, toMs: 40, syncedMs: 1 }])).toEqual([
      [0, 10],
      [20, 30],
      [40, 50],
    ]);
    expect(uncovered(12, 18, [{ fromMs: 10, toMs: 20, syncedMs: 1 }])).toEqual([]);
    const repo = createIndexRepository(openDatabaseSync(':memory:'));
    await repo.addCoverage(0, 10, 1);
    await repo.addCoverage(10, 20, 2);
    expect(await repo.coverage()).toEqual([{ fromMs: 0, toMs: 20, syncedMs: 1 }]);
  });
});
