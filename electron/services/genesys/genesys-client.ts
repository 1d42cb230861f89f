import platformClient from 'purecloud-platform-client-v2';
import { z } from 'zod';
import type { Logger } from '../../../shared/logger';
import {
  SERVICE_HOLDER,
  TokenManager,
  TokenRejectedError,
  withAccessToken,
  type AccessTokenSource,
  type IssuedToken,
  type TokenHolder,
} from '../auth/token-manager';
import type { GenesysCredentials } from '../auth/credentials';
import type { GenesysEndpoint } from '../config/profile';
import { AuthError, HttpError, InvalidResponseError, NetworkError, RateLimitError } from '../errors';
import { parseRetryAfter, withRetry, type BackoffPolicy } from './backoff';
import type { Clock, Random } from '../ports';
import {
  attributeSearchResponseSchema,
  batchStatusSchema,
  batchSubmissionSchema,
  conversationSchema,
  deletionProtectionResultSchema,
  detailsJobResultsSchema,
  detailsJobStatusSchema,
  detailsJobSubmissionSchema,
  detailsQueryResponseSchema,
  organizationSchema,
  queueListingSchema,
  recordingMetadataSchema,
  recordingSchema,
  recordingSettingsSchema,
  recordingJobSchema,
  failedRecordingsSchema,
  type RecordingJob,
  retentionPolicyListingSchema,
  tokenResponseSchema,
  transcriptUrlSchema,
  userListingSchema,
  type Recording,
} from './models';

type SdkClient = typeof platformClient.ApiClient;
/** How the SDK sends its HTTP requests (axios by default); tests put an in-memory org behind it. */
export type SdkTransport = InstanceType<typeof platformClient.AbstractHttpClient>;
const ApiClientClass = (platformClient.ApiClient as unknown as { constructor: new () => SdkClient }).constructor;

/**
 * Server-side view of the quota, from the inin-ratelimit-* headers of every answer. `status` and
 * `retryAfterMs` say whether this answer was a 429 and how long it asked us to wait.
 */
export type RateLimitObservation = { allowed: number; count: number; resetSeconds: number; at: number; status?: number; retryAfterMs?: number | null };

/** Waits for permission to send one request; may return a function to call when the request is over. */
export type AcquireHook = (signal?: AbortSignal) => Promise<void | (() => void)>;

export type SdkResponse = { status: number; headers: Record<string, string | undefined>; body: unknown };

/** A fresh SDK client per engine: its own token, gateway and settings, never the shared singleton. */
export function createSdkClient(endpoint: GenesysEndpoint, timeoutMs = 30_000): SdkClient {
  const client = new ApiClientClass();
  // The SDK would otherwise watch ~/.genesyscloudjavascript/config and may undo the gateway on reload.
  client.config.live_reload_config = false;
  const logger = (client.config as unknown as { logger: { log_level: unknown; log_to_console: boolean; logLevelEnum: { level: { LNone: unknown } } } }).logger;
  logger.log_level = logger.logLevelEnum.level.LNone;
  logger.log_to_console = false;
  if ('gateway' in endpoint) {
    const url = new URL(endpoint.gateway);
    client.setGateway({
      host: url.hostname,
      protocol: url.protocol.replace(':', ''),
      ...(url.port ? { port: Number(url.port) } : {}),
    });
  } else {
    client.setEnvironment(endpoint.region);
  }
  client.setReturnExtendedResponses(true);
  (client as unknown as { timeout: number }).timeout = timeoutMs;
  return client;
}

const extendedResponseSchema = z.object({
  status: z.number(),
  // axios hands back an AxiosHeaders instance, not a plain object.
  headers: z.unknown(),
  body: z.unknown(),
});

export type GenesysClientDeps = {
  sdk: SdkClient;
  /** The service account's TokenManager, or an officer's token source: one code path for both. */
  tokens: AccessTokenSource;
  /** Whose token the calls carry, for error text; default: the service account. */
  holder?: TokenHolder;
  clock: Clock;
  random: Random;
  logger: Logger;
  backoff?: BackoffPolicy;
  onRateLimit?: (observation: RateLimitObservation) => void;
  /** Waits for permission to send one request (the shared rate governor); default: no wait. */
  acquire?: AcquireHook;
};

/** Login through the SDK, checking what it does not: that a token and an expiry actually came back. */
export async function loginWithClientCredentials(sdk: SdkClient, credentials: GenesysCredentials): Promise<IssuedToken> {
  let authData: { accessToken?: string; tokenExpiryTime?: number };
  try {
    authData = await sdk.loginClientCredentialsGrant(credentials.clientId, credentials.clientSecret);
  } catch (error) {
    throw mapLoginError(error);
  }
  const parsed = tokenResponseSchema.safeParse({
    access_token: authData.accessToken,
    expires_in: typeof authData.tokenExpiryTime === 'number' ? (authData.tokenExpiryTime - Date.now()) / 1000 : undefined,
  });
  if (!parsed.success) throw new InvalidResponseError('POST /oauth/token', 'no access_token or expires_in');
  return { accessToken: parsed.data.access_token, expiresInMs: Math.round(parsed.data.expires_in * 1000) };
}

function mapLoginError(error: unknown): Error {
  const response = (error as { response?: { status?: number; headers?: Record<string, string> } }).response;
  const endpoint = 'POST /oauth/token';
  if (!response?.status) return new NetworkError(endpoint, sanitizeNetworkError(error));
  if (response.status === 401 || response.status === 400 || response.status === 403) {
    return new AuthError(
      'Genesys refused the client credentials (wrong or revoked client). Store new ones with "custody login".',
    );
  }
  if (response.status === 429) {
    return new RateLimitError(endpoint, parseRetryAfter(response.headers?.['retry-after'], Date.now()));
  }
  return new HttpError(response.status, endpoint, `The Genesys token endpoint answered ${response.status}`);
}

/** AxiosError carries the request config, Authorization header included: keep only code and message. */
function sanitizeNetworkError(error: unknown): Error {
  const source = error as { code?: unknown; message?: unknown };
  const clean = new Error(typeof source.message === 'string' ? source.message : 'network error');
  if (typeof source.code === 'string') (clean as Error & { code: string }).code = source.code;
  return clean;
}

/**
 * Every Genesys call Custody makes, through the official SDK. Each call gets a current token
 * (refreshed ahead of expiry, one replay after a 401), retries with full-jitter backoff on 429/5xx/
 * network errors, and validates the response body, naming the endpoint when it is malformed.
 */
export class GenesysClient {
  private readonly recording: platformClient.RecordingApi;
  private readonly analytics: platformClient.AnalyticsApi;
  private readonly conversations: platformClient.ConversationsApi;
  private readonly routing: platformClient.RoutingApi;
  private readonly users: platformClient.UsersApi;
  private readonly organizations: platformClient.OrganizationApi;
  private readonly speech: platformClient.SpeechTextAnalyticsApi;

  constructor(private readonly deps: GenesysClientDeps) {
    this.recording = new platformClient.RecordingApi(deps.sdk);
    this.analytics = new platformClient.AnalyticsApi(deps.sdk);
    this.conversations = new platformClient.ConversationsApi(deps.sdk);
    this.routing = new platformClient.RoutingApi(deps.sdk);
    this.users = new platformClient.UsersApi(deps.sdk);
    this.organizations = new platformClient.OrganizationApi(deps.sdk);
    this.speech = new platformClient.SpeechTextAnalyticsApi(deps.sdk);
  }

  async detailsQuery(body: { interval: string; pageSize: number; pageNumber: number }, signal?: AbortSignal) {
    const endpoint = 'POST /api/v2/analytics/conversations/details/query';
    const res = await this.call(endpoint, detailsQueryResponseSchema, signal, () =>
      this.analytics.postAnalyticsConversationsDetailsQuery({
        interval: body.interval,
        order: 'asc',
        orderBy: 'conversationStart',
        paging: { pageSize: body.pageSize, pageNumber: body.pageNumber },
      }),
    );
    return res.body;
  }

  async attributeSearch(window: { start: string; end: string }, cursor: string | undefined, signal?: AbortSignal) {
    const endpoint = 'POST /api/v2/conversations/participants/attributes/search';
    const res = await this.call(endpoint, attributeSearchResponseSchema, signal, () =>
      this.conversations.postConversationsParticipantsAttributesSearch({
        query: [{ type: 'DATE_RANGE', fields: ['startTime'], startValue: window.start, endValue: window.end }],
        ...(cursor ? { cursor } : {}),
      }),
    );
    return res.body;
  }

  async queues(pageNumber: number, signal?: AbortSignal) {
    const res = await this.call('GET /api/v2/routing/queues', queueListingSchema, signal, () =>
      this.routing.getRoutingQueues({ pageSize: 100, pageNumber }),
    );
    return res.body;
  }

  async usersPage(pageNumber: number, signal?: AbortSignal) {
    const res = await this.call('GET /api/v2/users', userListingSchema, signal, () => this.users.getUsers({ pageSize: 100, pageNumber }));
    return res.body;
  }

  async conversation(conversationId: string, signal?: AbortSignal) {
    const endpoint = 'GET /api/v2/conversations/{conversationId}';
    const res = await this.call(endpoint, conversationSchema, signal, () => this.conversations.getConversation(conversationId));
    return res.body;
  }

  async recordingMetadata(conversationId: string, signal?: AbortSignal) {
    const endpoint = 'GET /api/v2/conversations/{conversationId}/recordingmetadata';
    const res = await this.call(endpoint, z.array(recordingMetadataSchema), signal, () =>
      this.recording.getConversationRecordingmetadata(conversationId),
    );
    return res.body;
  }

  /** One recording with its media URI. `ready` is false while Genesys is still transcoding (202). */
  async recordingWithMedia(
    conversationId: string,
    recordingId: string,
    signal?: AbortSignal,
  ): Promise<{ ready: boolean; recording: Recording }> {
    const endpoint = 'GET /api/v2/conversations/{conversationId}/recordings/{recordingId}';
    const res = await this.call(endpoint, recordingSchema, signal, () =>
      this.recording.getConversationRecording(conversationId, recordingId, { formatId: 'WAV' }),
    );
    const recording = res.body;
    const hasMedia = Object.values(recording.mediaUris ?? {}).some((m) => !!m.mediaUri);
    return { ready: res.status === 200 && hasMedia, recording };
  }

  /**
   * Every recording of a conversation with its media URI (one call for all of them). `ready` is
   * false while Genesys is still transcoding some of them (202): those come without a media URI.
   */
  async conversationRecordingsWithMedia(conversationId: string, signal?: AbortSignal): Promise<{ ready: boolean; recordings: Array<Recording> }> {
    const endpoint = 'GET /api/v2/conversations/{conversationId}/recordings';
    const res = await this.call(endpoint, z.array(recordingSchema), signal, () =>
      this.recording.getConversationRecordings(conversationId, { formatId: 'WAV', maxWaitMs: 5000 }),
    );
    return { ready: res.status === 200, recordings: res.body };
  }

  /** Submits a batch download job (at most 100 items; no recordingId = every recording of the conversation). */
  async submitBatch(items: ReadonlyArray<{ conversationId: string; recordingId?: string }>, signal?: AbortSignal): Promise<string> {
    const endpoint = 'POST /api/v2/recording/batchrequests';
    const res = await this.call(endpoint, batchSubmissionSchema, signal, () =>
      this.recording.postRecordingBatchrequests({ batchDownloadRequestList: items.map((item) => ({ ...item })) }),
    );
    return res.body.id;
  }

  async batchStatus(jobId: string, signal?: AbortSignal) {
    const endpoint = 'GET /api/v2/recording/batchrequests/{jobId}';
    const res = await this.call(endpoint, batchStatusSchema, signal, () => this.recording.getRecordingBatchrequest(jobId));
    return res.body;
  }

  /** An asynchronous conversation details job over `interval` (its results carry participant attributes). */
  async submitDetailsJob(interval: string, signal?: AbortSignal): Promise<string> {
    const endpoint = 'POST /api/v2/analytics/conversations/details/jobs';
    const res = await this.call(endpoint, detailsJobSubmissionSchema, signal, () =>
      this.analytics.postAnalyticsConversationsDetailsJobs({ interval, order: 'asc', orderBy: 'conversationStart' }),
    );
    return res.body.jobId;
  }

  async detailsJobStatus(jobId: string, signal?: AbortSignal) {
    const endpoint = 'GET /api/v2/analytics/conversations/details/jobs/{jobId}';
    const res = await this.call(endpoint, detailsJobStatusSchema, signal, () => this.analytics.getAnalyticsConversationsDetailsJob(jobId));
    return res.body;
  }

  async detailsJobResults(jobId: string, cursor: string | undefined, signal?: AbortSignal) {
    const endpoint = 'GET /api/v2/analytics/conversations/details/jobs/{jobId}/results';
    const res = await this.call(endpoint, detailsJobResultsSchema, signal, () =>
      this.analytics.getAnalyticsConversationsDetailsJobResults(jobId, { pageSize: 1000, ...(cursor ? { cursor } : {}) }),
    );
    return res.body;
  }

  async retentionPolicies(pageNumber: number, signal?: AbortSignal) {
    const res = await this.call('GET /api/v2/recording/mediaretentionpolicies', retentionPolicyListingSchema, signal, () =>
      this.recording.getRecordingMediaretentionpolicies({ pageSize: 100, pageNumber }),
    );
    return res.body;
  }

  /** Creates an EXPORT bulk job (202, PENDING) of the recordings of conversations in `interval` into the S3 integration. */
  async createExportJob(input: { integrationId: string; interval: string; actionDate: string }, signal?: AbortSignal): Promise<RecordingJob> {
    const res = await this.call('POST /api/v2/recording/jobs', recordingJobSchema, signal, () =>
      this.recording.postRecordingJobs({
        action: 'EXPORT',
        actionDate: input.actionDate,
        integrationId: input.integrationId,
        includeScreenRecordings: false,
        conversationQuery: { interval: input.interval, order: 'asc', orderBy: 'conversationStart' },
      }),
    );
    return res.body;
  }

  async recordingJob(jobId: string, signal?: AbortSignal): Promise<RecordingJob> {
    const res = await this.call('GET /api/v2/recording/jobs/{jobId}', recordingJobSchema, signal, () => this.recording.getRecordingJob(jobId));
    return res.body;
  }

  /** Starts a READY job (by the user or client that created it). */
  async executeRecordingJob(jobId: string, signal?: AbortSignal): Promise<RecordingJob> {
    const res = await this.call('PUT /api/v2/recording/jobs/{jobId}', recordingJobSchema, signal, () => this.recording.putRecordingJob(jobId, { state: 'PROCESSING' }));
    return res.body;
  }

  /** The recordings a job reports it could not process, every page. */
  async failedRecordings(jobId: string, signal?: AbortSignal): Promise<Array<{ conversationId: string; recordingId: string }>> {
    const out: Array<{ conversationId: string; recordingId: string }> = [];
    for (let pageNumber = 1; ; pageNumber += 1) {
      const res = await this.call('GET /api/v2/recording/jobs/{jobId}/failedrecordings', failedRecordingsSchema, signal, () =>
        this.recording.getRecordingJobFailedrecordings(jobId, { pageSize: 100, pageNumber }),
      );
      for (const entity of res.body.entities ?? []) {
        if (entity.conversation?.id && entity.recording?.id) out.push({ conversationId: entity.conversation.id, recordingId: entity.recording.id });
      }
      if (pageNumber >= (res.body.pageCount ?? 1)) return out;
    }
  }

  async organization(signal?: AbortSignal) {
    const res = await this.call('GET /api/v2/organizations/me', organizationSchema, signal, () => this.organizations.getOrganizationsMe());
    return res.body;
  }

  async recordingSettings(signal?: AbortSignal) {
    const res = await this.call('GET /api/v2/recording/settings', recordingSettingsSchema, signal, () => this.recording.getRecordingSettings());
    return res.body;
  }

  /**
   * The pre-signed URL of a communication's speech analytics transcript. Genesys answers 403 when the org
   * has no speech and text analytics (AuthError) and 404 when the communication was not transcribed.
   */
  async transcriptUrl(conversationId: string, communicationId: string, signal?: AbortSignal): Promise<string> {
    const endpoint = 'GET /api/v2/speechandtextanalytics/conversations/{conversationId}/communications/{communicationId}/transcripturl';
    const res = await this.call(endpoint, transcriptUrlSchema, signal, () =>
      this.speech.getSpeechandtextanalyticsConversationCommunicationTranscripturl(conversationId, communicationId),
    );
    return res.body.url;
  }

  /**
   * Deletion protection (Genesys's legal hold) on or off for up to 100 conversations per call.
   * Returns the conversations Genesys refused, with its error code (e.g. the org's cap reached).
   */
  async setDeletionProtection(conversationIds: ReadonlyArray<string>, protect: boolean, signal?: AbortSignal) {
    const res = await this.call('PUT /api/v2/recordings/deletionprotection', deletionProtectionResultSchema, signal, () =>
      this.recording.putRecordingsDeletionprotection({ protect, body: { conversationIds: [...conversationIds] } }),
    );
    return (res.body.failedUpdates ?? []).map((f) => ({
      conversationId: f.conversation?.id ?? '',
      errorCode: f.errorCode ?? 'unknown',
      message: f.errorMessage ?? f.errorCode ?? 'refused',
    }));
  }

  private parse<T>(res: SdkResponse, schema: z.ZodType<T>, endpoint: string): T {
    const parsed = schema.safeParse(res.body);
    if (!parsed.success) {
      const problem = typeof res.body === 'string' ? 'the body is not valid JSON' : z.prettifyError(parsed.error).slice(0, 300);
      throw new InvalidResponseError(endpoint, problem);
    }
    return parsed.data;
  }

  /** One logical call: token handling inside, retries outside (a replayed 401 is not a retry). */
  private call<T>(
    endpoint: string,
    schema: z.ZodType<T>,
    signal: AbortSignal | undefined,
    invoke: () => Promise<unknown>,
  ): Promise<{ status: number; body: T }> {
    const tokenOptions = { logger: this.deps.logger, holder: this.deps.holder ?? SERVICE_HOLDER };
    return withRetry(
      () =>
        withAccessToken(
          this.deps.tokens,
          async (token) => {
            const release = await this.deps.acquire?.(signal);
            try {
              this.deps.sdk.setAccessToken(token);
              let raw: unknown;
              try {
                raw = await invoke();
              } catch (error) {
                throw this.mapError(endpoint, error);
              }
              const res = this.toResponse(endpoint, raw);
              this.observe(res);
              return { status: res.status, body: this.parse(res, schema, endpoint) };
            } finally {
              if (release) release();
            }
          },
          tokenOptions,
        ),
      {
        clock: this.deps.clock,
        random: this.deps.random,
        signal,
        ...(this.deps.backoff ? { policy: this.deps.backoff } : {}),
        onRetry: ({ attempt, delayMs, error }) =>
          this.deps.logger.warn('retrying Genesys call', {
            endpoint,
            attempt: attempt + 1,
            delayMs,
            reason: error instanceof Error ? error.message : String(error),
          }),
      },
    );
  }

  private toResponse(endpoint: string, raw: unknown): SdkResponse {
    const parsed = extendedResponseSchema.safeParse(raw);
    if (!parsed.success) throw new InvalidResponseError(endpoint, 'the SDK returned no response envelope');
    const headers: Record<string, string | undefined> = {};
    const rawHeaders = parsed.data.headers;
    const plain = rawHeaders && typeof rawHeaders === 'object' ? ((rawHeaders as { toJSON?: () => object }).toJSON?.() ?? rawHeaders) : {};
    for (const [k, v] of Object.entries(plain)) headers[k.toLowerCase()] = v === undefined || v === null ? undefined : String(v);
    return { status: parsed.data.status, headers, body: parsed.data.body };
  }

  private observe(res: Pick<SdkResponse, 'headers' | 'status'>): void {
    const allowed = Number(res.headers['inin-ratelimit-allowed']);
    const count = Number(res.headers['inin-ratelimit-count']);
    const resetSeconds = Number(res.headers['inin-ratelimit-reset']);
    if (Number.isFinite(allowed) && Number.isFinite(count) && Number.isFinite(resetSeconds)) {
      const at = this.deps.clock.now();
      this.deps.onRateLimit?.({ allowed, count, resetSeconds, at, status: res.status, retryAfterMs: parseRetryAfter(res.headers['retry-after'], at) });
    }
  }

  private mapError(endpoint: string, error: unknown): Error {
    const parsed = extendedResponseSchema.safeParse(error);
    if (!parsed.success) return new NetworkError(endpoint, sanitizeNetworkError(error));
    const res = this.toResponse(endpoint, error);
    this.observe(res);
    const body = res.body as { message?: unknown; code?: unknown } | undefined;
    const detail = typeof body?.message === 'string' ? body.message : `HTTP ${res.status}`;
    // The SDK rejects a 2xx whose body was cut short or could not be read (axios ERR_BAD_RESPONSE).
    if (res.status < 400) return new InvalidResponseError(endpoint, 'the body was cut short or unreadable');
    if (res.status === 401) return new TokenRejectedError(endpoint);
    if (res.status === 429) return new RateLimitError(endpoint, parseRetryAfter(res.headers['retry-after'], this.deps.clock.now()));
    if (res.status === 403) {
      const holder = this.deps.holder ?? SERVICE_HOLDER;
      return new AuthError(`Genesys denied ${endpoint}: ${detail}. ${holder.kind === 'service' ? 'The OAuth client' : holder.name} lacks a permission.`);
    }
    return new HttpError(res.status, endpoint, `Genesys answered ${res.status} on ${endpoint}: ${detail}`);
  }
}

/** Interactive calls (a search the officer waits for) give up fast; bulk work is patient. */
export const interactiveBackoff: BackoffPolicy = { baseMs: 300, capMs: 2_000, maxAttempts: 3 };

/**
 * Whose token a client's calls carry: the service account (client credentials from the keychain,
 * logged in and refreshed by a TokenManager), or a signed-in officer (her token source).
 */
export type ClientAuth = { kind: 'service'; credentials: GenesysCredentials } | { kind: 'officer'; name: string; tokens: AccessTokenSource };

/**
 * One SDK client and token holder for an org, with two call policies over it. Both share the token
 * source, so a refresh serves every caller. Each holder gets its own SDK client: the SDK keeps the
 * access token on the client, and two holders' calls must never pick up each other's.
 */
export function createGenesysClient(options: {
  endpoint: GenesysEndpoint;
  auth: ClientAuth;
  clock: Clock;
  random: Random;
  logger: Logger;
  onToken?: (token: string) => void;
  onRateLimit?: (observation: RateLimitObservation) => void;
  /** `kind` tells the governor whether an officer is waiting (interactive) or a job is running (bulk). */
  acquire?: (signal: AbortSignal | undefined, kind: 'interactive' | 'bulk') => Promise<void | (() => void)>;
  transport?: SdkTransport;
}): { interactive: GenesysClient; bulk: GenesysClient; tokens: AccessTokenSource } {
  const sdk = createSdkClient(options.endpoint);
  if (options.transport) sdk.setHttpClient(options.transport);
  const { auth } = options;
  const tokens =
    auth.kind === 'service'
      ? new TokenManager({
          login: () => loginWithClientCredentials(sdk, auth.credentials),
          clock: options.clock,
          logger: options.logger.child('auth'),
          ...(options.onToken ? { onToken: options.onToken } : {}),
        })
      : auth.tokens;
  const base = {
    sdk,
    tokens,
    holder: auth.kind === 'service' ? SERVICE_HOLDER : { kind: 'officer' as const, name: auth.name },
    clock: options.clock,
    random: options.random,
    logger: options.logger,
    ...(options.onRateLimit ? { onRateLimit: options.onRateLimit } : {}),
  };
  const acquire = options.acquire;
  const hook = (kind: 'interactive' | 'bulk') => (acquire ? { acquire: (signal?: AbortSignal) => acquire(signal, kind) } : {});
  return {
    interactive: new GenesysClient({ ...base, ...hook('interactive'), backoff: interactiveBackoff }),
    bulk: new GenesysClient({ ...base, ...hook('bulk') }),
    tokens,
  };
}
