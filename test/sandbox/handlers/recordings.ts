import { randomUUID } from 'node:crypto';
import type { Models } from 'purecloud-platform-client-v2';
import type { SeedConversation, SeedRecording } from '../dataset';
import { badRequest, isRecord, notFound, parseInstant, queryBool, queryInt, queryList, requireObject, SandboxHttpError } from '../http';
import type { Route, SandboxContext } from '../routes';
import { recordingView, type MediaUris } from '../views';
import { RECORDING_VIEW_PERMISSIONS } from '../permissions';

/** Recordings with media (5.5, 5.6), retention updates and restores, batch download (5.8) and deletion protection. */

const VOICE_FORMATS = ['WAV', 'WEBM', 'WAV_ULAW', 'OGG_VORBIS', 'OGG_OPUS', 'MP3', 'NONE'];
const BATCH_MAX_ITEMS = 100;
const MEDIA_CONTENT_TYPE = 'audio/wav';

/**
 * The sandbox serves WAV only. A request that cannot take WAV gets a 400 that says so, rather than media in a
 * format the client did not ask for. NONE means metadata only.
 */
export function resolveFormat(query: URLSearchParams): 'WAV' | 'NONE' {
  const invalid = (name: string, value: string): SandboxHttpError =>
    new SandboxHttpError(400, 'invalid.value', `${name} has an unknown value "${value}"; voice formats are ${VOICE_FORMATS.join(', ')}.`, [{ fieldName: name }]);
  const wavOnly = (asked: string, field: string): SandboxHttpError =>
    new SandboxHttpError(
      400,
      'bad.request',
      `The sandbox serves recordings as WAV only, and this request does not accept WAV (${field}=${asked}). Ask for formatId=WAV or include WAV in mediaFormats.`,
      [{ errorCode: 'unsupported.media.format', fieldName: field }],
    );
  const mediaFormats = queryList(query, 'mediaFormats');
  if (mediaFormats.length > 0) {
    for (const format of mediaFormats) if (format === 'NONE' || !VOICE_FORMATS.includes(format)) throw invalid('mediaFormats', format);
    if (mediaFormats.includes('WAV')) return 'WAV';
    throw wavOnly(mediaFormats.join(','), 'mediaFormats');
  }
  const formatId = query.get('formatId') || 'WEBM';
  if (!VOICE_FORMATS.includes(formatId)) throw invalid('formatId', formatId);
  if (formatId === 'NONE') return 'NONE';
  if (formatId === 'WAV') return 'WAV';
  throw wavOnly(formatId, 'formatId');
}

/** A download file name without path separators, quotes or control characters. */
function safeFileName(raw: string | null, fallback: string): string {
  const cleaned = (raw ?? '').replace(/[^A-Za-z0-9._ -]/g, '_').replace(/^\.+/, '').slice(0, 200);
  return cleaned.length > 0 ? cleaned : fallback;
}

type BatchItem = { conversationId: string; recordingId: string | null; error?: string };
type BatchResult = Models.BatchDownloadJobResult & { conversationId: string };
type BatchJob = { id: string; clientId: string; createdAt: number; items: Array<BatchItem>; results: Array<BatchResult> };

export function recordingRoutes(ctx: SandboxContext): Array<Route> {
  const { world, settings } = ctx;
  const batches = new Map<string, BatchJob>();

  const mediaUrl = (recording: Readonly<SeedRecording>, kind: 'playback' | 'batch', fileName?: string): string => {
    const ttlMinutes = kind === 'playback' ? settings.playbackUrlTtlMinutes : settings.batchUrlTtlMinutes;
    const token = ctx.signer.sign({
      conversationId: recording.conversationId,
      recordingId: recording.id,
      expiresAt: ctx.now() + Math.round(ttlMinutes * 60_000),
      kind,
      ...(fileName ? { fileName } : {}),
    });
    return `${ctx.origin()}/media/${token}`;
  };
  const mediaUris = (recording: Readonly<SeedRecording>, fileName?: string): MediaUris => ({
    '0': { mediaUri: mediaUrl(recording, 'playback', fileName), waveformData: [] },
  });
  const conversationOr404 = (conversationId: string): SeedConversation => {
    const conversation = world.conversations.get(conversationId);
    if (!conversation) throw notFound(`Conversation ${conversationId} not found.`);
    return conversation;
  };
  const liveRecordingOr404 = (conversationId: string, recordingId: string): SeedRecording => {
    const recording = conversationOr404(conversationId).recordings.find((r) => r.id === recordingId);
    if (!recording || world.fileState(recording) === 'DELETED') throw notFound(`Recording ${recordingId} not found in conversation ${conversationId}.`);
    return recording;
  };

  const batchResult = (item: BatchItem): BatchResult => {
    if (item.error || !item.recordingId) return { conversationId: item.conversationId, errorMsg: item.error ?? 'Recording not found.' };
    const recording = world.recording(item.conversationId, item.recordingId);
    const base = { conversationId: item.conversationId, recordingId: item.recordingId };
    if (!recording || world.fileState(recording) === 'DELETED') return { ...base, errorMsg: 'Recording not found.' };
    if (!world.mediaAvailable(recording)) return { ...base, errorMsg: 'Recording is archived. Restore it before requesting a batch download.' };
    return { ...base, resultUrl: mediaUrl(recording, 'batch'), contentType: MEDIA_CONTENT_TYPE };
  };

  return [
    {
      method: 'GET',
      template: '/conversations/{conversationId}/recordings',
      permissions: RECORDING_VIEW_PERMISSIONS,
      handle: ({ params, query }) => {
        const conversation = conversationOr404(params.conversationId ?? '');
        queryInt(query, 'maxWaitMs', 5000, 1, 3_600_000);
        const format = resolveFormat(query);
        let transcoding = false;
        const views = conversation.recordings.map((recording) => {
          if (format === 'NONE' || !world.mediaAvailable(recording)) return recordingView(world, recording, {});
          if (world.beginTranscode(recording)) {
            transcoding = true;
            return recordingView(world, recording, { mediaUris: {}, transcoding: true });
          }
          return recordingView(world, recording, { mediaUris: mediaUris(recording) });
        });
        return { status: transcoding ? 202 : 200, body: views };
      },
    },
    {
      method: 'GET',
      template: '/conversations/{conversationId}/recordings/{recordingId}',
      permissions: RECORDING_VIEW_PERMISSIONS,
      handle: ({ params, query }) => {
        const recording = liveRecordingOr404(params.conversationId ?? '', params.recordingId ?? '');
        const format = resolveFormat(query);
        const download = queryBool(query, 'download') ?? false;
        if (format === 'NONE' || !world.mediaAvailable(recording)) return { status: 200, body: recordingView(world, recording, {}) };
        if (world.beginTranscode(recording)) return { status: 202, body: recordingView(world, recording, { transcoding: true }) };
        const fileName = download ? safeFileName(query.get('fileName'), recording.id) : undefined;
        return { status: 200, body: recordingView(world, recording, { mediaUris: mediaUris(recording, fileName) }) };
      },
    },
    {
      method: 'PUT',
      template: '/conversations/{conversationId}/recordings/{recordingId}',
      permissions: ['recording:recording:editRetention'],
      handle: ({ params, json }) => {
        const recording = liveRecordingOr404(params.conversationId ?? '', params.recordingId ?? '');
        const body = requireObject(json);
        const change: { archiveDate?: string; deleteDate?: string } = {};
        for (const field of ['archiveDate', 'deleteDate'] as const) {
          if (body[field] === undefined || body[field] === null) continue;
          const ms = parseInstant(body[field], field);
          if (ms <= ctx.now()) throw badRequest(`${field} must be in the future.`, [{ fieldName: field }]);
          change[field] = new Date(ms).toISOString();
        }
        if (!change.archiveDate && !change.deleteDate) throw badRequest('Nothing to update: give a new archiveDate (restores an archived recording) or deleteDate.');
        const archiveMs = Date.parse(change.archiveDate ?? world.archiveDate(recording));
        const deleteMs = Date.parse(change.deleteDate ?? world.deleteDate(recording));
        if (deleteMs < archiveMs) throw badRequest('deleteDate may not be before archiveDate.', [{ fieldName: 'deleteDate' }]);
        world.updateRetention(recording, change);
        return { status: 200, body: recordingView(world, recording, {}) };
      },
    },
    {
      method: 'POST',
      template: '/recording/batchrequests',
      permissions: RECORDING_VIEW_PERMISSIONS,
      handle: ({ json, clientId }) => {
        const body = requireObject(json);
        const list = body.batchDownloadRequestList;
        if (!Array.isArray(list) || list.length === 0) throw badRequest('batchDownloadRequestList must be a non-empty array.', [{ fieldName: 'batchDownloadRequestList' }]);
        if (list.length > BATCH_MAX_ITEMS) {
          throw badRequest(`A batch request may hold at most ${BATCH_MAX_ITEMS} items, got ${list.length}.`, [{ fieldName: 'batchDownloadRequestList' }]);
        }
        const items: Array<BatchItem> = [];
        for (const raw of list) {
          if (!isRecord(raw) || typeof raw.conversationId !== 'string' || (raw.recordingId !== undefined && typeof raw.recordingId !== 'string')) {
            throw badRequest('Each batch item needs a conversationId and optionally a recordingId, both strings.');
          }
          const conversation = world.conversations.get(raw.conversationId);
          if (!conversation) items.push({ conversationId: raw.conversationId, recordingId: null, error: 'Conversation not found.' });
          else if (typeof raw.recordingId === 'string') items.push({ conversationId: conversation.id, recordingId: raw.recordingId });
          else for (const recording of conversation.recordings) items.push({ conversationId: conversation.id, recordingId: recording.id });
        }
        const job: BatchJob = { id: randomUUID(), clientId, createdAt: ctx.now(), items, results: [] };
        batches.set(job.id, job);
        return { status: 200, body: { id: job.id, selfUri: `/api/v2/recording/batchrequests/${job.id}` } satisfies Models.BatchDownloadJobSubmissionResult };
      },
    },
    {
      method: 'GET',
      template: '/recording/batchrequests/{jobId}',
      permissions: [],
      handle: ({ params, clientId }) => {
        const job = batches.get(params.jobId ?? '');
        // Only the submitting client can see a job; to anyone else it does not exist.
        if (!job || job.clientId !== clientId) throw notFound(`Batch request ${params.jobId ?? ''} not found.`);
        const total = job.items.length;
        const elapsed = ctx.now() - job.createdAt;
        const processed = settings.batchDelayMs <= 0 ? total : Math.min(total, Math.floor((total * elapsed) / settings.batchDelayMs));
        // Each result is produced once, when first processed, so its URL's lifetime starts then.
        while (job.results.length < processed) job.results.push(batchResult(job.items[job.results.length] as BatchItem));
        return {
          status: 200,
          body: {
            id: job.id,
            jobId: job.id,
            expectedResultCount: total,
            resultCount: job.results.length,
            errorCount: job.results.filter((r) => r.errorMsg).length,
            status: job.results.length === total ? 'Completed' : 'InProgress',
            results: job.results.map((r) => ({ ...r })),
            selfUri: `/api/v2/recording/batchrequests/${job.id}`,
          } satisfies Models.BatchDownloadJobStatusResult,
        };
      },
    },
    {
      method: 'PUT',
      template: '/recordings/deletionprotection',
      permissions: ['recording:deletionProtection:apply', 'recording:deletionProtection:revoke'],
      handle: ({ query, json }) => {
        const protect = queryBool(query, 'protect');
        if (protect === undefined) throw badRequest('The protect query parameter (true or false) is required.', [{ fieldName: 'protect' }]);
        const ids = conversationIdsOf(json);
        const failedUpdates: Array<Models.FailedDeleteProtectionUpdate> = [];
        const fail = (id: string, errorCode: string, errorMessage: string): void => {
          failedUpdates.push({ conversation: { id, selfUri: `/api/v2/conversations/${id}` }, errorCode, errorMessage });
        };
        for (const id of ids) {
          if (!world.conversations.has(id)) fail(id, 'not.found', `Conversation ${id} not found.`);
          else if (!protect) world.protectedConversations.delete(id);
          else if (world.protectedConversations.has(id)) continue;
          else if (world.protectedConversations.size >= settings.deletionProtectionCap) {
            fail(id, 'deletion.protection.limit.exceeded', `The organization already protects the maximum of ${settings.deletionProtectionCap} conversations.`);
          } else world.protectedConversations.add(id);
        }
        return { status: 200, body: { failedUpdates } satisfies Models.ManageDeleteProtectionResult };
      },
    },
    {
      method: 'POST',
      template: '/recordings/deletionprotection',
      permissions: RECORDING_VIEW_PERMISSIONS,
      handle: ({ json }) => {
        const ids = conversationIdsOf(json);
        return {
          status: 200,
          body: ids.filter((id) => world.protectedConversations.has(id)).map((id): Models.AddressableEntityRef => ({ id, selfUri: `/api/v2/conversations/${id}` })),
        };
      },
    },
  ];
}

function conversationIdsOf(json: unknown): Array<string> {
  const ids = requireObject(json).conversationIds;
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) throw badRequest('conversationIds must be an array of strings.', [{ fieldName: 'conversationIds' }]);
  return ids as Array<string>;
}
