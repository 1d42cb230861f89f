import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SeedConversation, SeedRecording } from '../../sandbox/dataset';
import { SANDBOX_CLIENT, startSandbox, type Sandbox } from '../../sandbox/server';
import { decodeWav } from '../../sandbox/wav';
import { apis, call, failure, loggedInClient } from './sdk';

const OTHER_CLIENT = { clientId: 'second-oauth-client', clientSecret: 'second-secret' };

type Recording = {
  id: string;
  conversationId: string;
  fileState: string;
  mediaUris?: Record<string, { mediaUri: string; waveformData: Array<number> }>;
  estimatedTranscodeTimeMs?: number;
  archiveMedium?: string;
  archiveDate: string;
  deleteDate: string;
  restoreExpirationTime?: string;
  outputSizeInBytes: number;
};

let sandbox: Sandbox;
let api: ReturnType<typeof apis>;

beforeAll(async () => {
  sandbox = await startSandbox({
    audioEngine: 'tones',
    archivedFraction: 0.1,
    batchDelayMs: 200,
    restoreDelayMs: 300,
    deletionProtectionCap: 5,
    rateLimitPerMinute: 100_000,
    clients: [SANDBOX_CLIENT, OTHER_CLIENT],
  });
  api = apis(await loggedInClient(sandbox));
});
afterAll(async () => {
  await sandbox.close();
});

/** A single-recording conversation with a short recording matching the predicate, to keep audio small. */
function pick(predicate: (recording: SeedRecording, conversation: SeedConversation) => boolean, exclude: Set<string> = used): SeedConversation {
  const found = sandbox.dataset.conversations.find((c) => {
    const recording = c.recordings[0];
    return c.recordings.length === 1 && recording && recording.durationMs <= 90_000 && !exclude.has(c.id) && predicate(recording, c);
  });
  if (!found) throw new Error('no conversation in the dataset fits the test');
  exclude.add(found.id);
  return found;
}
const used = new Set<string>();
const plain = (r: SeedRecording): boolean => r.fileState === 'AVAILABLE' && !r.transcodeOnFirstRequest;
const mediaUriOf = (recording: Recording | undefined): string => Object.values(recording?.mediaUris ?? {})[0]?.mediaUri ?? '';

async function playableUri(conversation: SeedConversation, opts: Record<string, unknown> = {}): Promise<string> {
  const recording = conversation.recordings[0] as SeedRecording;
  const response = await call<Recording>(api.recording.getConversationRecording(conversation.id, recording.id, { formatId: 'WAV', ...opts }));
  expect(response.status).toBe(200);
  return mediaUriOf(response.body);
}

describe('GET /conversations/{id}/recordings and /recordings/{id}', () => {
  it('answers 202 with empty mediaUris while transcoding, then 200 with a media URL', async () => {
    const conversation = pick((r) => r.transcodeOnFirstRequest);
    const first = await call<Array<Recording>>(api.recording.getConversationRecordings(conversation.id, { formatId: 'WAV', maxWaitMs: 2000 }));
    expect(first.status).toBe(202);
    expect(first.body[0]?.mediaUris).toEqual({});
    expect(first.body[0]?.estimatedTranscodeTimeMs).toBeGreaterThan(0);
    const second = await call<Array<Recording>>(api.recording.getConversationRecordings(conversation.id, { formatId: 'WAV' }));
    expect(second.status).toBe(200);
    expect(second.body[0]?.fileState).toBe('AVAILABLE');
    expect(second.body[0]?.mediaUris?.['0']).toEqual({ mediaUri: expect.stringMatching(new RegExp(`^${sandbox.url}/media/`)), waveformData: [] });

    const single = pick((r) => r.transcodeOnFirstRequest);
    const recordingId = single.recordings[0]?.id ?? '';
    const pending = await call<Recording>(api.recording.getConversationRecording(single.id, recordingId, { formatId: 'WAV' }));
    expect(pending.status).toBe(202);
    expect(pending.body.mediaUris).toBeUndefined();
    const ready = await call<Recording>(api.recording.getConversationRecording(single.id, recordingId, { formatId: 'WAV' }));
    expect(ready.status).toBe(200);
    expect(mediaUriOf(ready.body)).not.toBe('');
  });

  it('serves WAV only: the WEBM default and WAV-less mediaFormats get a 400 that says so', async () => {
    const conversation = pick(plain);
    const defaultFormat = await failure(api.recording.getConversationRecordings(conversation.id, {}));
    expect(defaultFormat.status).toBe(400);
    expect(defaultFormat.body.message).toMatch(/WAV only/);
    expect((await failure(api.recording.getConversationRecordings(conversation.id, { mediaFormats: ['MP3', 'OGG_OPUS'] }))).status).toBe(400);
    expect((await failure(api.recording.getConversationRecordings(conversation.id, { formatId: 'FLAC' as never }))).body.code).toBe('invalid.value');
    expect((await failure(api.recording.getConversationRecordings(conversation.id, { formatId: 'WAV', maxWaitMs: 0 }))).status).toBe(400);

    // The SDK joins arrays with commas; other clients repeat the key. Both work.
    const joined = await call<Array<Recording>>(api.recording.getConversationRecordings(conversation.id, { mediaFormats: ['MP3', 'WAV'] }));
    expect(mediaUriOf(joined.body[0])).not.toBe('');
    const token = (api.recording as unknown as { apiClient: { authData: { accessToken: string } } }).apiClient.authData.accessToken;
    const repeated = await fetch(`${sandbox.url}/api/v2/conversations/${conversation.id}/recordings?mediaFormats=MP3&mediaFormats=WAV`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(repeated.status).toBe(200);

    const metadataOnly = await call<Array<Recording>>(api.recording.getConversationRecordings(conversation.id, { formatId: 'NONE' }));
    expect(metadataOnly.status).toBe(200);
    expect(metadataOnly.body[0]?.mediaUris).toBeUndefined();
  });
});

describe('media URLs', () => {
  it('serve the WAV without Authorization, with Range, suffix ranges, HEAD and 416', async () => {
    const conversation = pick(plain);
    const recording = conversation.recordings[0] as SeedRecording;
    const uri = await playableUri(conversation);
    const full = await fetch(uri);
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('audio/wav');
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    expect(full.headers.get('content-disposition')).toBeNull();
    const bytes = Buffer.from(await full.arrayBuffer());
    expect(bytes.length).toBe(recording.sizeBytes);
    const wav = decodeWav(bytes);
    expect(wav).toMatchObject({ sampleRate: 8000, channels: 2, bitsPerSample: 16 });
    expect(wav.samples.length / 2).toBe(recording.durationMs * 8);

    const partial = await fetch(uri, { headers: { range: 'bytes=100-199' } });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe(`bytes 100-199/${bytes.length}`);
    expect(Buffer.from(await partial.arrayBuffer())).toEqual(bytes.subarray(100, 200));
    const tail = await fetch(uri, { headers: { range: 'bytes=-10' } });
    expect(Buffer.from(await tail.arrayBuffer())).toEqual(bytes.subarray(bytes.length - 10));
    const rest = await fetch(uri, { headers: { range: `bytes=${bytes.length - 5}-` } });
    expect(rest.headers.get('content-length')).toBe('5');
    await rest.arrayBuffer();

    const head = await fetch(uri, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(bytes.length));
    const outside = await fetch(uri, { headers: { range: `bytes=${bytes.length}-` } });
    expect(outside.status).toBe(416);
    expect(outside.headers.get('content-range')).toBe(`bytes */${bytes.length}`);

    const tampered = await fetch(uri.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')));
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('AccessDenied');
  });

  it('name the file for download=true&fileName=', async () => {
    const conversation = pick(plain);
    const uri = await playableUri(conversation, { download: true, fileName: 'audit-001' });
    const response = await fetch(uri, { method: 'HEAD' });
    expect(response.headers.get('content-disposition')).toBe('attachment; filename="audit-001.wav"');
  });

  it('produce the same bytes for the same seed, across sandboxes', async () => {
    const conversation = pick(plain);
    const first = createHash('sha256').update(Buffer.from(await (await fetch(await playableUri(conversation))).arrayBuffer())).digest('hex');
    const twin = await startSandbox({ audioEngine: 'tones' });
    try {
      const twinApi = apis(await loggedInClient(twin));
      const recordingId = conversation.recordings[0]?.id ?? '';
      const response = await call<Recording>(twinApi.recording.getConversationRecording(conversation.id, recordingId, { formatId: 'WAV' }));
      const second = createHash('sha256').update(Buffer.from(await (await fetch(mediaUriOf(response.body))).arrayBuffer())).digest('hex');
      expect(second).toBe(first);
    } finally {
      await twin.close();
    }
  });

  it('expire after the playback and batch TTLs with 403', async () => {
    const shortLived = await startSandbox({ audioEngine: 'tones', transcodeFraction: 0, archivedFraction: 0, playbackUrlTtlMinutes: 0.01, batchUrlTtlMinutes: 0.01, batchDelayMs: 0 });
    try {
      const shortApi = apis(await loggedInClient(shortLived));
      const conversation = shortLived.dataset.conversations.find((c) => (c.recordings[0]?.durationMs ?? 0) < 60_000) as SeedConversation;
      const recordingId = conversation.recordings[0]?.id ?? '';
      const settings = await call<Record<string, number>>(shortApi.recording.getRecordingSettings({}));
      expect(settings.body.recordingPlaybackUrlTtl).toBe(0.01);
      const playback = mediaUriOf((await call<Recording>(shortApi.recording.getConversationRecording(conversation.id, recordingId, { formatId: 'WAV' }))).body);
      const job = await call<{ id: string }>(shortApi.recording.postRecordingBatchrequests({ batchDownloadRequestList: [{ conversationId: conversation.id, recordingId }] }));
      const status = await call<{ results: Array<{ resultUrl: string }> }>(shortApi.recording.getRecordingBatchrequest(job.body.id));
      const batchUrl = status.body.results[0]?.resultUrl ?? '';
      expect((await fetch(playback, { method: 'HEAD' })).status).toBe(200);
      expect((await fetch(batchUrl, { method: 'HEAD' })).status).toBe(200);
      await sleep(700);
      for (const uri of [playback, batchUrl]) {
        const expired = await fetch(uri);
        expect(expired.status).toBe(403);
        expect(await expired.text()).toContain('Request has expired');
      }
    } finally {
      await shortLived.close();
    }
  });
});

describe('batch download', () => {
  it('rejects more than 100 items', async () => {
    const list = Array.from({ length: 101 }, () => ({ conversationId: sandbox.dataset.conversations[0]?.id ?? '' }));
    const error = await failure(api.recording.postRecordingBatchrequests({ batchDownloadRequestList: list }));
    expect(error.status).toBe(400);
    expect(error.body.message).toMatch(/100/);
  });

  it('runs InProgress then Completed, with URLs for available recordings and errors for archived and unknown ones', async () => {
    const available = pick(plain);
    const archived = pick((r) => r.fileState === 'ARCHIVED');
    const twoRecordings = sandbox.dataset.conversations.find((c) => c.recordings.length === 2 && c.recordings.every(plain)) as SeedConversation;
    const submitted = await call<{ id: string; selfUri: string }>(
      api.recording.postRecordingBatchrequests({
        batchDownloadRequestList: [
          { conversationId: available.id, recordingId: available.recordings[0]?.id },
          { conversationId: archived.id, recordingId: archived.recordings[0]?.id },
          { conversationId: twoRecordings.id },
          { conversationId: '00000000-0000-4000-8000-000000000000' },
        ],
      }),
    );
    expect(submitted.body.selfUri).toBe(`/api/v2/recording/batchrequests/${submitted.body.id}`);
    type Status = {
      status: string;
      expectedResultCount: number;
      resultCount: number;
      errorCount: number;
      results: Array<{ conversationId: string; recordingId?: string; resultUrl?: string; contentType?: string; errorMsg?: string }>;
    };
    const early = await call<Status>(api.recording.getRecordingBatchrequest(submitted.body.id));
    expect(early.body.status).toBe('InProgress');
    expect(early.body.expectedResultCount).toBe(5);
    expect(early.body.resultCount).toBeLessThan(5);

    const other = apis(await loggedInClient(sandbox, OTHER_CLIENT));
    expect((await failure(other.recording.getRecordingBatchrequest(submitted.body.id))).status).toBe(404);

    let done = early.body;
    for (let poll = 0; poll < 20 && done.status !== 'Completed'; poll += 1) {
      await sleep(50);
      done = (await call<Status>(api.recording.getRecordingBatchrequest(submitted.body.id))).body;
    }
    expect(done).toMatchObject({ status: 'Completed', expectedResultCount: 5, resultCount: 5, errorCount: 2 });
    const ok = done.results.filter((r) => r.resultUrl);
    expect(ok.map((r) => r.recordingId)).toEqual([available.recordings[0]?.id, ...twoRecordings.recordings.map((r) => r.id)]);
    expect(ok.every((r) => r.contentType === 'audio/wav')).toBe(true);
    expect(done.results.find((r) => r.conversationId === archived.id)?.errorMsg).toMatch(/archived/i);
    expect(done.results.find((r) => r.conversationId.startsWith('00000000'))?.errorMsg).toMatch(/not found/i);
    const media = await fetch(ok[0]?.resultUrl ?? '');
    expect(media.status).toBe(200);
    expect(Buffer.from(await media.arrayBuffer()).length).toBe(available.recordings[0]?.sizeBytes);
  });
});

describe('archived recordings, restore and deletion', () => {
  it('shows archived recordings without media, and restores them through a new archiveDate', async () => {
    const conversation = pick((r) => r.fileState === 'ARCHIVED');
    const recordingId = conversation.recordings[0]?.id ?? '';
    const listed = await call<Array<Recording>>(api.recording.getConversationRecordings(conversation.id, { formatId: 'WAV' }));
    expect(listed.status).toBe(200);
    expect(listed.body[0]).toMatchObject({ fileState: 'ARCHIVED', archiveMedium: 'CLOUDARCHIVE' });
    expect(listed.body[0]).not.toHaveProperty('mediaUris');
    expect(Date.parse(listed.body[0]?.archiveDate ?? '')).toBeLessThan(Date.parse(sandbox.dataset.anchor));

    const past = await failure(api.recording.putConversationRecording(conversation.id, recordingId, { archiveDate: '2020-01-01T00:00:00Z' } as never));
    expect(past.status).toBe(400);
    const until = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const restoring = await call<Recording>(api.recording.putConversationRecording(conversation.id, recordingId, { archiveDate: until } as never));
    expect(restoring.body.fileState).toBe('RESTORING');
    const metadata = await call<Recording>(api.recording.getConversationRecordingmetadataRecordingId(conversation.id, recordingId));
    expect(metadata.body.fileState).toBe('RESTORING');
    expect(mediaUriOf((await call<Recording>(api.recording.getConversationRecording(conversation.id, recordingId, { formatId: 'WAV' }))).body)).toBe('');

    await sleep(350);
    const restored = await call<Recording>(api.recording.getConversationRecording(conversation.id, recordingId, { formatId: 'WAV' }));
    expect(restored.body).toMatchObject({ fileState: 'RESTORED', restoreExpirationTime: until, archiveDate: until });
    const media = await fetch(mediaUriOf(restored.body), { headers: { range: 'bytes=0-3' } });
    expect(media.status).toBe(206);
    expect(await media.text()).toBe('RIFF');
  });

  it('treats a deleted recording as gone: metadata says DELETED, the recording and its media answer 404', async () => {
    const conversation = pick(plain);
    const recordingId = conversation.recordings[0]?.id ?? '';
    const uri = await playableUri(conversation);
    sandbox.deleteRecording(conversation.id, recordingId);
    expect((await failure(api.recording.getConversationRecording(conversation.id, recordingId, { formatId: 'WAV' }))).status).toBe(404);
    const listed = await call<Array<Recording>>(api.recording.getConversationRecordings(conversation.id, { formatId: 'WAV' }));
    expect(listed.body[0]).toMatchObject({ fileState: 'DELETED', outputSizeInBytes: 0 });
    expect(listed.body[0]).not.toHaveProperty('mediaUris');
    expect((await call<Recording>(api.recording.getConversationRecordingmetadataRecordingId(conversation.id, recordingId))).body.fileState).toBe('DELETED');
    expect((await fetch(uri)).status).toBe(404);
  });
});

describe('recording configuration, retention and legal hold', () => {
  it('exposes the URL TTLs and the seeded retention policies, paged', async () => {
    const settings = await call<Record<string, unknown>>(api.recording.getRecordingSettings({}));
    expect(settings.body).toMatchObject({ recordingPlaybackUrlTtl: 60, recordingBatchDownloadUrlTtl: 60 });
    type Policy = { name: string; enabled: boolean; mediaPolicies: { callPolicy: { actions: { retentionDuration: { deleteRetention: { days: number } } } } } };
    const page = await call<{ entities: Array<Policy>; total: number; pageCount: number; nextUri?: string }>(
      api.recording.getRecordingMediaretentionpolicies({ pageSize: 2, pageNumber: 1, summary: false }),
    );
    expect(page.body).toMatchObject({ total: 3, pageCount: 2 });
    expect(page.body.nextUri).toBeDefined();
    const enabled = await call<{ entities: Array<Policy> }>(api.recording.getRecordingMediaretentionpolicies({ enabled: true }));
    expect(enabled.body.entities).toHaveLength(2);
    const trading = enabled.body.entities.find((p) => p.name.includes('MiFID')) as Policy;
    expect(trading.mediaPolicies.callPolicy.actions.retentionDuration.deleteRetention.days).toBeGreaterThanOrEqual(1825);
  });

  it('protects conversations from deletion, reports failures and enforces the org cap', async () => {
    const ids = sandbox.dataset.conversations.slice(0, 8).map((c) => c.id);
    const unknown = '00000000-0000-4000-8000-000000000000';
    const first = await call<{ failedUpdates: Array<{ conversation: { id: string }; errorCode: string }> }>(
      api.recording.putRecordingsDeletionprotection({ protect: true, body: { conversationIds: [ids[0], ids[1], unknown] } } as never),
    );
    expect(first.body.failedUpdates.map((f) => [f.conversation.id, f.errorCode])).toEqual([[unknown, 'not.found']]);
    const listed = await call<Array<{ id: string }>>(api.recording.postRecordingsDeletionprotection({ conversationIds: ids }));
    expect(listed.body.map((r) => r.id)).toEqual([ids[0], ids[1]]);

    const capped = await call<{ failedUpdates: Array<{ conversation: { id: string }; errorCode: string }> }>(
      api.recording.putRecordingsDeletionprotection({ protect: true, body: { conversationIds: ids.slice(2) } } as never),
    );
    // The cap is 5 in this sandbox: two already, three more fit, the last three fail.
    expect(capped.body.failedUpdates.map((f) => f.conversation.id)).toEqual(ids.slice(5));
    expect(capped.body.failedUpdates.every((f) => f.errorCode === 'deletion.protection.limit.exceeded')).toBe(true);
    await call(api.recording.putRecordingsDeletionprotection({ protect: false, body: { conversationIds: [ids[0]] } } as never));
    const after = await call<Array<{ id: string }>>(api.recording.postRecordingsDeletionprotection({ conversationIds: ids }));
    expect(after.body.map((r) => r.id)).toEqual(ids.slice(1, 5));
    const token = (api.recording as unknown as { apiClient: { authData: { accessToken: string } } }).apiClient.authData.accessToken;
    const noFlag = await fetch(`${sandbox.url}/api/v2/recordings/deletionprotection`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ conversationIds: [ids[0]] }),
    });
    expect(noFlag.status).toBe(400);
  });
});
