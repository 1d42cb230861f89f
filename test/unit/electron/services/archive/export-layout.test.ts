import { describe, expect, it } from 'vitest';
import { exportDayPrefixes, exportMetadataSchema, exportProblems, parseExportKey, type ExportKey } from '../../../../../electron/services/archive/export-layout';

const ORG = '6f1a2b3c-0000-4000-8000-0123456789ab';
const folder = `${ORG}/year=2026/month=11/day=25/hour=09/conversation_id=c0ffee00-1111-4222-8333-444455556666/`;

describe('parseExportKey', () => {
  it('reads a recording and its metadata in Genesys’s layout', () => {
    expect(parseExportKey(`${folder}aaaa-bbbb.wav`, ORG)).toEqual({
      orgId: ORG,
      hourMs: Date.UTC(2026, 10, 25, 9),
      conversationId: 'c0ffee00-1111-4222-8333-444455556666',
      recordingId: 'aaaa-bbbb',
      kind: 'media',
      extension: 'wav',
    });
    expect(parseExportKey(`${folder}aaaa-bbbb_metadata.json`, ORG)).toMatchObject({ recordingId: 'aaaa-bbbb', kind: 'metadata', extension: null });
  });

  it.each([
    ['another org', `other-org/year=2026/month=11/day=25/hour=09/conversation_id=c1/r1.wav`],
    ['a traversal in the conversation', `${ORG}/year=2026/month=11/day=25/hour=09/conversation_id=../r1.wav`],
    ['a dot-dot recording', `${folder}...wav`],
    ['an extra folder', `${folder}sub/r1.wav`],
    ['a slash-free but hostile id', `${folder}r1;rm -rf.wav`],
    ['an id with a control character', `${folder}r1\u001b[2K.wav`],
    ['an impossible date', `${ORG}/year=2026/month=02/day=30/hour=09/conversation_id=c1/r1.wav`],
    ['hour 24', `${ORG}/year=2026/month=11/day=25/hour=24/conversation_id=c1/r1.wav`],
    ['a missing partition', `${ORG}/year=2026/month=11/hour=09/conversation_id=c1/r1.wav`],
    ['an upper-case extension', `${folder}r1.WAV`],
    ['a leading slash', `/${folder}r1.wav`],
    ['an id over 64 characters', `${folder}${'a'.repeat(65)}.wav`],
    ['a metadata name without an id', `${folder}_metadata.json`],
  ])('refuses %s', (_what, key) => {
    expect(parseExportKey(key, ORG)).toBeNull();
  });

  it('takes the org only as configured, never as a pattern', () => {
    expect(parseExportKey(`${folder}r1.wav`, '.*')).toBeNull();
  });
});

describe('exportDayPrefixes', () => {
  it('lists each day of the window and one either side', () => {
    const prefixes = exportDayPrefixes(ORG, Date.UTC(2026, 11, 31, 12), Date.UTC(2027, 0, 1, 12));
    expect(prefixes).toEqual([
      `${ORG}/year=2026/month=12/day=30/`,
      `${ORG}/year=2026/month=12/day=31/`,
      `${ORG}/year=2027/month=01/day=01/`,
      `${ORG}/year=2027/month=01/day=02/`,
    ]);
  });
});

describe('exportProblems', () => {
  const key: ExportKey = { orgId: ORG, hourMs: 0, conversationId: 'c1', recordingId: 'r1', kind: 'media', extension: 'wav' };
  const sha = 'a'.repeat(64);
  const startMs = Date.UTC(2026, 10, 25, 9, 5);
  const listed = { conversationId: 'c1', recordingId: 'r1', startMs, endMs: startMs + 60_000 };
  const metadata = exportMetadataSchema.parse({
    conversationId: 'c1',
    recordingId: 'r1',
    organizationId: ORG,
    startTime: new Date(startMs).toISOString(),
    endTime: new Date(startMs + 60_000).toISOString(),
    fileSizeBytes: 100,
    sha256: sha,
    participants: [{ purpose: 'agent' }],
  });
  const good = { key, metadata, listed, object: { bytes: 100, sha256: sha }, versions: 1 };

  it('accepts an export that matches its metadata and the listing', () => {
    expect(exportProblems(good)).toEqual([]);
  });

  it('names each disagreement', () => {
    expect(exportProblems({ ...good, object: { bytes: 100, sha256: 'b'.repeat(64) } })).toEqual([`its SHA-256 is ${'b'.repeat(64)}, its metadata says ${sha}`]);
    expect(exportProblems({ ...good, object: { bytes: 99, sha256: sha } })).toEqual(['it holds 99 bytes, its metadata says 100']);
    expect(exportProblems({ ...good, versions: 2 })[0]).toMatch(/2 versions/);
    expect(exportProblems({ ...good, metadata: { ...metadata, recordingId: 'r2' } })[0]).toMatch(/metadata names c1\/r2/);
    expect(exportProblems({ ...good, listed: { ...listed, recordingId: 'r9' } })).toHaveLength(2);
    expect(exportProblems({ ...good, metadata: { ...metadata, organizationId: 'someone-else' } })[0]).toMatch(/org someone-else/);
    expect(exportProblems({ ...good, metadata: { ...metadata, startTime: new Date(startMs + 5000).toISOString() } })[0]).toMatch(/startTime/);
    expect(exportProblems({ ...good, metadata: { ...metadata, endTime: 'yesterday' } })[0]).toMatch(/endTime/);
  });

  it('checks no hash when Genesys gives none, but still size and ids', () => {
    const { sha256: _dropped, ...withoutHash } = metadata;
    expect(exportProblems({ ...good, metadata: withoutHash, object: { bytes: 100, sha256: 'c'.repeat(64) } })).toEqual([]);
  });

  it('refuses metadata without ids or with a malformed hash', () => {
    expect(exportMetadataSchema.safeParse({ recordingId: 'r1' }).success).toBe(false);
    expect(exportMetadataSchema.safeParse({ conversationId: 'c1', recordingId: 'r1', sha256: 'XYZ' }).success).toBe(false);
    expect(exportMetadataSchema.safeParse({ conversationId: 'c'.repeat(10_000), recordingId: 'r1' }).success).toBe(false);
    expect(exportMetadataSchema.safeParse({ conversationId: 'c1', recordingId: 'r1', contentType: 'audio/wav\r\nX-Evil: 1' }).success).toBe(false);
  });
});
