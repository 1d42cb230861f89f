import { createHash, randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { Models } from 'purecloud-platform-client-v2';
import type { SeedConversation, SeedRecording } from '../dataset';
import { badRequest, notFound, parseInstant, parseInterval, queryInt, requireObject, SandboxHttpError, isRecord } from '../http';
import type { Route, SandboxContext } from '../routes';

/**
 * Recording bulk jobs (`/api/v2/recording/jobs`, reference 5.x) with action EXPORT, and the AWS S3 recording
 * bulk actions integration behind them: Genesys writes each recording and its `_metadata.json` into the
 * firm's bucket with the integration's own credentials, in the documented layout
 * `{orgId}/year=/month=/day=/hour=/conversation_id={id}/{recordingId}.wav` (hour of the conversation's start).
 *
 * States: PENDING (the query runs) -> READY after `jobDelayMs` -> PUT {state: PROCESSING} by the creator ->
 * PROCESSING -> FULFILLED after `jobDelayMs` more; the objects land from `lagMs` after PROCESSING on
 * (Genesys documents exports arriving after the job reports done). A PUT {state: CANCELLED} cancels.
 * At most two jobs per org in PENDING, READY or PROCESSING.
 */
export type RecordingExportOptions = {
  /** The S3 integration's id (GET /api/v2/integrations would list it); any other integrationId is 400. */
  integrationId: string;
  /** The integration's own S3 credentials and bucket (Genesys's role, not Custody's keys). */
  s3: { endpoint: string; region: string; accessKeyId: string; secretAccessKey: string };
  bucket: string;
  /** Delay from PROCESSING until the first object lands; default 1500 ms. */
  lagMs?: number;
  /** Reported in /failedrecordings, never written. */
  failRecordingIds?: ReadonlyArray<string>;
  /** Counted as processed, never written (lost in delivery). */
  dropRecordingIds?: ReadonlyArray<string>;
  /** The same by share of all recordings, chosen by a hash of the id (stable); default 0. */
  failFraction?: number;
  dropFraction?: number;
  /** Written with bytes that differ from what its metadata's size and SHA-256 describe (corrupted or altered). */
  corruptRecordingIds?: ReadonlyArray<string>;
  /** The job turns FAILED after this many recordings were written; the rest never arrive. */
  failJobAfter?: number;
  /** Parallel PutObject requests; default 8. */
  concurrency?: number;
};

type ExportJob = {
  id: string;
  clientId: string;
  userId: string | undefined;
  query: Models.RecordingJobsQuery;
  createdAt: number;
  processingAt: number | null;
  cancelled: boolean;
  failedAt: number | null;
  errorMessage: string | undefined;
  recordings: Array<SeedRecording>;
  failed: Array<SeedRecording>;
  written: number;
};

const ACTIVE = new Set(['PENDING', 'READY', 'PROCESSING']);

/** A stable share of recordings, by the id's hash. */
function chosen(recordingId: string, fraction: number | undefined, salt: string): boolean {
  if (!fraction) return false;
  return createHash('sha256').update(`${salt}:${recordingId}`).digest().readUInt32BE(0) / 2 ** 32 < fraction;
}

/** The org's export integration, configurable while the sandbox runs (tests and the bench set it once buckets exist). */
export type RecordingExportControl = { set(options: RecordingExportOptions | undefined): void };

export function recordingJobRoutes(
  ctx: SandboxContext,
  initial: RecordingExportOptions | undefined,
  audioFile: (recording: Readonly<SeedRecording>) => Promise<string>,
): { routes: Array<Route>; control: RecordingExportControl } {
  const { world, settings } = ctx;
  const jobs = new Map<string, ExportJob>();
  let options = initial;
  let s3: S3Client | null = null;
  const configure = (next: RecordingExportOptions | undefined) => {
    s3?.destroy();
    options = next;
    s3 = next
      ? new S3Client({
          endpoint: next.s3.endpoint,
          region: next.s3.region,
          forcePathStyle: true,
          credentials: { accessKeyId: next.s3.accessKeyId, secretAccessKey: next.s3.secretAccessKey },
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        })
      : null;
  };
  configure(initial);

  const stateOf = (job: ExportJob): string => {
    if (job.cancelled) return 'CANCELLED';
    if (job.failedAt !== null) return 'FAILED';
    if (job.processingAt === null) return ctx.now() - job.createdAt < settings.jobDelayMs ? 'PENDING' : 'READY';
    return ctx.now() - job.processingAt < settings.jobDelayMs ? 'PROCESSING' : 'FULFILLED';
  };

  const view = (job: ExportJob): Models.RecordingJob => {
    const state = stateOf(job);
    const counted = state === 'PENDING' ? undefined : job.recordings.length;
    const processed = state === 'FULFILLED' || state === 'FAILED' ? job.recordings.length - job.failed.length : state === 'PROCESSING' ? 0 : undefined;
    return {
      id: job.id,
      state,
      recordingJobsQuery: job.query,
      dateCreated: new Date(job.createdAt).toISOString(),
      ...(counted === undefined ? {} : { totalConversations: new Set(job.recordings.map((r) => r.conversationId)).size, totalRecordings: counted, totalSkippedRecordings: 0 }),
      ...(processed === undefined ? {} : { totalProcessedRecordings: processed, totalFailedRecordings: job.failed.length, percentProgress: state === 'PROCESSING' ? 50 : 100 }),
      ...(job.errorMessage ? { errorMessage: job.errorMessage } : {}),
      ...(job.userId ? { user: { id: job.userId, selfUri: `/api/v2/users/${job.userId}` } } : {}),
      failedRecordings: `/api/v2/recording/jobs/${job.id}/failedrecordings`,
      selfUri: `/api/v2/recording/jobs/${job.id}`,
    };
  };

  const deliver = async (job: ExportJob): Promise<void> => {
    const integration = options;
    if (!integration || !s3) return;
    await new Promise((resolve) => setTimeout(resolve, integration.lagMs ?? 1500));
    const failedIds = new Set(job.failed.map((r) => r.id));
    const queue = job.recordings.filter((r) => !failedIds.has(r.id) && !(integration.dropRecordingIds ?? []).includes(r.id) && !chosen(r.id, integration.dropFraction, 'drop'));
    const worker = async (): Promise<void> => {
      for (let recording = queue.shift(); recording; recording = queue.shift()) {
        if (job.cancelled || job.failedAt !== null) return;
        if (integration.failJobAfter !== undefined && job.written >= integration.failJobAfter) {
          job.failedAt = ctx.now();
          job.errorMessage = 'The export integration stopped answering (sandbox failJobAfter).';
          return;
        }
        await writeRecording(integration, recording);
        job.written += 1;
      }
    };
    await Promise.all(Array.from({ length: integration.concurrency ?? 8 }, worker));
  };

  const writeRecording = async (integration: RecordingExportOptions, recording: Readonly<SeedRecording>): Promise<void> => {
    const conversation = world.conversations.get(recording.conversationId) as SeedConversation;
    const audio = await readFile(await audioFile(recording));
    const hour = new Date(Date.parse(conversation.startTime));
    const pad = (n: number) => String(n).padStart(2, '0');
    const folder =
      `${ctx.dataset.organization.id}/year=${hour.getUTCFullYear()}/month=${pad(hour.getUTCMonth() + 1)}/day=${pad(hour.getUTCDate())}/hour=${pad(hour.getUTCHours())}` +
      `/conversation_id=${conversation.id}/`;
    const metadata = {
      organizationId: ctx.dataset.organization.id,
      conversationId: conversation.id,
      recordingId: recording.id,
      sessionId: recording.sessionId,
      conversationStartTime: conversation.startTime,
      startTime: recording.startTime,
      endTime: recording.endTime,
      durationMs: recording.durationMs,
      mediaType: 'audio',
      contentType: 'audio/wav',
      fileName: `${recording.id}.wav`,
      fileSizeBytes: audio.length,
      sha256: createHash('sha256').update(audio).digest('hex'),
      divisionIds: conversation.divisionIds,
      participants: conversation.participants.map((p) => ({ purpose: p.purpose, userId: p.userId, ani: p.ani, dnis: p.dnis })),
      exportedDate: new Date(ctx.now()).toISOString(),
    };
    const put = async (key: string, data: Buffer, contentType: string) => {
      await s3!.send(
        new PutObjectCommand({
          Bucket: integration.bucket,
          Key: key,
          Body: data,
          ContentType: contentType,
          ContentMD5: createHash('md5').update(data).digest('base64'),
          // What Genesys's setup asks the role for: the firm's account owns what it writes.
          ACL: 'bucket-owner-full-control',
        }),
      );
    };
    const body = (integration.corruptRecordingIds ?? []).includes(recording.id) ? Buffer.from(audio.map((byte, i) => (i === audio.length - 1 ? byte ^ 0xff : byte))) : audio;
    await put(`${folder}${recording.id}.wav`, body, 'audio/wav');
    await put(`${folder}${recording.id}_metadata.json`, Buffer.from(JSON.stringify(metadata)), 'application/json');
  };

  const jobOr404 = (jobId: string): ExportJob => {
    const job = jobs.get(jobId);
    if (!job) throw notFound(`Recording job ${jobId} not found.`);
    return job;
  };

  const routes: Array<Route> = [
    {
      method: 'POST',
      template: '/recording/jobs',
      permissions: ['recording:job:add'],
      handle: ({ json, clientId, token }) => {
        const body = requireObject(json);
        if (body.action !== 'EXPORT') {
          throw badRequest(`The sandbox runs EXPORT jobs only, not ${JSON.stringify(body.action)}.`, [{ fieldName: 'action' }]);
        }
        const integration = options;
        if (!integration || body.integrationId !== integration.integrationId) {
          throw badRequest(`Integration ${JSON.stringify(body.integrationId)} is not an active AWS S3 recording bulk actions integration of this org.`, [{ fieldName: 'integrationId' }]);
        }
        if (body.actionDate === undefined && body.actionAge === undefined) throw badRequest('actionDate or actionAge is required.', [{ fieldName: 'actionDate' }]);
        if (body.actionDate !== undefined) parseInstant(body.actionDate, 'actionDate');
        if (!isRecord(body.conversationQuery)) throw badRequest('conversationQuery is required (agedConversationInterval is for conversations older than 5 years).', [{ fieldName: 'conversationQuery' }]);
        const interval = parseInterval(body.conversationQuery.interval, 'conversationQuery.interval');
        if ([...jobs.values()].filter((j) => ACTIVE.has(stateOf(j))).length >= 2) {
          throw new SandboxHttpError(429, 'too.many.requests', 'At most two recording jobs may be pending or processing per organization.', [], { 'retry-after': '2' });
        }
        const recordings: Array<SeedRecording> = [];
        for (const conversation of world.conversations.values()) {
          const start = Date.parse(conversation.startTime);
          if (start < interval.start || start >= interval.end) continue;
          for (const recording of conversation.recordings) if (world.fileState(recording) !== 'DELETED') recordings.push(recording);
        }
        const failIds = new Set(integration.failRecordingIds ?? []);
        const job: ExportJob = {
          id: randomUUID(),
          clientId,
          userId: token.userId,
          query: body as unknown as Models.RecordingJobsQuery,
          createdAt: ctx.now(),
          processingAt: null,
          cancelled: false,
          failedAt: null,
          errorMessage: undefined,
          recordings,
          failed: recordings.filter((r) => failIds.has(r.id) || chosen(r.id, integration.failFraction, 'fail')),
          written: 0,
        };
        jobs.set(job.id, job);
        return { status: 202, body: view(job) };
      },
    },
    {
      method: 'GET',
      template: '/recording/jobs/{jobId}',
      permissions: ['recording:job:view'],
      handle: ({ params }) => ({ status: 200, body: view(jobOr404(params.jobId ?? '')) }),
    },
    {
      method: 'PUT',
      template: '/recording/jobs/{jobId}',
      permissions: ['recording:job:edit'],
      handle: ({ params, json, clientId, token }) => {
        const job = jobOr404(params.jobId ?? '');
        if (job.clientId !== clientId || job.userId !== token.userId) {
          throw new SandboxHttpError(403, 'not.authorized', 'Only the user or client that created a recording job may run it.');
        }
        const wanted = requireObject(json).state;
        const state = stateOf(job);
        if (wanted === 'CANCELLED') {
          if (!ACTIVE.has(state)) throw badRequest(`A ${state} job cannot be cancelled.`);
          job.cancelled = true;
        } else if (wanted === 'PROCESSING') {
          if (state !== 'READY') throw badRequest(`A job is executed from READY, this one is ${state}.`, [{ fieldName: 'state' }]);
          job.processingAt = ctx.now();
          void deliver(job).catch((error: unknown) => {
            job.failedAt = ctx.now();
            job.errorMessage = `The export integration could not write to the bucket: ${(error as Error).message}`;
          });
        } else {
          throw badRequest(`state must be PROCESSING or CANCELLED, got ${JSON.stringify(wanted)}.`, [{ fieldName: 'state' }]);
        }
        return { status: 200, body: view(job) };
      },
    },
    {
      method: 'GET',
      template: '/recording/jobs/{jobId}/failedrecordings',
      permissions: ['recording:job:view'],
      handle: ({ params, query }) => {
        const job = jobOr404(params.jobId ?? '');
        const pageSize = queryInt(query, 'pageSize', 25, 1, 100);
        const pageNumber = queryInt(query, 'pageNumber', 1, 1, 100_000);
        const failed = ['FULFILLED', 'FAILED'].includes(stateOf(job)) ? job.failed : [];
        const page = failed.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
        return {
          status: 200,
          body: {
            entities: page.map((r) => ({
              conversation: { id: r.conversationId, selfUri: `/api/v2/conversations/${r.conversationId}` },
              recording: { id: r.id, selfUri: `/api/v2/conversations/${r.conversationId}/recordings/${r.id}` },
            })),
            pageSize,
            pageNumber,
            total: failed.length,
            pageCount: Math.max(1, Math.ceil(failed.length / pageSize)),
          } satisfies Models.FailedRecordingEntityListing,
        };
      },
    },
  ];
  return { routes, control: { set: configure } };
}
