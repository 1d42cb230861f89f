import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { JobItemRecord } from '../../../../../electron/db/repositories/jobs-repository';
import { testTempDir } from '../../../../helpers/temp-dir';
import { extensionFor, recordingFilePath, safeSegment, writeManifest } from '../../../../../electron/services/bulk/output-layout';

const item = (extra: Partial<JobItemRecord> = {}): JobItemRecord => ({
  conversationId: 'c-1',
  recordingId: 'r-1',
  tradingId: 'T-20260114-0042',
  clientAccount: 'ACC-1',
  startMs: Date.UTC(2026, 0, 14, 9, 30),
  state: 'done',
  reason: null,
  attempts: 1,
  path: 'T-20260114-0042/2026-01-14/c-1_r-1.wav',
  bytes: 10,
  sha256: 'ab'.repeat(32),
  contentType: 'audio/wav',
  auditEventId: 'e-1',
  source: 'batch',
  doneMs: Date.UTC(2026, 10, 1),
  updatedMs: 0,
  ...extra,
});

describe('output layout', () => {
  it('files a recording by trading ID and day, untagged calls apart, names safe on any file system', () => {
    expect(recordingFilePath(item(), 'audio/wav')).toBe(join('T-20260114-0042', '2026-01-14', 'c-1_r-1.wav'));
    expect(recordingFilePath(item({ tradingId: null }), 'audio/ogg')).toBe(join('_untagged', '2026-01-14', 'c-1_r-1.ogg'));
    expect(recordingFilePath(item({ tradingId: '../../etc/T 1', startMs: null }), 'application/x-unknown')).toBe(join('__.._etc_T_1', 'undated', 'c-1_r-1.bin'));
    expect(safeSegment('...')).toBe('_');
    expect(extensionFor('audio/mpeg')).toBe('mp3');
  });

  it('writes manifest.csv of retrieved files and manifest.json with what was not retrieved, without temporary files', async () => {
    const dir = await testTempDir('custody-manifest-');
    await writeManifest(
      dir,
      {
        id: 'job-1',
        caseReference: 'FCA-1',
        selection: { kind: 'queue', queue: 'FX', from: '2026-01-01T00:00:00.000Z', to: '2026-02-01T00:00:00.000Z' },
        state: 'done-with-failures',
        createdAt: '2026-11-01T00:00:00.000Z',
        finishedAt: null,
        counts: { total: 2, pending: 0, fetching: 0, done: 1, failed: 0, archived: 1 },
        inputProblems: [],
      },
      [item(), item({ recordingId: 'r-2', state: 'archived', reason: 'Archived in Genesys', path: null, sha256: null })],
    );
    expect((await readdir(dir)).sort()).toEqual(['manifest.csv', 'manifest.json']);
    const csv = (await readFile(join(dir, 'manifest.csv'), 'utf8')).split('\r\n');
    expect(csv[0]).toBe('recording_id,conversation_id,trading_id,client_account,conversation_start,file,bytes,sha256,content_type,retrieved_at,audit_event_id,source');
    expect(csv[1]).toBe(`r-1,c-1,T-20260114-0042,ACC-1,2026-01-14T09:30:00.000Z,T-20260114-0042/2026-01-14/c-1_r-1.wav,10,${'ab'.repeat(32)},audio/wav,2026-11-01T00:00:00.000Z,e-1,batch`);
    expect(csv).toHaveLength(3);
    const json = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8'));
    expect(json.notRetrieved).toEqual([{ recordingId: 'r-2', conversationId: 'c-1', tradingId: 'T-20260114-0042', state: 'archived', reason: 'Archived in Genesys' }]);
  });
});
